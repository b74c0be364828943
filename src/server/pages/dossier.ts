/** A dossier's page: both sides' evidence, the runs that found it, its incidents. */
import type { Finding } from '../../../schemas/report.js';
import type { Incident } from '../../../schemas/incident.js';
import { EVIDENCE_FIELDS } from '../../report/labels.js';
import { provinceLabel } from '../../normalise/units.js';
import type { Metric } from '../../domain/figures.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS } from '../labels.js';
import type { Appearance } from '../trace.js';
import { incidentTable } from './incidents.js';
import { layout, pill, runHref, vnTime, type PageContext } from './layout.js';

/** One side's value of an evidence field, as shown: times in Vietnam time, a status with its name. */
function evidenceValue(
  ctx: PageContext,
  field: (typeof EVIDENCE_FIELDS)[number],
  side: NonNullable<Finding['evidence']['local']>,
): string {
  const v = side[field];
  if (v === null || v === undefined) return '—';
  if (field === 'status') return `${v} · ${PAGE_LABELS[ctx.lang].statusNames[v as number] ?? '?'}`;
  return field.endsWith('At') ? vnTime(v as string) : String(v);
}

/**
 * A dossier: both sides' evidence side by side as its latest run found them (the fields that
 * differ highlighted), every run that found it and every incident it is part of.
 * @param appearances its findings, newest run first (see trace.ts)
 * @param runsSearched how many of the latest runs were searched
 * @param repairs the section of its pushes to the portal (pages/repair.ts), shown last
 */
export function dossierPage(
  ctx: PageContext,
  code: string,
  appearances: Appearance[],
  incidents: Incident[],
  runsSearched: number,
  repairs: Html | null = null,
): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  const latest = appearances[0]!;
  const { local, national } = latest.finding.evidence;
  const rows = EVIDENCE_FIELDS.map((field) => {
    const [l = null, n = null] = [local, national].map((side) => (side ? evidenceValue(ctx, field, side) : null));
    // Compared as held, not as shown: times differing by seconds show alike.
    const differs = local !== null && national !== null && (local[field] ?? null) !== (national[field] ?? null);
    const cell = (v: string | null) =>
      v === null
        ? html`<td class="none">${L.notOnSide}</td>`
        : html`<td class="mono${differs ? ' diff' : ''}">${v}</td>`;
    return html`<tr data-field="${field}" class="${differs ? 'diff' : ''}"><th scope="row">${R.evidenceField[field]}</th>${cell(l)}${cell(n)}</tr>`;
  });
  const evidence = html`<div class="card"><table class="evidence" id="evidence"><thead><tr><th>${L.field}</th><th>${L.sides.local}</th><th>${L.sides.national}</th></tr></thead><tbody>${rows}</tbody></table>
<div class="legend"><span class="sw" style="background:#fef3c7"></span>${L.differs}</div></div>`;
  const runs = html`<div class="card"><table id="dossier-runs"><thead><tr><th>${L.run}</th><th>${R.period}</th><th>${L.started}</th><th>${c.province}</th><th>${c.agency}</th><th>${c.kind}</th><th>${c.metrics}</th></tr></thead><tbody>${appearances.map(
    (a) =>
      html`<tr><td><a class="mono" href="${runHref(ctx, a.runId)}">${a.runId}</a></td><td>${a.period.from} … ${a.period.to}</td><td>${vnTime(a.startedAt)}</td><td>${provinceLabel(a.province)}</td><td class="mono">${a.finding.agency}</td><td>${pill('', R.kind[a.finding.kind] ?? a.finding.kind)}</td><td>${a.finding.metrics.map((m) => R.metric[m as Metric] ?? m).join(', ')}</td></tr>`,
  )}</tbody></table><p class="sub" style="margin:8px 0 0">${L.searched(runsSearched)}</p></div>`;
  const related = incidents.length
    ? html`<div class="card">${incidentTable(ctx, incidents)}</div>`
    : html`<div class="card"><p class="empty">${L.noRelatedIncidents}</p></div>`;
  const body = html`<h1>${L.dossier} <span class="mono">${code}</span></h1>
<p class="sub">${provinceLabel(latest.province)} · ${latest.finding.agency} · ${R.kind[latest.finding.kind] ?? latest.finding.kind}</p>
<h2>${L.evidence(latest.runId)}</h2>${evidence}
<h2>${L.foundIn}</h2>${runs}
<h2>${L.relatedIncidents}</h2>${related}${repairs}`;
  return layout(ctx, `${L.dossier} ${code}`, null, body);
}
