/**
 * `dossier-sync sync`: pulls one source's updates up to now through the queue (or, with
 * --from/--to, backfills a window without moving the regular checkpoint); --dry-run previews
 * the window and writes nothing.
 */
import type { Command } from 'commander';
import type { SourceConfig } from '../../../schemas/config.js';
import { sourceById } from '../../config/load.js';
import { makePeriod, type Period } from '../../domain/period.js';
import { formatDay } from '../../domain/time.js';
import type { Runtime } from '../../queue/runtime.js';
import { previewSourceSync, syncSourceNow } from '../../queue/sync-now.js';
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

async function dryRun(rt: Runtime, cfg: SourceConfig, backfill: Period | undefined): Promise<void> {
  const progress = createProgress(`dry run ${cfg.id}`);
  let preview;
  try {
    preview = await previewSourceSync(rt, cfg, backfill, (pages) => progress.update(pages));
  } finally {
    progress.stop();
  }
  process.stdout.write(`${JSON.stringify({ dryRun: true, source: cfg.id, ...preview })}\n`);
}

async function syncNow(rt: Runtime, sourceId: string, backfill: Period | undefined): Promise<void> {
  const progress = createProgress(`sync ${sourceId}`);
  try {
    const { runId, counters } = await syncSourceNow(rt, sourceId, backfill, (pages) => progress.update(pages));
    progress.stop();
    process.stdout.write(`${JSON.stringify({ runId, source: sourceId, ...counters })}\n`);
  } finally {
    progress.stop();
  }
}

export function register(program: Command): void {
  withConfig(program.command('sync'))
    .description(
      "pull one source's updates up to now; with --from/--to, backfill that window without moving the regular checkpoint",
    )
    .requiredOption('--source <id>', 'source id from the configuration')
    .option('--from <YYYY-MM-DD>', 'backfill: first day of the window (Vietnam time)')
    .option('--to <YYYY-MM-DD>', 'backfill: last day of the window, inclusive (default: today)')
    .option(
      '--dry-run',
      'pull and normalise the window, print what would be applied, unchanged and quarantined (by reason); write nothing',
    )
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
