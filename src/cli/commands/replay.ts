/**
 * `dossier-sync replay`: lists the failed sync batches, and the failed reconciliations and
 * explanations of a run's province, that match, and runs them again, waiting for their provinces.
 */
import type { Command } from 'commander';
import { sourceById } from '../../config/load.js';
import { failedBatches, replayAndWait } from '../../queue/replay.js';
import { failedPasses, type FailedPass } from '../../queue/replay-passes.js';
import type { Runtime } from '../../queue/runtime.js';
import { withConfig } from '../options.js';
import { addAlertsWait, sendAlerts } from '../alerts-wait.js';
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
  alertsWait: string;
}

type Batches = Awaited<ReturnType<typeof failedBatches>>;

function time(name: string, v?: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new Error(`${name} must be a date or time such as 2026-11-23 or 2026-11-23T01:00:00+07:00, not "${v}"`);
  return t;
}

/**
 * Replays the batches and passes on this process's worker, prints what failed again and which
 * provinces are still incomplete, and sends the alerts the replays planned before returning.
 */
async function replay(rt: Runtime, batches: Batches, passes: FailedPass[], alertsWait: string): Promise<void> {
  rt.startWorker();
  const progress = createProgress('replay');
  let result;
  try {
    result = await replayAndWait(rt, batches, (groups) => progress.update(groups), new Date(), passes);
  } finally {
    progress.stop();
  }
  const { failedAgain, incomplete } = result;
  const what = [
    ...(batches.length || !passes.length ? [`${batches.length} batch(es)`] : []),
    ...(passes.length ? [`${passes.length} pass(es)`] : []),
  ].join(' and ');
  process.stdout.write(`Replayed ${what}${failedAgain.length ? `: ${failedAgain.length} failed again` : ''}.\n`);
  for (const f of failedAgain) {
    const of = f.batch
      ? `source=${f.batch.source}  run=${f.batch.runId}`
      : `job=${f.pass!.name}  province=${f.pass!.province}  run=${f.pass!.runId}`;
    process.stdout.write(`failed again  ${f.jobId}  ${of}  error=${f.error}\n`);
  }
  for (const p of incomplete)
    process.stdout.write(`still ${p.status}  run=${p.runId}  province=${p.province}${p.why ? `  why=${p.why}` : ''}\n`);
  if (failedAgain.length) process.exitCode = 1;
  else if (incomplete.length) process.exitCode = 2;
  await sendAlerts(rt, result.alerts, alertsWait);
}

export function register(program: Command): void {
  addAlertsWait(withConfig(program.command('replay')))
    .description(
      "list failed sync batches and failed reconciliations and explanations of a run's province (by source, time and error) and run them again",
    )
    .option('--source <id>', "only this source (and its province's reconciliations and explanations)")
    .option('--since <time>', 'failed at or after (ISO date or time)')
    .option('--until <time>', 'failed before (ISO date or time)')
    .option('--error <text>', 'only batches and passes whose error contains this text')
    .option('--dry-run', 'list what would run, change nothing')
    .action(async (o: ReplayOptions) => {
      const filter = {
        source: o.source,
        since: time('--since', o.since),
        until: time('--until', o.until),
        error: o.error,
      };
      await withRuntime(o, async (rt) => {
        const province = o.source ? sourceById(rt.config, o.source).province : undefined;
        const batches = await failedBatches(rt, filter);
        const passes = await failedPasses(rt, { ...filter, province });
        if (batches.length + passes.length === 0) {
          process.stdout.write('No failed sync batches. No failed reconciliation or explanation.\n');
          return;
        }
        const verb = o.dryRun ? 'would replay' : 'replaying';
        for (const b of batches) {
          process.stdout.write(
            `${verb}  ${b.jobId}  source=${b.source}  run=${b.runId}  failed=${b.failedAt.toISOString()}  attempts=${b.attempts}  error=${b.error}\n`,
          );
        }
        for (const p of passes) {
          process.stdout.write(
            `${verb}  ${p.jobId}  job=${p.name}  province=${p.province}  run=${p.runId}  failed=${p.failedAt.toISOString()}  attempts=${p.attempts}  error=${p.error}\n`,
          );
        }
        if (o.dryRun) return;
        await replay(rt, batches, passes, o.alertsWait);
      });
    });
}
