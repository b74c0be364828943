/**
 * One source's sync outside a night (the `sync` command): up to now, or over a backfill window
 * without moving the regular checkpoint, as a `sync-source` job run on this process's worker;
 * or its preview, which pulls the same window and writes nothing.
 */
import type { SourceConfig } from '../../schemas/config.js';
import type { Period } from '../domain/period.js';
import { parseDay } from '../domain/time.js';
import { createSource } from '../sources/index.js';
import { previewSync, type SyncPreview } from '../sources/preview.js';
import { jobIds } from './flows.js';
import { newRunId } from './nightly.js';
import type { Runtime } from './runtime.js';

/** Pulls the window a sync would pull (the backfill's, or from the last completed sync to now): what it would store and quarantine. */
export async function previewSourceSync(
  rt: Runtime,
  cfg: SourceConfig,
  backfill: Period | undefined,
  onPages?: (pages: number) => void,
): Promise<SyncPreview> {
  const from =
    backfill?.start ?? (await rt.store.getCheckpoint(cfg.province, cfg.id)).syncedTo ?? parseDay(cfg.initialFrom)!;
  const to = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
  const source = createSource(cfg, {
    logger: rt.logger,
    dates: rt.config.dates,
    agencyPatterns: rt.config.codes.agencyPatterns,
  });
  const stored = {
    versions: (codes: string[]) => rt.store.versions(cfg.province, codes),
    latestVersion: () => rt.store.latestVersion(),
  };
  return previewSync(source, { from, to }, stored, onPages);
}

/** Runs one `sync-source` job on this process's worker and waits for its counters; `onPages` follows its pages. */
export async function syncSourceNow(
  rt: Runtime,
  sourceId: string,
  backfill: Period | undefined,
  onPages?: (pages: number) => void,
): Promise<{ runId: string; counters: Record<string, unknown> }> {
  const runId = `${backfill ? 'backfill' : 'sync'}-${newRunId(new Date())}`;
  const windowTo = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
  rt.startWorker();
  const events = await rt.events();
  const job = await rt.queue.add(
    'sync-source',
    { runId, source: sourceId, windowTo, ...(backfill ? { windowFrom: backfill.start } : {}) },
    { jobId: jobIds.sync(runId, sourceId) },
  );
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (jobId === job.id) onPages?.((data as { pages?: number }).pages ?? 0);
  };
  events.on('progress', onProgress);
  try {
    return { runId, counters: (await job.waitUntilFinished(events)) as Record<string, unknown> };
  } finally {
    events.off('progress', onProgress);
  }
}
