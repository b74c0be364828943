/** The failed sync batches, each with a replay button. */
import type { FailedBatch } from '../../queue/replay.js';
import { html } from '../html.js';
import { PAGE_LABELS } from '../labels.js';
import { href, layout, runHref, vnTime, type PageContext } from './layout.js';

export function failedPage(ctx: PageContext, batches: FailedBatch[], notice?: string): string {
  const L = PAGE_LABELS[ctx.lang];
  const rows = batches.map(
    (
      b,
    ) => html`<tr><td class="mono">${b.jobId}</td><td>${b.source}</td><td><a class="mono" href="${runHref(ctx, b.runId)}">${b.runId}</a></td><td>${vnTime(b.failedAt.getTime())}</td><td class="num">${b.attempts}</td><td class="err">${b.error}</td>
<td><form method="post" action="${href(ctx, `/api/replay/${encodeURIComponent(b.jobId)}`)}"><button type="submit">${L.replay}</button></form></td></tr>`,
  );
  const body = html`<h1>${L.failed}</h1>${notice ? html`<p class="notice">${notice}</p>` : null}<div class="card">${
    batches.length
      ? html`<table id="failed"><thead><tr><th>${L.job}</th><th>${L.source}</th><th>${L.run}</th><th>${L.failedAt}</th><th class="num">${L.attempts}</th><th>${L.error}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="empty">${L.noFailed}</p>`
  }</div>`;
  return layout(ctx, L.failed, 'failed', body);
}
