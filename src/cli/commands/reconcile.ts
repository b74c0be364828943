/** `dossier-sync reconcile`: one run over a period through the queue, its report, and its alerts sent before exiting. */
import type { Command } from 'commander';
import { newRunId } from '../../queue/nightly.js';
import { plannedAlerts } from '../../queue/delivery.js';
import { addAlertsWait, sendAlerts } from '../alerts-wait.js';
import { makePeriod, monthPeriod, type Period } from '../../domain/period.js';
import { addReportOptions, reportOutputOf, writeReport } from '../format.js';
import { previousMonth, withConfig } from '../options.js';
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

export function register(program: Command): void {
  addAlertsWait(addReportOptions(withConfig(program.command('reconcile'))))
    .description('sync every source and reconcile a period against the national portal, then print the report')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option('--from <YYYY-MM-DD>', 'first day of the period (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of the period (with --from)')
    .option('--province <code...>', 'only these provinces')
    .option('--enqueue', 'only enqueue the run for a running worker, and print its id')
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
        await sendAlerts(rt, await plannedAlerts(rt.queue, runId), o.alertsWait);
      });
    });
}
