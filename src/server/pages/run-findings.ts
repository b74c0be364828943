/** The run page's findings, grouped by root cause, with the keys left unexplained. */
import type { Finding, RunReport } from '../../../schemas/report.js';
import { FINDING_KINDS, UNEXPLAINED } from '../../../schemas/report.js';
import { signed } from '../../report/account.js';
import { ruleText } from '../../report/drift.js';
import type { Metric } from '../../domain/figures.js';
import { groupBy } from '../../util/group.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS } from '../labels.js';
import { dossierLink, pill, type PageContext } from './layout.js';

/** A key left unexplained, in words: agency, procedure, metric and residual. */
function unexplainedKey(ctx: PageContext, f: Finding): Html {
  const R = REPORT_LABELS[ctx.lang];
  const k = f.key;
  return html`<span class="key" title="${k?.examined ? `${R.examined}: ${k.examined}` : ''}"><code>${f.agency}${k?.procedure ? ` · ${k.procedure}` : ''}</code> ${R.metric[(k?.metric ?? f.metrics[0]) as Metric] ?? k?.metric ?? ''}<small>${R.columns.residual.toLowerCase()} ${k ? signed(k.residual) : '?'}</small></span>`;
}

export function findingsByKind(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const byKind = groupBy(
    r.provinces.flatMap((p) => p.findings.map((f) => ({ province: p.province, f }))),
    (x) => x.f.kind,
  );
  if (byKind.size === 0) return html`<div class="card"><p class="empty">${L.noFindings}</p></div>`;
  const known: readonly string[] = [...FINDING_KINDS, UNEXPLAINED];
  const kinds = [
    ...known.filter((k) => byKind.has(k as Finding['kind'])),
    ...[...byKind.keys()].filter((k) => !known.includes(k)),
  ] as Finding['kind'][];
  return html`<div class="kinds" id="findings">${kinds.map((k) => {
    const list = byKind
      .get(k)!
      .sort((a, b) => a.province.localeCompare(b.province) || a.f.dossierCode.localeCompare(b.f.dossierCode));
    const count =
      k === UNEXPLAINED ? `${list.length} × ${R.columns.unexplained.toLowerCase()}` : L.dossiers(list.length);
    return html`<section class="card kind${k === UNEXPLAINED ? ' unexplained' : ''}" data-kind="${k}"><h3><span>${R.kind[k] ?? k} <code>${k}</code></span>${pill(k === UNEXPLAINED ? 'failed' : '', count)}</h3>
<div class="codes">${list.map(({ province, f }) =>
      k === UNEXPLAINED
        ? html`<span class="dossier">${province} · ${unexplainedKey(ctx, f)}</span>`
        : html`<span class="dossier" title="${province} · ${f.agency} · ${f.metrics.map((m) => R.metric[m as Metric] ?? m).join(', ')}${f.rule ? ` · ${ruleText(f.rule, ctx.lang)}` : ''}">${dossierLink(ctx, f.dossierCode)}<small>${f.agency}</small></span>`,
    )}</div></section>`;
  })}</div>`;
}
