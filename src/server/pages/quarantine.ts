/** Each source's quarantined items by reason: a new vendor value to map shows here. */
import type { QuarantineEntry } from '../../../schemas/store.js';
import { rawItemCode } from '../../domain/codes.js';
import { provinceLabel } from '../../normalise/units.js';
import { html } from '../html.js';
import { PAGE_LABELS } from '../labels.js';
import { layout, vnTime, type PageContext } from './layout.js';

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
  const cards = sources
    .filter((q) => total(q) > 0)
    .map((q) => {
      const reasons = Object.entries(q.reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      return html`<section class="card" data-source="${q.source}"><h2>${q.source} · ${provinceLabel(q.province)} · ${total(q)}</h2>
<table class="reasons"><thead><tr><th>${L.reason}</th><th class="num">${L.count}</th></tr></thead><tbody>${reasons.map(([r, n]) => html`<tr><td class="mono">${r}</td><td class="num">${n}</td></tr>`)}</tbody></table>
<details><summary>${L.latestItems} (${q.items.length})</summary><table class="items"><thead><tr><th>${L.failedAt}</th><th>${L.run}</th><th>${L.dossier}</th><th>${L.reason}</th></tr></thead><tbody>${q.items.map(
        (e) =>
          html`<tr><td>${vnTime(e.at)}</td><td class="mono">${e.runId} · ${e.page}</td><td class="mono">${rawItemCode(e.raw)}</td><td class="mono">${e.reason}</td></tr>`,
      )}</tbody></table></details></section>`;
    });
  const body = html`<h1>${L.quarantine}</h1><p class="sub">${L.quarantineHelp} <code>dossier-sync quarantine --source ID --reprocess</code></p>${cards.length ? cards : html`<div class="card"><p class="empty">${L.noQuarantine}</p></div>`}`;
  return layout(ctx, L.quarantine, 'quarantine', body);
}
