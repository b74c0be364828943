/** `dossier-sync repair --run ID`: push the province's current records for a run's repairable findings. */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { FINDING_KINDS, UNEXPLAINED } from '../../../schemas/report.js';
import type { RepairRecord } from '../../../schemas/repair.js';
import { executeRepair, outcomeCounts, planRunRepair, type RepairOutcome } from '../../queue/repair.js';
import type { PlanFilters, RepairPlan } from '../../reconcile/repair.js';
import { withRuntime } from '../runtime.js';
import { choice, positiveInt, withConfig } from '../options.js';

interface RepairOptions {
  config: string;
  logLevel: string;
  run: string;
  province?: string[];
  kind?: string[];
  agency?: string[];
  limit?: string;
  dryRun?: boolean;
  yes?: boolean;
  by?: string;
  format: string;
  wait: string;
}

/** Who asks for the repair, for the records: `--by`, else the user running the command. */
function who(by: string | undefined): string {
  if (by) return by;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** The plan as text: what is pushed, what needs a person, what is left out. */
export function planText(plan: RepairPlan, batches: number): string {
  const news = plan.push.filter((p) => !p.isUpdate).length;
  const lines = [
    `Repair of run ${plan.runId}: ${plan.push.length} dossier(s) to push (${news} new, ${plan.push.length - news} updates) in ${batches} batch(es); ` +
      `${plan.manual.length} need a person; ${plan.alreadyRepaired.length} pushed by an earlier repair; ${plan.notStored.length} no longer stored; ` +
      `${plan.leftOver} left for a later repair (--limit, repair.maxDossiers)`,
  ];
  for (const p of plan.push)
    lines.push(`  push    ${p.province}  ${p.agency}  ${p.dossierCode}  ${p.kind}  ${p.isUpdate ? 'update' : 'new'}`);
  for (const p of plan.alreadyRepaired)
    lines.push(
      `  done    ${p.province}  ${p.agency}  ${p.dossierCode}  ${p.kind}  pushed by an earlier repair of this run`,
    );
  for (const p of plan.notStored)
    lines.push(`  skip    ${p.province}  ${p.agency}  ${p.dossierCode}  ${p.kind}  no longer in the store`);
  for (const m of plan.manual)
    lines.push(`  person  ${m.province}  ${m.agency}  ${m.dossierCode || '-'}  ${m.kind}  ${m.action}`);
  return `${lines.join('\n')}\n`;
}

function resultText(out: RepairOutcome): string {
  const c = outcomeCounts(out.records);
  const line = (r: RepairRecord) =>
    `  ${r.outcome.padEnd(8)}  ${r.province}  ${r.dossierCode}  ${r.kind}${r.resent ? `  resent as ${r.sent?.isUpdate ? 'an update' : 'new'}` : ''}${r.outcome === 'stored' ? '' : `  ${r.code ? `${r.code}: ` : ''}${r.message ?? ''}`}`;
  const lines = out.records.map(line);
  for (const f of out.failed) lines.push(`  failed    batch ${f.jobId}: ${f.reason}`);
  lines.push(
    `Pushed ${out.records.length}: ${c.stored} stored, ${c.rejected} rejected, ${c.skipped} skipped; ${out.failed.length} batch(es) failed. The next night's reconciliation checks each stored one.`,
  );
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  withConfig(program.command('repair'))
    .description(
      "push the province's current record to the national portal (DongBoHoSoMC) for a run's findings a push puts right " +
        '(missing_national as new; status_lag, date_shift, definition_drift as updates), and list the others with what a person should do. ' +
        'Without a terminal it only prints the plan unless --yes is given',
    )
    .requiredOption('--run <id>', 'the reconciliation run whose findings to repair')
    .option('--province <code...>', 'only these provinces')
    .option('--kind <kind...>', `only these kinds (${[...FINDING_KINDS, UNEXPLAINED].join(', ')})`)
    .option('--agency <code...>', 'only these agencies')
    .option('--limit <n>', 'push at most this many dossiers (repair.maxDossiers caps every repair)')
    .option('--dry-run', 'print the plan and push nothing (the default when standard output is not a terminal)')
    .option('--yes', 'push without a terminal (scripts, cron)')
    .option('--by <name>', "who asks for the repair, kept with each pushed dossier (default: the user's login name)")
    .option('--format <format>', 'text or json', 'text')
    .option('--wait <seconds>', 'how long to wait for the pushes', '1800')
    .addHelpText(
      'after',
      '\nA dossier is pushed at most once per run, whatever happens: each batch is a queued job whose id names the run and its dossiers, ' +
        'and what was pushed is recorded before the job ends. Exit codes: 0 done (or a dry run), 1 a batch failed, 2 the portal rejected or the store no longer held some dossiers.',
    )
    .action(async (o: RepairOptions) => {
      const format = choice('--format', o.format, ['text', 'json'] as const);
      for (const k of o.kind ?? []) choice('--kind', k, [...FINDING_KINDS, UNEXPLAINED]);
      const filters: PlanFilters = {
        provinces: o.province,
        kinds: o.kind,
        agencies: o.agency,
        limit: o.limit === undefined ? undefined : positiveInt('--limit', o.limit),
      };
      const dryRun = Boolean(o.dryRun) || (!process.stdout.isTTY && !o.yes);
      const waitMs = positiveInt('--wait', o.wait) * 1000;
      await withRuntime(o, async (rt) => {
        const plan = await planRunRepair(rt, o.run, filters);
        const batches = Math.ceil(plan.push.length / rt.config.repair.batchSize);
        if (dryRun || plan.push.length === 0) {
          if (format === 'json') process.stdout.write(`${JSON.stringify({ dryRun, plan }, null, 2)}\n`);
          else
            process.stdout.write(
              `${planText(plan, batches)}${dryRun ? 'Dry run: nothing was pushed (give --yes to push without a terminal).\n' : 'Nothing to push.\n'}`,
            );
          return;
        }
        if (format === 'text') process.stdout.write(planText(plan, batches));
        rt.startWorker();
        const out = await executeRepair(rt, plan, who(o.by), waitMs);
        if (format === 'json') process.stdout.write(`${JSON.stringify({ dryRun, plan, ...out }, null, 2)}\n`);
        else process.stdout.write(resultText(out));
        const c = outcomeCounts(out.records);
        if (out.failed.length) process.exitCode = 1;
        else if (c.rejected || c.skipped) process.exitCode = 2;
      });
    });
}
