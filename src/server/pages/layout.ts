/**
 * What every dashboard page shares: its context (language, path), links, times in Vietnam time,
 * the style sheet and the layout around a page's body. Pages are server-rendered HTML, every
 * value escaped (see ../html.ts).
 */
import { parseCompact } from '../../domain/time.js';
import { html, raw, type Html } from '../html.js';
import { PAGE_LABELS, type Lang } from '../labels.js';

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
  const item = (key: NavKey, path: string, label: string) =>
    html`<a href="${href(ctx, path)}" class="${nav === key ? 'on' : ''}">${label}</a>`;
  return `<!doctype html>${
    html`<html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${L.title}</title><style>${STYLE}</style></head>
<body><header><a class="brand" href="${href(ctx, '/')}">${L.title}</a>
<nav>${item('runs', '/', L.nav.runs)}${item('incidents', '/incidents', L.nav.incidents)}${item('failed', '/failed', L.nav.failed)}${item('quarantine', '/quarantine', L.nav.quarantine)}<a href="/queues">${L.nav.queues}</a><a href="/metrics">${L.nav.metrics}</a></nav>
<span class="lang">${langLink('vi')}${langLink('en')}</span></header>
<main>${body}</main></body></html>`.value
  }`;
}

export const pill = (cls: string, text: string) => html`<span class="pill ${cls}">${text}</span>`;

/** A dossier code as a link to its page. */
export const dossierLink = (ctx: PageContext, code: string) =>
  html`<a class="mono dossier-link" href="${dossierHref(ctx, code)}">${code}</a>`;

export function notFoundPage(ctx: PageContext, what: string): string {
  const L = PAGE_LABELS[ctx.lang];
  return layout(ctx, L.notFound, null, html`<h1>${L.notFound}</h1><p class="empty">${what}</p>`);
}
