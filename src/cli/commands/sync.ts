/**
 * `dossier-sync sync`: pulls one source's updates up to now through the queue (or, with
 * --from/--to, backfills a window without moving the regular checkpoint); --dry-run previews
 * the window and writes nothing.
 */
import type { Command } from 'commander';
import { jobIds } from '../../queue/flows.js';
import { newRunId } from '../../queue/nightly.js';
import { sourceById } from '../../config/load.js';
import { formatDay, parseDay } from '../../domain/time.js';
import type { Runtime } from '../../queue/runtime.js';
import { makePeriod, type Period } from '../../domain/period.js';
import { createSource } from '../../sources/index.js';
import { previewSync } from '../../sources/preview.js';
import { withConfig } from '../options.js';
import { createProgress } from '../progress.js';
import { withRuntime } from '../runtime.js';

interface SyncOptions {
  config: string;
  logLevel: string;
  source: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
}

/** Pulls the window a sync would pull (the backfill's, or from the last completed sync to now) and prints what it would store. */
async function dryRun(rt: Runtime, cfg: ReturnType<typeof sourceById>, backfill: Period | undefined): Promise<void> {
  const from = backfill?.start ?? (await rt.store.getCheckpoint(cfg.province, cfg.id)).syncedTo ?? parseDay(cfg.initialFrom)!;
  const to = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
  const progress = createProgress(`dry run ${cfg.id}`);
  let preview;
  try {
    const source = createSource(cfg, { logger: rt.logger, dates: rt.config.dates, agencyPatterns: rt.config.codes.agencyPatterns });
    preview = await previewSync(source, { from, to }, (codes) => rt.store.versions(cfg.province, codes), (pages) => progress.update(pages));
  } finally {
    progress.stop();
  }
  process.stdout.write(`${JSON.stringify({ dryRun: true, source: cfg.id, ...preview })}\n`);
}

/** Runs one `sync-source` job on this process's worker, showing its pages, and prints its counters. */
async function syncNow(rt: Runtime, sourceId: string, backfill: Period | undefined): Promise<void> {
  const runId = `${backfill ? 'backfill' : 'sync'}-${newRunId(new Date())}`;
  const windowTo = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
  rt.startWorker();
  const events = await rt.events();
  const job = await rt.queue.add(
    'sync-source',
    { runId, source: sourceId, windowTo, ...(backfill ? { windowFrom: backfill.start } : {}) },
    { jobId: jobIds.sync(runId, sourceId) },
  );
  const progress = createProgress(`sync ${sourceId}`);
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (jobId === job.id) progress.update((data as { pages?: number }).pages ?? 0);
  };
  events.on('progress', onProgress);
  try {
    const counters = await job.waitUntilFinished(events);
    progress.stop();
    process.stdout.write(`${JSON.stringify({ runId, source: sourceId, ...counters })}\n`);
  } finally {
    events.off('progress', onProgress);
    progress.stop();
  }
}

export function register(program: Command): void {
  withConfig(program.command('sync'))
    .description("pull one source's updates up to now; with --from/--to, backfill that window without moving the regular checkpoint")
    .requiredOption('--source <id>', 'source id from the configuration')
    .option('--from <YYYY-MM-DD>', 'backfill: first day of the window (Vietnam time)')
    .option('--to <YYYY-MM-DD>', 'backfill: last day of the window, inclusive (default: today)')
    .option('--dry-run', 'pull and normalise the window, print what would be applied, unchanged and quarantined (by reason); write nothing')
    .action(async (o: SyncOptions) => {
      if (o.to && !o.from) throw new Error('--to needs --from (a backfill window)');
      const backfill = o.from ? makePeriod(o.from, o.to ?? formatDay(Date.now())) : undefined;
      await withRuntime(o, async (rt) => {
        const cfg = sourceById(rt.config, o.source);
        if (o.dryRun) return dryRun(rt, cfg, backfill);
        return syncNow(rt, o.source, backfill);
      });
    });
}
