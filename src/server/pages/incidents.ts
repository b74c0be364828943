/** The incidents: their list, and one incident's page with its history and dossiers. */
import type { Incident } from '../../../schemas/incident.js';
import { signed } from '../../report/account.js';
import { provinceLabel } from '../../normalise/units.js';
import type { Metric } from '../../domain/figures.js';
import { incidentSize } from '../../reconcile/incidents.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS } from '../labels.js';
import type { IncidentDossier } from '../trace.js';
import { dossierLink, incidentHref, layout, pill, runHref, vnTime, type PageContext } from './layout.js';

/** Open first, then by last update (newest first). */
export function sortIncidents(list: Incident[]): Incident[] {
  return [...list].sort(
    (a, b) =>
      (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1) ||
      b.updatedAt.localeCompare(a.updatedAt) ||
      a.key.localeCompare(b.key),
  );
}

export function incidentTable(ctx: PageContext, list: Incident[]): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  const rows = sortIncidents(list).map((i) => {
    const last = i.history[i.history.length - 1];
    return html`<tr data-status="${i.status}"><td>${pill(i.status, L.incidentStatus[i.status])}</td><td>${i.province}</td><td>${i.period.from} … ${i.period.to}</td><td class="mono">${i.agency}</td><td><a class="incident-link" href="${incidentHref(ctx, i.key)}">${i.cause ? R.kind[i.cause] : '—'}</a></td><td>${[...new Set(i.lines.map((l) => R.metric[l.metric as Metric] ?? l.metric))].join(', ')}</td><td class="num">${incidentSize(i)}</td><td>${vnTime(i.openedAt)}</td><td>${vnTime(i.updatedAt)}</td>
<td>${last ? html`${pill(last.event, L.incidentEvent[last.event])} <a class="mono" href="${runHref(ctx, last.runId)}">${last.runId}</a>` : '—'}</td></tr>`;
  });
  return html`<table class="incidents"><thead><tr><th>${L.status}</th><th>${c.province}</th><th>${R.period}</th><th>${c.agency}</th><th>${c.kind}</th><th>${c.metrics}</th><th class="num">${L.gap}</th><th>${L.opened}</th><th>${L.updated}</th><th>${L.lastEvent}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function incidentsPage(ctx: PageContext, list: Incident[]): string {
  const L = PAGE_LABELS[ctx.lang];
  const body = html`<h1>${L.incidents}</h1><div class="card" id="incidents">${list.length ? incidentTable(ctx, list) : html`<p class="empty">${L.noIncidents}</p>`}</div>`;
  return layout(ctx, L.incidents, 'incidents', body);
}

/** An incident: what it is, its history night by night, and the dossiers behind it. */
export function incidentPage(ctx: PageContext, i: Incident, dossiers: IncidentDossier[]): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  const facts = html`<div class="card"><dl class="facts">
<dt>${L.status}</dt><dd>${pill(i.status, L.incidentStatus[i.status])}</dd>
<dt>${c.province}</dt><dd>${provinceLabel(i.province)}</dd>
<dt>${R.period}</dt><dd>${i.period.from} … ${i.period.to}</dd>
<dt>${c.agency}</dt><dd class="mono">${i.agency}</dd>
<dt>${c.kind}</dt><dd>${i.cause ? R.kind[i.cause] : '—'}</dd>
<dt>${c.metrics}</dt><dd>${i.lines.map((l, n) => html`${n ? ', ' : null}<span class="line">${R.metric[l.metric as Metric] ?? l.metric}${l.procedure ? html` <span class="mono">${l.procedure}</span>` : null}${l.residual ? ` (${signed(l.residual)})` : null}</span>`)}</dd>
<dt>${L.gap}</dt><dd>${incidentSize(i)}</dd>
<dt>${L.opened}</dt><dd>${vnTime(i.openedAt)}</dd><dt>${L.updated}</dt><dd>${vnTime(i.updatedAt)}</dd>
</dl></div>`;
  const history = html`<div class="card"><table id="incident-history"><thead><tr><th>${L.run}</th><th>${L.updated}</th><th>${L.event}</th><th class="num">${c.explainedBy}</th><th class="num">${c.residual}</th></tr></thead><tbody>${[
    ...i.history,
  ]
    .reverse()
    .map(
      (h) =>
        html`<tr><td><a class="mono" href="${runHref(ctx, h.runId)}">${h.runId}</a></td><td>${vnTime(h.at)}</td><td>${pill(h.event, L.incidentEvent[h.event])}${h.note ? html`<div class="sub">${h.note}</div>` : null}</td><td class="num">${h.dossiers}</td><td class="num">${h.residual}</td></tr>`,
    )}</tbody></table></div>`;
  const list = dossiers.length
    ? html`<div class="card"><table id="incident-dossiers"><thead><tr><th>${c.dossier}</th><th>${c.agency}</th><th>${c.kind}</th><th>${L.run}</th></tr></thead><tbody>${dossiers.map(
        (d) =>
          html`<tr><td>${dossierLink(ctx, d.code)}</td><td class="mono">${d.agency}</td><td>${R.kind[d.kind] ?? d.kind}</td><td>${d.runs.map((id) => html`<a class="mono" href="${runHref(ctx, id)}">${id}</a> `)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<div class="card"><p class="empty">${L.noIncidentDossiers}</p></div>`;
  const body = html`<h1>${L.incident} <span class="mono">${i.key}</span></h1>
${facts}
<h2>${L.incidentDossiers} (${dossiers.length})</h2>${list}
<h2>${L.history}</h2>${history}`;
  return layout(ctx, `${L.incident} ${i.key}`, 'incidents', body);
}
