/** `dossier-sync reconcile`: one run over a period through the queue, its report, and its alerts sent before exiting. */
import type { Command } from 'commander';
import { newRunId } from '../../queue/nightly.js';
import { awaitAlerts, deliveryLine, plannedAlerts } from '../../queue/delivery.js';
import type { Runtime } from '../../queue/runtime.js';
import { makePeriod, monthPeriod, type Period } from '../../domain/period.js';
import { addReportOptions, reportOutputOf, writeReport } from '../format.js';
import { positiveInt, previousMonth, withConfig } from '../options.js';
import { createProgress } from '../progress.js';
import { runNightly } from '../../queue/nightly.js';
import { withRuntime } from '../runtime.js';

interface ReconcileOptions {
  config: string;
  logLevel: string;
  month?: string;
  from?: string;
  to?: string;
  province?: string[];
  enqueue?: boolean;
  format: string;
  lang: string;
  detail?: boolean;
  out?: string;
  alertsWait: string;
}

function periodOf(o: { month?: string; from?: string; to?: string }): Period {
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new Error('give both --from and --to, or --month');
    return makePeriod(o.from, o.to);
  }
  return monthPeriod(o.month ?? previousMonth(new Date()));
}

/** Waits for the run's alerts to go out (what the wait leaves is for a worker) and says how it went. */
async function sendAlerts(rt: Runtime, runId: string, alertsWait: string): Promise<void> {
  const alerts = await plannedAlerts(rt.queue, runId);
  if (alerts.length === 0) return;
  const delivery = await awaitAlerts(
    rt.queue,
    await rt.events(),
    alerts,
    positiveInt('--alerts-wait', alertsWait) * 1000,
  );
  process.stderr.write(`${deliveryLine(delivery)}\n`);
  if (delivery.failed || delivery.retrying) process.exitCode ||= 1;
}

export function register(program: Command): void {
  addReportOptions(withConfig(program.command('reconcile')))
    .description('sync every source and reconcile a period against the national portal, then print the report')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option('--from <YYYY-MM-DD>', 'first day of the period (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of the period (with --from)')
    .option('--province <code...>', 'only these provinces')
    .option('--enqueue', 'only enqueue the run for a running worker, and print its id')
    .option('--alerts-wait <seconds>', "how long to wait for the run's alerts to be sent before exiting", '60')
    .action(async (o: ReconcileOptions) => {
      const output = reportOutputOf(o);
      const period = periodOf(o);
      await withRuntime(o, async (rt) => {
        const runId = newRunId(new Date());
        const payload = { runId, period: { from: period.from, to: period.to }, provinces: o.province };
        if (o.enqueue) {
          await rt.queue.add('nightly', payload);
          process.stdout.write(`${runId}\n`);
          return;
        }
        rt.startWorker();
        const progress = createProgress(`reconcile ${runId}`);
        let report;
        try {
          report = await runNightly(rt, payload, undefined, (pages) => progress.update(pages));
        } finally {
          progress.stop();
        }
        await writeReport(report, output);
        if (report.provinces.some((p) => p.coverage.status !== 'complete')) process.exitCode = 2;
        // The run's alerts go out before the command exits.
        await sendAlerts(rt, runId, o.alertsWait);
      });
    });
}
