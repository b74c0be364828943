/**
 * A run's repair through the queue: the plan from the run's findings and the store's current
 * records, then one `repair-batch` job per batch, each with an id of the run and its dossiers
 * (a crash, a retry or a second invocation never pushes a dossier twice: see jobs/repair-batch.ts).
 */
import { createHash } from 'node:crypto';
import { Job } from 'bullmq';
import { jobIds } from './flows.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { isRepairable, type PendingRepair, type RepairRecord } from '../../schemas/repair.js';
import type { RunReport } from '../../schemas/report.js';
import { groupBy } from '../util/group.js';
import {
  checkRepairs,
  planRepair,
  repairBatches,
  repairKey,
  type PlanFilters,
  type RepairPlan,
} from '../reconcile/repair.js';
import type { Runtime } from './runtime.js';

/** A repair asked of a run that does not exist, or of provinces it does not hold. */
export class RepairPlanError extends Error {
  override readonly name = 'RepairPlanError';
}

/** The plan of a run's repair, read now: the run's findings, the store's records, what was pushed already. */
export async function planRunRepair(
  rt: Pick<Runtime, 'runs' | 'store' | 'repairs' | 'config'>,
  runId: string,
  filters: PlanFilters,
): Promise<RepairPlan> {
  const report = await rt.runs.report(runId);
  if (!report) throw new RepairPlanError(`no run "${runId}" (recent: ${(await rt.runs.list(5)).join(', ') || 'none'})`);
  const known = report.provinces.map((p) => p.province);
  const unknown = (filters.provinces ?? []).filter((p) => !known.includes(p));
  if (unknown.length)
    throw new RepairPlanError(
      `province ${unknown.join(', ')}: not in run ${runId} (its provinces: ${known.join(', ')})`,
    );
  const records = new Map<string, CanonicalDossier>();
  for (const p of report.provinces) {
    const codes = p.findings.filter((f) => isRepairable(f.kind) && f.dossierCode !== '').map((f) => f.dossierCode);
    for (const [code, d] of await rt.store.getDossiers(p.province, codes)) records.set(repairKey(p.province, code), d);
  }
  return planRepair({
    runId,
    provinces: report.provinces,
    records,
    done: await rt.repairs.done(runId),
    filters,
    maxDossiers: rt.config.repair.maxDossiers,
  });
}

export interface RepairOutcome {
  /** The records of the dossiers this repair handled. */
  records: RepairRecord[];
  /** Batches that failed for good, with why (their dossiers may be pushed by a later repair). */
  failed: { jobId: string; reason: string }[];
}

/** A batch's id part: its dossiers, hashed (the same batch asked for again is the same job). */
function batchName(codes: string[]): string {
  return createHash('sha1').update(JSON.stringify(codes)).digest('hex').slice(0, 16);
}

/** Enqueues the plan's batches (a worker runs them); `by` is who asked. Returns their job ids. */
export async function enqueueRepair(
  rt: Pick<Runtime, 'queue' | 'config'>,
  plan: RepairPlan,
  by: string,
): Promise<string[]> {
  const jobs = repairBatches(plan.push, rt.config.repair.batchSize).map((b) => {
    const province = b[0]!.province;
    const targets = b.map(({ dossierCode, agency, kind, isUpdate }) => ({ dossierCode, agency, kind, isUpdate }));
    return {
      name: 'repair-batch',
      data: { runId: plan.runId, province, targets, by },
      opts: { jobId: jobIds.repair(plan.runId, province, batchName(targets.map((t) => t.dossierCode))) },
    };
  });
  // A batch that failed for good earlier is run again (BullMQ ignores an add whose id exists):
  // its dossiers' push state keeps what it pushed from being pushed twice.
  for (const j of jobs) {
    const old = await Job.fromId(rt.queue, j.opts.jobId);
    if (old && (await old.getState()) === 'failed') await old.remove();
  }
  await rt.queue.addBulk(jobs);
  return jobs.map((j) => j.opts.jobId);
}

/** Enqueues the plan's batches (a worker must run) and waits for them; `by` is who asked. */
export async function executeRepair(
  rt: Runtime,
  plan: RepairPlan,
  by: string,
  timeoutMs = 30 * 60_000,
): Promise<RepairOutcome> {
  const ids = await enqueueRepair(rt, plan, by);
  const events = await rt.events();
  const failed: RepairOutcome['failed'] = [];
  for (const id of ids) {
    const job = await Job.fromId(rt.queue, id);
    if (!job) continue; // removed after completing long ago: its records say what it did
    try {
      await job.waitUntilFinished(events, timeoutMs);
    } catch (err) {
      failed.push({ jobId: id, reason: (err as Error).message });
    }
  }
  const mine = new Set(plan.push.map((p) => repairKey(p.province, p.dossierCode)));
  const records = (await rt.repairs.records(plan.runId)).filter((r) => mine.has(repairKey(r.province, r.dossierCode)));
  return { records, failed };
}

/** Counts of a repair's records by outcome. */
export function outcomeCounts(records: RepairRecord[]): Record<RepairRecord['outcome'], number> {
  const by = groupBy(records, (r) => r.outcome);
  return {
    stored: by.get('stored')?.length ?? 0,
    rejected: by.get('rejected')?.length ?? 0,
    skipped: by.get('skipped')?.length ?? 0,
  };
}

/**
 * The check of earlier pushes by a finished run: for each province the run covered completely,
 * the pushes of an earlier run's repair over the same month, made before this run started,
 * are `verified` when the run no longer finds their dossier and `repair_failed` when it still
 * does (`checkRepairs`). Returns how many it checked.
 */
export async function checkEarlierRepairs(
  rt: Pick<Runtime, 'runs' | 'repairs'>,
  report: RunReport,
  startedAt: string,
  now: Date,
): Promise<number> {
  const pending = await rt.repairs.pending();
  if (pending.length === 0) return 0;
  const periods = new Map<string, RunReport['period'] | undefined>();
  const periodOf = async (runId: string) => {
    if (!periods.has(runId)) periods.set(runId, (await rt.runs.meta(runId))?.period);
    return periods.get(runId);
  };
  let checked = 0;
  for (const p of report.provinces) {
    if (p.coverage.status !== 'complete') continue;
    const mine: PendingRepair[] = [];
    for (const r of pending) {
      if (r.province !== p.province || r.runId === report.runId || r.at >= startedAt) continue;
      const period = await periodOf(r.runId);
      // the same month, up to the same day or later: the pushed dossiers were examined again
      if (period && period.from === report.period.from && period.to <= report.period.to) mine.push(r);
    }
    const { checks } = checkRepairs(mine, p.findings);
    await rt.repairs.saveChecks(report.runId, p.province, checks, now);
    checked += checks.length;
  }
  return checked;
}
