/** `dossier-sync report`: prints the latest (or a named) run, or writes it to a file. */
import type { Command } from 'commander';
import { addReportOptions, reportOutputOf, writeReport } from '../format.js';
import { withConfig } from '../options.js';
import { withRuntime } from '../runtime.js';

interface ReportOptions {
  config: string;
  logLevel: string;
  run?: string;
  format: string;
  lang: string;
  detail?: boolean;
  out?: string;
}

export function register(program: Command): void {
  addReportOptions(withConfig(program.command('report')))
    .description(
      'print the latest (or a named) reconciliation run, or write it to a file (--out; a workbook with --format xlsx)',
    )
    .option('--run <id>', 'run id (default: the latest)')
    .action(async (o: ReportOptions) => {
      const output = reportOutputOf(o);
      await withRuntime(o, async (rt) => {
        const runId = o.run ?? (await rt.runs.latestRunId());
        if (!runId) throw new Error('no reconciliation run yet: run `dossier-sync reconcile` first');
        const report = await rt.runs.report(runId);
        if (!report) throw new Error(`no run "${runId}" (recent: ${(await rt.runs.list(5)).join(', ') || 'none'})`);
        await writeReport(report, output);
      });
    });
}
