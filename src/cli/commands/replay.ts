/** `dossier-sync replay`: lists the failed sync batches that match and runs them again, waiting for their provinces. */
import type { Command } from 'commander';
import { sourceById } from '../../config/load.js';
import { failedBatches, replayAndWait } from '../../queue/replay.js';
import type { Runtime } from '../../queue/runtime.js';
import { withConfig } from '../options.js';
import { createProgress } from '../progress.js';
import { withRuntime } from '../runtime.js';

interface ReplayOptions {
  config: string;
  logLevel: string;
  source?: string;
  since?: string;
  until?: string;
  error?: string;
  dryRun?: boolean;
}

type Batches = Awaited<ReturnType<typeof failedBatches>>;

function time(name: string, v?: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new Error(`${name} must be a date or time such as 2026-11-23 or 2026-11-23T01:00:00+07:00, not "${v}"`);
  return t;
}

/** Replays the batches on this process's worker and prints what failed again and which provinces are still incomplete. */
async function replay(rt: Runtime, batches: Batches): Promise<void> {
  rt.startWorker();
  const progress = createProgress('replay');
  let result;
  try {
    result = await replayAndWait(rt, batches, (groups) => progress.update(groups));
  } finally {
    progress.stop();
  }
  const { failedAgain, incomplete } = result;
  process.stdout.write(
    `Replayed ${batches.length} batch(es)${failedAgain.length ? `: ${failedAgain.length} failed again` : ''}.\n`,
  );
  for (const f of failedAgain)
    process.stdout.write(
      `failed again  ${f.jobId}  source=${f.batch.source}  run=${f.batch.runId}  error=${f.error}\n`,
    );
  for (const p of incomplete)
    process.stdout.write(`still ${p.status}  run=${p.runId}  province=${p.province}${p.why ? `  why=${p.why}` : ''}\n`);
  if (failedAgain.length) process.exitCode = 1;
  else if (incomplete.length) process.exitCode = 2;
}

export function register(program: Command): void {
  withConfig(program.command('replay'))
    .description('list failed sync batches (by source, time and error) and run them again')
    .option('--source <id>', 'only this source')
    .option('--since <time>', 'failed at or after (ISO date or time)')
    .option('--until <time>', 'failed before (ISO date or time)')
    .option('--error <text>', 'only batches whose error contains this text')
    .option('--dry-run', 'list what would run, change nothing')
    .action(async (o: ReplayOptions) => {
      const filter = {
        source: o.source,
        since: time('--since', o.since),
        until: time('--until', o.until),
        error: o.error,
      };
      await withRuntime(o, async (rt) => {
        if (o.source) sourceById(rt.config, o.source);
        const batches = await failedBatches(rt, filter);
        if (batches.length === 0) {
          process.stdout.write('No failed sync batches.\n');
          return;
        }
        for (const b of batches) {
          process.stdout.write(
            `${o.dryRun ? 'would replay' : 'replaying'}  ${b.jobId}  source=${b.source}  run=${b.runId}  failed=${b.failedAt.toISOString()}  attempts=${b.attempts}  error=${b.error}\n`,
          );
        }
        if (o.dryRun) return;
        await replay(rt, batches);
      });
    });
}
