/** The reconciliation pages: server-rendered HTML, every value escaped (see html.ts). */
import type { Incident } from '../../schemas/incident.js';
import { incidentSize } from '../reconcile/incidents.js';
import type { QuarantineEntry } from '../../schemas/store.js';
import type { FailedJob, Finding, ProvinceReport, RunReport } from '../../schemas/report.js';
import { FINDING_KINDS, UNEXPLAINED } from '../../schemas/report.js';
import { accountOf, isUnexplained, signed, sortMismatches, sourcesTotal } from '../report/account.js';
import { EVIDENCE_FIELDS } from '../report/labels.js';
import { rawItemCode } from '../domain/codes.js';
import { parseCompact } from '../domain/time.js';
import { provinceLabel } from '../normalise/units.js';
import { METRICS } from '../../schemas/metrics.js';
import { type Metric } from '../domain/figures.js';
import type { FailedBatch } from '../queue/replay.js';
import { groupBy } from '../util/group.js';
import { html, raw, type Html } from './html.js';
import { indexSection } from './index-section.js';
import { PAGE_LABELS, REPORT_LABELS, type Lang } from './labels.js';
import type { Appearance, IncidentDossier, TrendPoint } from './trace.js';

export interface PageContext {
  lang: Lang;
  /** The server's default language: links carry `lang` only when it differs. */
  defaultLang: Lang;
  /** The page's path, for the language switch. */
  path: string;
}

export function href(ctx: PageContext, path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params);
  if (ctx.lang !== ctx.defaultLang) q.set('lang', ctx.lang);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The pages of a run, a dossier and an incident: codes and keys can hold anything (`/`, `<`, `"`), so they are encoded. */
export const runHref = (ctx: PageContext, runId: string) => href(ctx, `/runs/${encodeURIComponent(runId)}`);
export const dossierHref = (ctx: PageContext, code: string) => href(ctx, `/dossiers/${encodeURIComponent(code)}`);
export const incidentHref = (ctx: PageContext, key: string) => href(ctx, `/incidents/${encodeURIComponent(key)}`);

const VN_OFFSET_MS = 7 * 3600_000;
/** An instant (epoch ms, ISO, or a compact `yyyyMMddHHmmss` of Vietnam time as evidence holds it) as Vietnam local time, `YYYY-MM-DD HH:mm`. */
export function vnTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '—';
  const ms = typeof at === 'number' ? at : (parseCompact(at) ?? Date.parse(at));
  if (!Number.isFinite(ms)) return String(at);
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

const STYLE = raw(`
:root{--bg:#f6f7f9;--card:#fff;--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--accent:#1d4ed8;--ok:#15803d;--warn:#b45309;--bad:#b91c1c}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;background:var(--bg);color:var(--fg)}
header{background:#0f172a;color:#e2e8f0;padding:0 24px;display:flex;align-items:center;gap:24px;height:52px}
header .brand{font-weight:700;color:#fff;text-decoration:none;font-size:16px;letter-spacing:.2px}
header nav{display:flex;gap:4px;flex:1}
header nav a{color:#cbd5e1;text-decoration:none;padding:6px 10px;border-radius:6px}
header nav a:hover,header nav a.on{background:#1e293b;color:#fff}
header .lang a{color:#94a3b8;text-decoration:none;margin-left:8px;font-size:13px}
header .lang a.on{color:#fff;font-weight:600}
main{max-width:1280px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:4px 0 4px}
h2{font-size:16px;margin:28px 0 10px}.card>h2:first-child{margin-top:0}
h3{font-size:14px;margin:18px 0 8px;color:var(--muted)}
.sub{color:var(--muted);margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.3px;color:var(--muted);font-weight:600;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr:last-child td{border-bottom:0}
a{color:var(--accent)}
td.mono,td>a.mono{white-space:nowrap}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;background:#e5e7eb;color:#374151;white-space:nowrap}
.pill.complete,.pill.resolved,.pill.ok{background:#dcfce7;color:var(--ok)}
.pill.partial,.pill.running,.pill.still_open{background:#fef3c7;color:var(--warn)}
.pill.failed,.pill.open,.pill.opened,.pill.worsened{background:#fee2e2;color:var(--bad)}
.empty{color:var(--muted);font-style:italic}
.heat{border-collapse:separate;border-spacing:3px;width:auto}
.heat th{background:none;border:0;padding:4px 6px;font-size:11px;text-transform:none;letter-spacing:0;vertical-align:bottom;max-width:86px}
.heat td{border:0;width:80px;height:40px;text-align:center;vertical-align:middle;border-radius:6px;font-weight:600;font-variant-numeric:tabular-nums}
.heat td.zero{background:#f1f5f9;color:#cbd5e1;font-weight:400}
.heat td.na{background:repeating-linear-gradient(45deg,#f1f5f9,#f1f5f9 5px,#e2e8f0 5px,#e2e8f0 10px);color:var(--muted);font-weight:400;font-size:11px}
.heat th.row{text-align:right;font-size:13px;color:var(--fg);vertical-align:middle}
.heat .gap{display:block;font-size:10px;font-weight:400;opacity:.85}
.legend{display:flex;align-items:center;gap:8px;color:var(--muted);font-size:12px;margin-top:10px}
.legend .bar{width:160px;height:10px;border-radius:5px;background:linear-gradient(90deg,hsl(48 96% 80%),hsl(24 90% 55%),hsl(0 75% 38%))}
.legend .sw{width:14px;height:14px;border-radius:3px;background:#f1f5f9;display:inline-block}
.kinds{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.kind h3{margin:0 0 8px;color:var(--fg);display:flex;justify-content:space-between;align-items:flex-start;gap:8px}
.kind h3 .pill{flex:none}
.codes{display:flex;flex-wrap:wrap;gap:6px}
.codes span{background:#f1f5f9;border:1px solid var(--line);border-radius:6px;padding:2px 6px}
.codes span small{color:var(--muted);margin-left:4px}
.evidence td.diff{background:#fef3c7;font-weight:600}
.evidence tr.diff th{color:var(--warn)}
.evidence .none{color:var(--muted);font-style:italic}
tr.unexplained td{background:#fef2f2}
.codes .key small{margin-left:6px;color:var(--bad);font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--muted);text-transform:lowercase}dl.facts dt::first-letter{text-transform:uppercase}dl.facts dd{margin:0}
.notice{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;padding:10px 14px;border-radius:8px;margin:0 0 14px}
button{white-space:nowrap;font:inherit;background:var(--accent);color:#fff;border:0;border-radius:6px;padding:5px 12px;cursor:pointer}
button:hover{background:#1e40af}
.err{color:var(--bad);max-width:520px;word-break:break-word}
details.fold{margin:0 0 10px}
details.fold>summary{cursor:pointer;padding:2px 0;list-style-position:inside}
details.fold[open]>summary{margin-bottom:10px}
`);

type NavKey = 'runs' | 'incidents' | 'failed' | 'quarantine';

export function layout(ctx: PageContext, title: string, nav: NavKey | null, body: Html): string {
  const L = PAGE_LABELS[ctx.lang];
  const langLink = (lang: Lang) => {
    const q = new URLSearchParams();
    if (lang !== ctx.defaultLang) q.set('lang', lang);
    const s = q.toString();
    return html`<a href="${s ? `${ctx.path}?${s}` : ctx.path}" class="${lang === ctx.lang ? 'on' : ''}" lang="${lang}">${lang.toUpperCase()}</a>`;
  };
  const item = (key: NavKey, path: string, label: string) => html`<a href="${href(ctx, path)}" class="${nav === key ? 'on' : ''}">${label}</a>`;
  return `<!doctype html>${html`<html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${L.title}</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="${href(ctx, '/')}">${L.title}</a>
<nav>${item('runs', '/', L.nav.runs)}${item('incidents', '/incidents', L.nav.incidents)}${item('failed', '/failed', L.nav.failed)}${item('quarantine', '/quarantine', L.nav.quarantine)}<a href="/queues">${L.nav.queues}</a><a href="/metrics">${L.nav.metrics}</a></nav>
<span class="lang">${langLink('vi')}${langLink('en')}</span></header>
<main>${body}</main></body></html>`.value}`;
}

const pill = (cls: string, text: string) => html`<span class="pill ${cls}">${text}</span>`;
const sum = sourcesTotal;

const TREND_SERIES = [
  { key: 'mismatches', colour: '#1d4ed8' },
  { key: 'findings', colour: '#15803d' },
  { key: 'unexplained', colour: '#b91c1c' },
] as const;

/** The nights' figures as lines in inline SVG (no script, no external file: the page's CSP allows neither). */
function trendChart(ctx: PageContext, points: readonly TrendPoint[], runs: number): Html {
  const L = PAGE_LABELS[ctx.lang];
  const W = 960, H = 220, left = 44, right = 16, top = 14, bottom = 34;
  const max = Math.max(1, ...points.flatMap((p) => TREND_SERIES.map((s) => p[s.key])));
  const x = (i: number) => (points.length === 1 ? left + (W - left - right) / 2 : left + (i * (W - left - right)) / (points.length - 1));
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  // Every day labelled when they fit, otherwise about eight of them.
  const every = Math.max(1, Math.ceil(points.length / 8));
  const svg = html`<svg id="trend" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${L.trend}" style="max-width:${W}px;display:block">
${ticks.map((t) => html`<line x1="${left}" x2="${W - right}" y1="${y(t)}" y2="${y(t)}" stroke="#e4e7eb"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11" fill="#616e7c">${t}</text>`)}
${points.map((p, i) => (i % every === 0 || i === points.length - 1 ? html`<text x="${x(i)}" y="${H - 12}" text-anchor="middle" font-size="11" fill="#616e7c">${p.day.slice(5)}</text>` : null))}
${TREND_SERIES.map((s) => html`<g class="series" data-series="${s.key}" data-values="${points.map((p) => p[s.key]).join(',')}"><polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.map((p, i) => `${x(i).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ')}"/>${points.map(
    (p, i) => html`<circle cx="${x(i).toFixed(1)}" cy="${y(p[s.key]).toFixed(1)}" r="3.5" fill="${s.colour}"><title>${p.day} · ${L.trendSeries[s.key]}: ${p[s.key]} (${p.runs.join(', ')})</title></circle>`,
  )}</g>`)}
</svg>`;
  return html`<div class="card">${svg}<div class="legend">${TREND_SERIES.map((s) => html`<span class="sw" style="background:${s.colour}"></span>${L.trendSeries[s.key]}<span style="width:12px"></span>`)}</div>
<p class="sub" style="margin:8px 0 0">${L.trendHelp(runs)}</p></div>`;
}

/**
 * @param reports the latest runs, newest first, for the list
 * @param trend the nights of the runs the trend covers (usually more than the list shows)
 */
export function runsPage(ctx: PageContext, reports: RunReport[], trend: { points: TrendPoint[]; runs: number } = { points: [], runs: 0 }): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const rows = reports.map((r) => {
    const accounts = r.provinces.map(accountOf);
    const total = (f: (a: (typeof accounts)[number]) => number) => accounts.reduce((n, a) => n + f(a), 0);
    return html`<tr>
<td><a class="mono run-link" href="${runHref(ctx, r.runId)}">${r.runId}</a></td>
<td>${r.period.from} … ${r.period.to}</td>
<td>${vnTime(r.startedAt)}</td><td>${vnTime(r.finishedAt)}</td>
<td>${pill(r.status, R.status[r.status])}</td>
<td>${r.provinces.map((p) => html`${pill(p.coverage.status, p.province)} `)}</td>
<td class="num">${total((a) => a.mismatches)}</td><td class="num">${total((a) => a.dossiers)}</td><td class="num">${total((a) => a.residuals.length)}</td></tr>`;
  });
  const body = html`<h1>${L.latestRuns}</h1><p class="sub">${L.timesIn}</p>
${trend.points.length ? html`<h2>${L.trend}</h2>${trendChart(ctx, trend.points, trend.runs)}<h2>${L.nav.runs}</h2>` : null}
<div class="card">${
    reports.length
      ? html`<table id="runs"><thead><tr><th>${L.run}</th><th>${R.period}</th><th>${L.started}</th><th>${L.finished}</th><th>${L.status}</th><th>${L.provinces}</th><th class="num">${R.columns.mismatches}</th><th class="num">${R.columns.findings}</th><th class="num">${R.columns.unexplained}</th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty">${L.noRuns}</p>`
  }</div>`;
  return layout(ctx, L.nav.runs, 'runs', body);
}

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

function heatmap(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const extra = [...new Set(r.provinces.flatMap((p) => p.mismatches.map((m) => m.metric)))].filter((m) => !(METRICS as readonly string[]).includes(m));
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

/** A dossier code as a link to its page. */
const dossierLink = (ctx: PageContext, code: string) => html`<a class="mono dossier-link" href="${dossierHref(ctx, code)}">${code}</a>`;

/** A key left unexplained, in words: agency, procedure, metric and residual. */
function unexplainedKey(ctx: PageContext, f: Finding): Html {
  const R = REPORT_LABELS[ctx.lang];
  const k = f.key;
  return html`<span class="key" title="${k?.examined ? `${R.examined}: ${k.examined}` : ''}"><code>${f.agency}${k?.procedure ? ` · ${k.procedure}` : ''}</code> ${R.metric[(k?.metric ?? f.metrics[0]) as Metric] ?? k?.metric ?? ''}<small>${R.columns.residual.toLowerCase()} ${k ? signed(k.residual) : '?'}</small></span>`;
}

function findingsByKind(ctx: PageContext, r: RunReport): Html {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const byKind = groupBy(
    r.provinces.flatMap((p) => p.findings.map((f) => ({ province: p.province, f }))),
    (x) => x.f.kind,
  );
  if (byKind.size === 0) return html`<div class="card"><p class="empty">${L.noFindings}</p></div>`;
  const known: readonly string[] = [...FINDING_KINDS, UNEXPLAINED];
  const kinds = [...known.filter((k) => byKind.has(k as Finding['kind'])), ...[...byKind.keys()].filter((k) => !known.includes(k))] as Finding['kind'][];
  return html`<div class="kinds" id="findings">${kinds.map((k) => {
    const list = byKind.get(k)!.sort((a, b) => a.province.localeCompare(b.province) || a.f.dossierCode.localeCompare(b.f.dossierCode));
    const count = k === UNEXPLAINED ? `${list.length} × ${R.columns.unexplained.toLowerCase()}` : L.dossiers(list.length);
    return html`<section class="card kind${k === UNEXPLAINED ? ' unexplained' : ''}" data-kind="${k}"><h3><span>${R.kind[k] ?? k} <code>${k}</code></span>${pill(k === UNEXPLAINED ? 'failed' : '', count)}</h3>
<div class="codes">${list.map(({ province, f }) =>
      k === UNEXPLAINED
        ? html`<span class="dossier">${province} · ${unexplainedKey(ctx, f)}</span>`
        : html`<span class="dossier" title="${province} · ${f.agency} · ${f.metrics.map((m) => R.metric[m as Metric] ?? m).join(', ')}">${dossierLink(ctx, f.dossierCode)}<small>${f.agency}</small></span>`,
    )}</div></section>`;
  })}</div>`;
}

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

export function runPage(ctx: PageContext, r: RunReport): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  const summary = html`<div class="card"><table id="summary"><thead><tr><th>${c.province}</th><th>${c.coverage}</th><th>${L.provincialStats}</th><th class="num">${c.pulled}</th><th class="num">${c.applied}</th><th class="num">${c.unchanged}</th><th class="num">${c.quarantined}</th><th class="num">${c.agencies}</th><th class="num">${c.mismatches}</th><th class="num">${c.findings}</th><th class="num">${c.unexplained}</th><th>${L.account}</th></tr></thead><tbody>${r.provinces.map(
    (p) => html`<tr data-province="${p.province}"><td><strong>${provinceLabel(p.province)}</strong></td><td>${pill(p.coverage.status, R.coverage[p.coverage.status])}${p.coverage.why ? html`<div class="sub">${p.coverage.why}</div>` : null}${failedJobsList(ctx, p.coverage.failedJobs)}</td>
<td>${p.provincialStats ? html`${L.provincialStatus[p.provincialStats.status]}${p.provincialStats.why ? html`<div class="sub">${p.provincialStats.why}</div>` : null}` : '—'}</td>
<td class="num">${sum(p, 'pulled')}</td><td class="num">${sum(p, 'applied')}</td><td class="num">${sum(p, 'unchanged')}</td><td class="num">${sum(p, 'quarantined')}</td><td class="num">${p.agencies}</td>${accountCells(ctx, p)}</tr>`,
  )}</tbody></table></div>`;

  const OPEN_UP_TO = 12;
  const mismatches = r.provinces.map((p) => {
    if (!p.mismatches.length) return null;
    const rows = sortMismatches(p.mismatches);
    const agencyLevel = rows.filter((m) => m.procedure === null).length;
    return html`<details class="card fold"${rows.length <= OPEN_UP_TO ? raw(' open') : null}><summary><strong>${provinceLabel(p.province)}</strong> · ${L.mismatchCount(agencyLevel, rows.length - agencyLevel)}</summary>
<table class="mismatches" data-province="${p.province}"><thead><tr><th>${c.agency}</th><th>${c.procedure}</th><th>${c.metric}</th><th class="num">${c.local}</th><th class="num">${c.national}</th><th class="num">${c.provincial}</th><th class="num">${c.diff}</th><th>${L.verdict}</th><th class="num">${c.residual}</th><th class="num">${c.explainedBy}</th></tr></thead><tbody>${rows.map(
      (m) => html`<tr class="${isUnexplained(m) ? 'unexplained' : ''}"><td class="mono">${m.agency}</td><td class="mono">${m.procedure ?? '—'}</td><td>${R.metric[m.metric as Metric] ?? m.metric}</td><td class="num">${m.local}</td><td class="num">${m.national}</td><td class="num">${m.provincial ?? '—'}</td><td class="num">${signed(m.national - m.local)}</td><td>${m.verdict ? L.verdicts[m.verdict] : '—'}</td><td class="num">${isUnexplained(m) ? signed(m.residual!) : ''}</td><td class="num" title="${m.explainedBy?.codes.join(', ') ?? ''}">${m.explainedBy?.count ?? ''}</td></tr>`,
    )}</tbody></table></details>`;
  });
  const anyMismatch = r.provinces.some((p) => p.mismatches.length);

  const changes = r.provinces.flatMap((p) => p.incidents.map((i) => ({ province: p.province, i })));
  const byEvent = new Map<string, number>();
  for (const { i } of changes) byEvent.set(i.event, (byEvent.get(i.event) ?? 0) + 1);
  const incidents = changes.length
    ? html`<details class="card fold"${changes.length <= OPEN_UP_TO ? raw(' open') : null}><summary>${[...byEvent].map(([e, n]) => html`${pill(e, `${L.incidentEvent[e as keyof typeof L.incidentEvent] ?? e}: ${n}`)} `)}</summary>
<table id="incident-changes"><thead><tr><th>${c.province}</th><th>${L.key}</th><th>${L.event}</th><th class="num">${L.gap}</th></tr></thead><tbody>${changes.map(
        ({ province, i }) => html`<tr><td>${province}</td><td class="mono"><a href="${incidentHref(ctx, i.key)}">${i.key}</a></td><td>${pill(i.event, L.incidentEvent[i.event])}</td><td class="num">${i.gap}</td></tr>`,
      )}</tbody></table></details>`
    : html`<div class="card"><p class="empty">${L.noIncidentChanges}</p></div>`;

  const body = html`<h1>${R.run} <span class="mono">${r.runId}</span></h1>
<p class="sub">${R.period} ${r.period.from} … ${r.period.to} · ${L.started} ${vnTime(r.startedAt)} · ${L.finished} ${vnTime(r.finishedAt)} (GMT+7) · ${pill(r.status, R.status[r.status])}</p>
<h2>${L.summary}</h2>${summary}
<h2>${L.heatmap}</h2>${heatmap(ctx, r)}
<h2>${L.findings}</h2>${findingsByKind(ctx, r)}
${indexSection(ctx.lang, r)}
<h2>${L.mismatches}</h2>${anyMismatch ? mismatches : html`<div class="card"><p class="empty">${L.noMismatches}</p></div>`}
<h2>${L.incidentChanges}</h2>${incidents}`;
  return layout(ctx, `${R.run} ${r.runId}`, 'runs', body);
}

/** Open first, then by last update (newest first). */
export function sortIncidents(list: Incident[]): Incident[] {
  return [...list].sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1) || b.updatedAt.localeCompare(a.updatedAt) || a.key.localeCompare(b.key));
}

function incidentTable(ctx: PageContext, list: Incident[]): Html {
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

/** One side's value of an evidence field, as shown: times in Vietnam time, a status with its name. */
function evidenceValue(ctx: PageContext, field: (typeof EVIDENCE_FIELDS)[number], side: NonNullable<Finding['evidence']['local']>): string {
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
 */
export function dossierPage(ctx: PageContext, code: string, appearances: Appearance[], incidents: Incident[], runsSearched: number): string {
  const L = PAGE_LABELS[ctx.lang];
  const R = REPORT_LABELS[ctx.lang];
  const c = R.columns;
  const latest = appearances[0]!;
  const { local, national } = latest.finding.evidence;
  const rows = EVIDENCE_FIELDS.map((field) => {
    const [l = null, n = null] = [local, national].map((side) => (side ? evidenceValue(ctx, field, side) : null));
    // Compared as held, not as shown: times differing by seconds show alike.
    const differs = local !== null && national !== null && (local[field] ?? null) !== (national[field] ?? null);
    const cell = (v: string | null) => (v === null ? html`<td class="none">${L.notOnSide}</td>` : html`<td class="mono${differs ? ' diff' : ''}">${v}</td>`);
    return html`<tr data-field="${field}" class="${differs ? 'diff' : ''}"><th scope="row">${R.evidenceField[field]}</th>${cell(l)}${cell(n)}</tr>`;
  });
  const evidence = html`<div class="card"><table class="evidence" id="evidence"><thead><tr><th>${L.field}</th><th>${L.sides.local}</th><th>${L.sides.national}</th></tr></thead><tbody>${rows}</tbody></table>
<div class="legend"><span class="sw" style="background:#fef3c7"></span>${L.differs}</div></div>`;
  const runs = html`<div class="card"><table id="dossier-runs"><thead><tr><th>${L.run}</th><th>${R.period}</th><th>${L.started}</th><th>${c.province}</th><th>${c.agency}</th><th>${c.kind}</th><th>${c.metrics}</th></tr></thead><tbody>${appearances.map(
    (a) => html`<tr><td><a class="mono" href="${runHref(ctx, a.runId)}">${a.runId}</a></td><td>${a.period.from} … ${a.period.to}</td><td>${vnTime(a.startedAt)}</td><td>${provinceLabel(a.province)}</td><td class="mono">${a.finding.agency}</td><td>${pill('', R.kind[a.finding.kind] ?? a.finding.kind)}</td><td>${a.finding.metrics.map((m) => R.metric[m as Metric] ?? m).join(', ')}</td></tr>`,
  )}</tbody></table><p class="sub" style="margin:8px 0 0">${L.searched(runsSearched)}</p></div>`;
  const related = incidents.length
    ? html`<div class="card">${incidentTable(ctx, incidents)}</div>`
    : html`<div class="card"><p class="empty">${L.noRelatedIncidents}</p></div>`;
  const body = html`<h1>${L.dossier} <span class="mono">${code}</span></h1>
<p class="sub">${provinceLabel(latest.province)} · ${latest.finding.agency} · ${R.kind[latest.finding.kind] ?? latest.finding.kind}</p>
<h2>${L.evidence(latest.runId)}</h2>${evidence}
<h2>${L.foundIn}</h2>${runs}
<h2>${L.relatedIncidents}</h2>${related}`;
  return layout(ctx, `${L.dossier} ${code}`, null, body);
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
  const history = html`<div class="card"><table id="incident-history"><thead><tr><th>${L.run}</th><th>${L.updated}</th><th>${L.event}</th><th class="num">${c.explainedBy}</th><th class="num">${c.residual}</th></tr></thead><tbody>${[...i.history].reverse().map(
    (h) => html`<tr><td><a class="mono" href="${runHref(ctx, h.runId)}">${h.runId}</a></td><td>${vnTime(h.at)}</td><td>${pill(h.event, L.incidentEvent[h.event])}${h.note ? html`<div class="sub">${h.note}</div>` : null}</td><td class="num">${h.dossiers}</td><td class="num">${h.residual}</td></tr>`,
  )}</tbody></table></div>`;
  const list = dossiers.length
    ? html`<div class="card"><table id="incident-dossiers"><thead><tr><th>${c.dossier}</th><th>${c.agency}</th><th>${c.kind}</th><th>${L.run}</th></tr></thead><tbody>${dossiers.map(
        (d) => html`<tr><td>${dossierLink(ctx, d.code)}</td><td class="mono">${d.agency}</td><td>${R.kind[d.kind] ?? d.kind}</td><td>${d.runs.map((id) => html`<a class="mono" href="${runHref(ctx, id)}">${id}</a> `)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<div class="card"><p class="empty">${L.noIncidentDossiers}</p></div>`;
  const body = html`<h1>${L.incident} <span class="mono">${i.key}</span></h1>
${facts}
<h2>${L.incidentDossiers} (${dossiers.length})</h2>${list}
<h2>${L.history}</h2>${history}`;
  return layout(ctx, `${L.incident} ${i.key}`, 'incidents', body);
}

export function failedPage(ctx: PageContext, batches: FailedBatch[], notice?: string): string {
  const L = PAGE_LABELS[ctx.lang];
  const rows = batches.map(
    (b) => html`<tr><td class="mono">${b.jobId}</td><td>${b.source}</td><td><a class="mono" href="${runHref(ctx, b.runId)}">${b.runId}</a></td><td>${vnTime(b.failedAt.getTime())}</td><td class="num">${b.attempts}</td><td class="err">${b.error}</td>
<td><form method="post" action="${href(ctx, `/api/replay/${encodeURIComponent(b.jobId)}`)}"><button type="submit">${L.replay}</button></form></td></tr>`,
  );
  const body = html`<h1>${L.failed}</h1>${notice ? html`<p class="notice">${notice}</p>` : null}<div class="card">${
    batches.length
      ? html`<table id="failed"><thead><tr><th>${L.job}</th><th>${L.source}</th><th>${L.run}</th><th>${L.failedAt}</th><th class="num">${L.attempts}</th><th>${L.error}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty">${L.noFailed}</p>`
  }</div>`;
  return layout(ctx, L.failed, 'failed', body);
}

/** One source's quarantine as the dashboard shows it. */
export interface SourceQuarantine {
  source: string;
  province: string;
  reasons: Record<string, number>;
  /** The first items of its quarantine (at most a page's worth). */
  items: QuarantineEntry[];
}

export function quarantinePage(ctx: PageContext, sources: SourceQuarantine[]): string {
  const L = PAGE_LABELS[ctx.lang];
  const total = (q: SourceQuarantine) => Object.values(q.reasons).reduce((a, b) => a + b, 0);
  const cards = sources.filter((q) => total(q) > 0).map((q) => {
    const reasons = Object.entries(q.reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return html`<section class="card" data-source="${q.source}"><h2>${q.source} · ${provinceLabel(q.province)} · ${total(q)}</h2>
<table class="reasons"><thead><tr><th>${L.reason}</th><th class="num">${L.count}</th></tr></thead><tbody>${reasons.map(([r, n]) => html`<tr><td class="mono">${r}</td><td class="num">${n}</td></tr>`)}</tbody></table>
<details><summary>${L.latestItems} (${q.items.length})</summary><table class="items"><thead><tr><th>${L.failedAt}</th><th>${L.run}</th><th>${L.dossier}</th><th>${L.reason}</th></tr></thead><tbody>${q.items.map(
      (e) => html`<tr><td>${vnTime(e.at)}</td><td class="mono">${e.runId} · ${e.page}</td><td class="mono">${rawItemCode(e.raw)}</td><td class="mono">${e.reason}</td></tr>`,
    )}</tbody></table></details></section>`;
  });
  const body = html`<h1>${L.quarantine}</h1><p class="sub">${L.quarantineHelp} <code>dossier-sync quarantine --source ID --reprocess</code></p>${cards.length ? cards : html`<div class="card"><p class="empty">${L.noQuarantine}</p></div>`}`;
  return layout(ctx, L.quarantine, 'quarantine', body);
}

export function notFoundPage(ctx: PageContext, what: string): string {
  const L = PAGE_LABELS[ctx.lang];
  return layout(ctx, L.notFound, null, html`<h1>${L.notFound}</h1><p class="empty">${what}</p>`);
}
