/** The run page's heat map: province × metric, how many agencies differ and by how much. */
import type { ProvinceReport, RunReport } from '../../../schemas/report.js';
import { METRICS } from '../../../schemas/metrics.js';
import type { Metric } from '../../domain/figures.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS } from '../labels.js';
import type { PageContext } from './layout.js';

/** Province × metric: how many agencies differ and by how much, per cell. */
export interface HeatCell {
  count: number;
  gap: number;
}

export function heatCells(p: ProvinceReport): Map<string, HeatCell> {
  const cells = new Map<string, HeatCell>();
  // Agency totals only: a procedure's mismatch is already inside its agency's.
  const rows = p.mismatches.filter((m) => m.procedure === null);
  for (const m of rows.length ? rows : p.mismatches) {
    const c = cells.get(m.metric) ?? { count: 0, gap: 0 };
    c.count++;
    c.gap += Math.abs(m.national - m.local);
    cells.set(m.metric, c);
  }
  return cells;
}

function heatColour(gap: number, max: number): { bg: string; fg: string } {
  const t = max <= 0 ? 1 : Math.log1p(gap) / Math.log1p(max);
  const hue = Math.round(48 - 48 * t);
  const light = Math.round(80 - 42 * t);
  return { bg: `hsl(${hue} ${Math.round(96 - 21 * t)}% ${light}%)`, fg: light < 58 ? '#fff' : '#3b1d06' };
}

export function heatmap(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const extra = [...new Set(r.provinces.flatMap((p) => p.mismatches.map((m) => m.metric)))].filter(
    (m) => !(METRICS as readonly string[]).includes(m),
  );
  const metrics: string[] = [...METRICS, ...extra];
  const all = new Map(r.provinces.map((p) => [p.province, heatCells(p)]));
  const max = Math.max(0, ...[...all.values()].flatMap((c) => [...c.values()].map((x) => x.gap)));
  const body = r.provinces.map((p) => {
    const cells = all.get(p.province)!;
    const compared = p.coverage.status === 'complete';
    return html`<tr><th class="row" scope="row">${p.province}</th>${metrics.map((m) => {
      const c = cells.get(m);
      const label = R.metric[m as Metric] ?? m;
      if (!c) {
        return compared
          ? html`<td class="zero" data-metric="${m}" title="${p.province} · ${label}: 0">·</td>`
          : html`<td class="na" data-metric="${m}" title="${p.province}: ${L.notCompared}">—</td>`;
      }
      const { bg, fg } = heatColour(c.gap, max);
      return html`<td class="hot" data-metric="${m}" data-count="${c.count}" data-gap="${c.gap}" style="background:${bg};color:${fg}" title="${p.province} · ${label}: ${L.cells(c.count, c.gap)}">${c.count}<span class="gap">Δ ${c.gap}</span></td>`;
    })}</tr>`;
  });
  return html`<div class="card"><table class="heat" id="heatmap"><thead><tr><th></th>${metrics.map((m) => html`<th scope="col" data-metric="${m}">${R.metric[m as Metric] ?? m}</th>`)}</tr></thead><tbody>${body}</tbody></table>
<div class="legend"><span class="sw"></span>${L.legendNone}<span style="width:12px"></span>${L.legendLess}<span class="bar"></span>${L.legendMore}</div>
<p class="sub" style="margin:8px 0 0">${L.heatmapHelp}</p></div>`;
}
