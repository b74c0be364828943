/** `dossier-sync incidents`: the incidents with their history, as a table or JSON. */
import type { Command } from 'commander';
import { byResidual } from '../../reconcile/incidents.js';
import { choice, withConfig } from '../options.js';
import { withRuntime } from '../runtime.js';

interface IncidentsOptions {
  config: string;
  logLevel: string;
  province?: string;
  status?: string;
  format: string;
}

export function register(program: Command): void {
  withConfig(program.command('incidents'))
    .description(
      'list incidents (the dossiers of one root cause at one agency, or its unexplained figures, while they differ across nights) with their history',
    )
    .option('--province <code>', 'only this province')
    .option('--status <status>', 'open or resolved')
    .option('--format <format>', 'table or json', 'table')
    .action(async (o: IncidentsOptions) => {
      const status = o.status === undefined ? undefined : choice('--status', o.status, ['open', 'resolved'] as const);
      const format = choice('--format', o.format, ['table', 'json'] as const);
      await withRuntime(o, async (rt) => {
        const list = await rt.incidents.list({ province: o.province, status });
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) process.stdout.write('No incidents.\n');
        for (const i of list) {
          const last = i.history.at(-1)!;
          const figures =
            i.cause === null
              ? ''
              : `  ${byResidual(i.cause) ? `residual ${i.residual}` : `${i.dossiers.length} dossiers`}`;
          process.stdout.write(
            `${i.status.padEnd(8)}  ${i.key}  since ${i.openedAt}  ${last.event} in run ${last.runId}${figures}\n`,
          );
        }
      });
    });
}
