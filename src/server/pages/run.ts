/**
 * A run's page: a header, then its sections in order (summary, heat map, findings, mismatches,
 * incident changes). Each section is a heading and a function of the run; a new section is one
 * more entry in RUN_SECTIONS.
 */
import type { FailedJob, ProvinceReport, RunReport } from '../../../schemas/report.js';
import { accountOf, isUnexplained, signed, sortMismatches, sourcesTotal as sum } from '../../report/account.js';
import { provinceLabel } from '../../normalise/units.js';
import type { Metric } from '../../domain/figures.js';
import { html, raw, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS, type Lang } from '../labels.js';
import { incidentHref, layout, pill, vnTime, type PageContext } from './layout.js';
import { driftRules } from './run-drift.js';
import { findingsByKind } from './run-findings.js';
import { heatmap } from './run-heatmap.js';
import { INDEX_SECTION } from './run-index.js';

/** One section of the run page: its heading (`<h2>`) and its body. */
export interface RunSection {
  heading(labels: (typeof PAGE_LABELS)[Lang]): string;
  render(ctx: PageContext, r: RunReport): Html;
}

/** A list of more than this many rows starts folded. */
const OPEN_UP_TO = 12;

/** The jobs of the run that failed for a province: kind, id and reason each. */
function failedJobsList(ctx: PageContext, jobs: FailedJob[] | undefined): Html | null {
  if (!jobs?.length) return null;
  return html`<details class="failed-jobs"${jobs.length <= 3 ? raw(' open') : null}><summary>${PAGE_LABELS[ctx.lang].failedJobs(jobs.length)}</summary><ul>${jobs.map(
    (j) => html`<li data-job="${j.job}"><code>${j.job}</code> <span class="mono sub">${j.id}</span>: ${j.reason}</li>`,
  )}</ul></details>`;
}

/** A province's mismatches, dossiers, unexplained keys and the account line, as the run page's summary cells. */
function accountCells(ctx: PageContext, p: ProvinceReport): Html {
  const a = accountOf(p);
  const compared = p.coverage.status === 'complete' || p.mismatches.length > 0;
  return html`<td class="num">${a.mismatches}</td><td class="num">${a.dossiers}</td><td class="num">${a.residuals.length ? pill('failed', String(a.residuals.length)) : 0}</td><td class="account">${compared ? REPORT_LABELS[ctx.lang].account(a) : '—'}</td>`;
}

/** Per province: coverage (and failed jobs), the province's own statistics, the sync counters and the account. */
function summary(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  return html`<div class="card"><table id="summary"><thead><tr><th>${c.province}</th><th>${c.coverage}</th><th>${L.provincialStats}</th><th class="num">${c.pulled}</th><th class="num">${c.applied}</th><th class="num">${c.unchanged}</th><th class="num">${c.quarantined}</th><th class="num">${c.agencies}</th><th class="num">${c.mismatches}</th><th class="num">${c.findings}</th><th class="num">${c.unexplained}</th><th>${L.account}</th></tr></thead><tbody>${r.provinces.map(
    (
      p,
    ) => html`<tr data-province="${p.province}"><td><strong>${provinceLabel(p.province)}</strong></td><td>${pill(p.coverage.status, R.coverage[p.coverage.status])}${p.coverage.why ? html`<div class="sub">${p.coverage.why}</div>` : null}${failedJobsList(ctx, p.coverage.failedJobs)}</td>
<td>${p.provincialStats ? html`${L.provincialStatus[p.provincialStats.status]}${p.provincialStats.why ? html`<div class="sub">${p.provincialStats.why}</div>` : null}` : '—'}</td>
<td class="num">${sum(p, 'pulled')}</td><td class="num">${sum(p, 'applied')}</td><td class="num">${sum(p, 'unchanged')}</td><td class="num">${sum(p, 'quarantined')}</td><td class="num">${p.agencies}</td>${accountCells(ctx, p)}</tr>`,
  )}</tbody></table></div>`;
}

/** Every mismatch line per province (folded when long), with its verdict, residual and explaining dossiers. */
function mismatches(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  if (!r.provinces.some((p) => p.mismatches.length))
    return html`<div class="card"><p class="empty">${L.noMismatches}</p></div>`;
  return html`${r.provinces.map((p) => {
    if (!p.mismatches.length) return null;
    const rows = sortMismatches(p.mismatches);
    const agencyLevel = rows.filter((m) => m.procedure === null).length;
    return html`<details class="card fold"${rows.length <= OPEN_UP_TO ? raw(' open') : null}><summary><strong>${provinceLabel(p.province)}</strong> · ${L.mismatchCount(agencyLevel, rows.length - agencyLevel)}</summary>
<table class="mismatches" data-province="${p.province}"><thead><tr><th>${c.agency}</th><th>${c.procedure}</th><th>${c.metric}</th><th class="num">${c.local}</th><th class="num">${c.national}</th><th class="num">${c.provincial}</th><th class="num">${c.diff}</th><th>${L.verdict}</th><th class="num">${c.residual}</th><th class="num">${c.explainedBy}</th></tr></thead><tbody>${rows.map(
      (m) =>
        html`<tr class="${isUnexplained(m) ? 'unexplained' : ''}"><td class="mono">${m.agency}</td><td class="mono">${m.procedure ?? '—'}</td><td>${R.metric[m.metric as Metric] ?? m.metric}</td><td class="num">${m.local}</td><td class="num">${m.national}</td><td class="num">${m.provincial ?? '—'}</td><td class="num">${signed(m.national - m.local)}</td><td>${m.verdict ? L.verdicts[m.verdict] : '—'}</td><td class="num">${isUnexplained(m) ? signed(m.residual!) : ''}</td><td class="num" title="${m.explainedBy?.codes.join(', ') ?? ''}">${m.explainedBy?.count ?? ''}</td></tr>`,
    )}</tbody></table></details>`;
  })}`;
}

/** The incidents the run opened, kept open, worsened or resolved, counted per event. */
function incidentChanges(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const c = REPORT_LABELS[ctx.lang].columns;
  const changes = r.provinces.flatMap((p) => p.incidents.map((i) => ({ province: p.province, i })));
  if (!changes.length) return html`<div class="card"><p class="empty">${L.noIncidentChanges}</p></div>`;
  const byEvent = new Map<string, number>();
  for (const { i } of changes) byEvent.set(i.event, (byEvent.get(i.event) ?? 0) + 1);
  return html`<details class="card fold"${changes.length <= OPEN_UP_TO ? raw(' open') : null}><summary>${[...byEvent].map(([e, n]) => html`${pill(e, `${L.incidentEvent[e as keyof typeof L.incidentEvent] ?? e}: ${n}`)} `)}</summary>
<table id="incident-changes"><thead><tr><th>${c.province}</th><th>${L.key}</th><th>${L.event}</th><th class="num">${L.gap}</th></tr></thead><tbody>${changes.map(
    ({ province, i }) =>
      html`<tr><td>${province}</td><td class="mono"><a href="${incidentHref(ctx, i.key)}">${i.key}</a></td><td>${pill(i.event, L.incidentEvent[i.event])}</td><td class="num">${i.gap}</td></tr>`,
  )}</tbody></table></details>`;
}

/** The run page's sections, in order. */
export const RUN_SECTIONS: readonly RunSection[] = [
  { heading: (L) => L.summary, render: summary },
  { heading: (L) => L.heatmap, render: heatmap },
  { heading: (L) => L.findings, render: findingsByKind },
  { heading: (L) => L.driftRules, render: driftRules },
  INDEX_SECTION,
  { heading: (L) => L.mismatches, render: mismatches },
  { heading: (L) => L.incidentChanges, render: incidentChanges },
];

export function runPage(ctx: PageContext, r: RunReport, sections: readonly RunSection[] = RUN_SECTIONS): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const body = html`<h1>${R.run} <span class="mono">${r.runId}</span></h1>
<p class="sub">${R.period} ${r.period.from} … ${r.period.to} · ${L.started} ${vnTime(r.startedAt)} · ${L.finished} ${vnTime(r.finishedAt)} (GMT+7) · ${pill(r.status, R.status[r.status])}</p>${sections.map(
    (s) => html`
<h2>${s.heading(L)}</h2>${s.render(ctx, r)}`,
  )}`;
  return layout(ctx, `${R.run} ${r.runId}`, 'runs', body);
}
