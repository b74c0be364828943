/**
 * Pulls one source's window page by page. Each page is normalised and applied to the store
 * together with its checkpoint, so an interrupted sync resumes after its last applied page.
 */
import { syncSourcePayload, type SyncSourcePayload } from '../schemas/jobs.js';
import type { Checkpoint, QuarantineEntry, SyncCounters } from '../schemas/store.js';
import { sourceById } from '../src/config/load.js';
import { keepRaw } from '../src/normalise/personal.js';
import { parseDay } from '../src/domain/time.js';
import { PullGuard } from '../src/sources/progress.js';
import { DEFAULT_PULL_LIMITS, fetchGuarded, normalisePage } from '../src/sources/source.js';
import { CheckpointMoved, checkpointText } from '../src/store/store.js';
import { TransientError } from '../src/util/errors.js';
import { defineJob, giveBack, type JobContext } from '../src/queue/context.js';

/** A quarantined item's own key (code and update time) longer than this is replaced by its digest. */
const MAX_ITEM_KEY = 200;

export const syncSource = defineJob({
  name: 'sync-source',
  payload: syncSourcePayload,
  async handler(payload, ctx) {
    // A page that does not follow the stored checkpoint is not applied (CheckpointMoved): the
    // sync goes on from the stored one. Moved more than three times in one attempt, something
    // else keeps writing it: the attempt fails (and is retried).
    for (let moved = 0; ; moved++) {
      try {
        return await syncFromCheckpoint(payload, ctx);
      } catch (err) {
        if (!(err instanceof CheckpointMoved)) throw err;
        if (moved >= 3) throw new TransientError(`${err.message}, ${moved + 1} times in a row`);
        ctx.logger.warn(
          { source: payload.source, runId: payload.runId },
          `${err.message}: resuming from the stored checkpoint`,
        );
      }
    }
  },
});

async function syncFromCheckpoint(
  { runId, source: id, windowTo, windowFrom }: SyncSourcePayload,
  ctx: JobContext,
): Promise<SyncCounters> {
  const cfg = sourceById(ctx.config, id);
  const adapter = ctx.source(id);
  const backfill = windowFrom === undefined ? undefined : runId;
  const read = await ctx.store.readCheckpoint(cfg.province, id, backfill);
  const cp = read.checkpoint;
  let stored = read.stored; // the checkpoint the next page follows
  let from: number;
  let cursor: unknown = null;
  let pages = 0;
  if (cp.pending && cp.pending.runId === runId) {
    ({ from, cursor, pages } = cp.pending);
    windowTo = cp.pending.to;
    ctx.logger.info({ source: id, runId, pages }, 'resuming sync after the last applied page');
  } else {
    from = cp.syncedTo ?? windowFrom ?? parseDay(cfg.initialFrom)!;
    if (from >= windowTo) {
      ctx.logger.info({ source: id, runId }, 'source already synced past this window');
      return ctx.store.syncCounters(cfg.province, id, runId);
    }
  }
  const window = { from, to: windowTo };
  const guard = new PullGuard(id, (adapter.limits ?? DEFAULT_PULL_LIMITS).maxPages, pages);
  for (;;) {
    if (ctx.stopping.aborted)
      await giveBack(ctx, `sync of ${id} handed back after page ${pages}: the worker is stopping`);
    // HTTP retries behind this page (recorded even when the page fails): the report shows them.
    const retriedBefore = adapter.retries?.() ?? 0;
    let page;
    try {
      page = await fetchGuarded(adapter, guard, window, cursor);
    } finally {
      await ctx.store.addRetries(cfg.province, id, runId, (adapter.retries?.() ?? 0) - retriedBefore);
    }
    pages++;
    const { dossiers, rejected } = normalisePage(adapter, page.items);
    const quarantined = rejected.map(({ raw, reason }): { key: string; entry: QuarantineEntry } => {
      const kept = keepRaw(raw);
      const itemKey = adapter.itemKey(raw);
      const key = itemKey !== undefined && itemKey.length <= MAX_ITEM_KEY ? itemKey : kept.sha1;
      const entry: QuarantineEntry = {
        source: id,
        runId,
        page: pages,
        reason,
        at: ctx.clock().getTime(),
        raw: kept.raw,
      };
      if (kept.truncated) entry.truncated = true;
      return { key, entry };
    });
    const next: Checkpoint = page.done
      ? { syncedTo: window.to, pending: null }
      : { syncedTo: cp.syncedTo, pending: { runId, from: window.from, to: window.to, cursor: page.next, pages } };
    await ctx.store.applyPage({
      province: cfg.province,
      source: id,
      runId,
      dossiers,
      quarantined,
      checkpoint: next,
      backfill,
      after: stored,
    });
    stored = checkpointText(next);
    await ctx.job.updateProgress({ pages });
    if (page.done) break;
    cursor = page.next;
  }
  const counters = await ctx.store.syncCounters(cfg.province, id, runId);
  ctx.logger.info({ source: id, runId, ...counters }, 'sync complete');
  return counters;
}
