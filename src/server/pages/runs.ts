/** The home page: the latest runs under a trend of the last nights. */
import { totalOf, type RunLine } from '../../store/run-lines.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, REPORT_LABELS } from '../labels.js';
import type { TrendPoint } from '../trace.js';
import { layout, pill, runHref, vnTime, type PageContext } from './layout.js';

const TREND_SERIES = [
  { key: 'mismatches', colour: '#1d4ed8' },
  { key: 'findings', colour: '#15803d' },
  { key: 'unexplained', colour: '#b91c1c' },
] as const;

/** The nights' figures as lines in inline SVG (no script, no external file: the page's CSP allows neither). */
function trendChart(ctx: PageContext, points: readonly TrendPoint[], runs: number): Html {
  const L = PAGE_LABELS[ctx.lang];
  const W = 960,
    H = 220,
    left = 44,
    right = 16,
    top = 14,
    bottom = 34;
  const max = Math.max(1, ...points.flatMap((p) => TREND_SERIES.map((s) => p[s.key])));
  const x = (i: number) =>
    points.length === 1 ? left + (W - left - right) / 2 : left + (i * (W - left - right)) / (points.length - 1);
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  // Every day labelled when they fit, otherwise about eight of them.
  const every = Math.max(1, Math.ceil(points.length / 8));
  const svg = html`<svg id="trend" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${L.trend}" style="max-width:${W}px;display:block">
${ticks.map((t) => html`<line x1="${left}" x2="${W - right}" y1="${y(t)}" y2="${y(t)}" stroke="#e4e7eb"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#616e7c">${t}</text>`)}
${points.map((p, i) => (i % every === 0 || i === points.length - 1 ? html`<text x="${x(i)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#616e7c">${p.day.slice(5)}</text>` : null))}
${TREND_SERIES.map(
  (s) =>
    html`<g class="series" data-series="${s.key}" data-values="${points.map((p) => p[s.key]).join(',')}"><polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.map((p, i) => `${x(i).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ')}"/>${points.map(
      (p, i) =>
        html`<circle cx="${x(i).toFixed(1)}" cy="${y(p[s.key]).toFixed(1)}" r="3.5" fill="${s.colour}"><title>${p.day} · ${L.trendSeries[s.key]}: ${p[s.key]} (${p.runs.join(', ')})</title></circle>`,
    )}</g>`,
)}
</svg>`;
  return html`<div class="card">${svg}<div class="legend">${TREND_SERIES.map((s) => html`<span class="sw" style="background:${s.colour}"></span>${L.trendSeries[s.key]}<span style="width:12px"></span>`)}</div>
<p class="sub" style="margin:8px 0 0">${L.trendHelp(runs)}</p></div>`;
}

/**
 * @param runs the latest runs' lines, newest first, for the list
 * @param trend the nights of the runs the trend covers (usually more than the list shows)
 */
export function runsPage(
  ctx: PageContext,
  runs: RunLine[],
  trend: { points: TrendPoint[]; runs: number } = { points: [], runs: 0 },
): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const rows = runs.map(
    (r) => html`<tr>
<td><a class="mono run-link" href="${runHref(ctx, r.runId)}">${r.runId}</a></td>
<td>${r.period.from} … ${r.period.to}</td>
<td>${vnTime(r.startedAt)}</td><td>${vnTime(r.finishedAt)}</td>
<td>${pill(r.status, R.status[r.status])}</td>
<td>${r.provinces.map((p) => html`${pill(p.coverage.status, p.province)} `)}</td>
<td class="num">${totalOf(r.provinces, 'mismatches')}</td><td class="num">${totalOf(r.provinces, 'dossiers')}</td><td class="num">${totalOf(r.provinces, 'unexplained')}</td></tr>`,
  );
  const body = html`<h1>${L.latestRuns}</h1><p class="sub">${L.timesIn}</p>
${trend.points.length ? html`<h2>${L.trend}</h2>${trendChart(ctx, trend.points, trend.runs)}<h2>${L.nav.runs}</h2>` : null}
<div class="card">${
    runs.length
      ? html`<table id="runs"><thead><tr><th>${L.run}</th><th>${R.period}</th><th>${L.started}</th><th>${L.finished}</th><th>${L.status}</th><th>${L.provinces}</th><th class="num">${R.columns.mismatches}</th><th class="num">${R.columns.findings}</th><th class="num">${R.columns.unexplained}</th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty">${L.noRuns}</p>`
  }</div>`;
  return layout(ctx, L.nav.runs, 'runs', body);
}
