/**
 * Failed sync batches and their replay. A batch is a `sync-source` job that failed for good;
 * it keeps its payload, so replaying it runs the same window again from its checkpoint
 * (already applied pages are not pulled twice). The replay then reconciles the province of
 * that run again, so its report stops saying "failed", and finishes the run again for that
 * province, so its incidents move and alerts go out as on a night.
 */
import { Job, type FlowJob } from 'bullmq';
import { replayJobId, runFlow, syncJob } from './flows.js';
import { syncSourcePayload, type SyncSourcePayload } from '../../schemas/jobs.js';
import { sourceById } from '../config/load.js';
import { groupBy } from '../util/group.js';
import { jobOptions } from './job-options.js';
import { dropPasses, passReplayId, replayPasses, type FailedPass } from './replay-passes.js';
import type { Runtime } from './runtime.js';

export interface FailedBatch {
  jobId: string;
  source: string;
  runId: string;
  failedAt: Date;
  error: string;
  attempts: number;
  data: SyncSourcePayload;
}

export interface ReplayFilter {
  source?: string;
  /** Failed at or after (epoch ms). */
  since?: number;
  /** Failed before (epoch ms). */
  until?: number;
  /** A part of the error message, case-insensitive. */
  error?: string;
}

export async function failedBatches(rt: Runtime, filter: ReplayFilter = {}): Promise<FailedBatch[]> {
  const out: FailedBatch[] = [];
  for (const job of await rt.queue.getFailed(0, -1)) {
    if (job.name !== 'sync-source' || !job.id) continue;
    const data = syncSourcePayload.safeParse(job.data);
    if (!data.success) continue;
    const failedAt = new Date(job.finishedOn ?? job.timestamp);
    const error = job.failedReason ?? '';
    if (filter.source && data.data.source !== filter.source) continue;
    if (filter.since !== undefined && failedAt.getTime() < filter.since) continue;
    if (filter.until !== undefined && failedAt.getTime() >= filter.until) continue;
    if (filter.error && !error.toLowerCase().includes(filter.error.toLowerCase())) continue;
    out.push({
      jobId: job.id,
      source: data.data.source,
      runId: data.data.runId,
      failedAt,
      error,
      attempts: job.attemptsMade,
      data: data.data,
    });
  }
  return out.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
}

/**
 * Replays the batches, grouped by run: per run, one `finish-run` again (its incidents and
 * alerts for the replayed provinces only) over each province's `reconcile-province`, over
 * that province's replayed syncs. A replay that fails again leaves the province reported
 * failed, not waiting. Returns the ids of the jobs that end each group.
 */
export async function replayBatches(rt: Runtime, batches: FailedBatch[], at = new Date()): Promise<string[]> {
  const opts = jobOptions(rt.config);
  const queueName = rt.queue.name;
  const idOf = (id: string) => replayJobId(id, at);
  const roots: string[] = [];
  for (const [runId, group] of groupBy(batches, (b) => b.runId)) {
    const meta = await rt.runs.meta(runId);
    const trees: FlowJob[] = [];
    // batches of no run (a manual sync): just run them again
    if (!meta) trees.push(...group.map((b) => syncJob(queueName, opts, b.data, idOf(b.jobId))));
    else {
      const byProvince = groupBy(group, (b) => sourceById(rt.config, b.source).province);
      const provinces = [...byProvince.keys()].sort();
      const flows = provinces.map((province) => {
        const syncs = byProvince.get(province)!;
        const windowTo = Math.max(...syncs.map((b) => b.data.windowTo));
        return {
          reconcile: { runId, province, period: meta.period, windowTo },
          syncs: syncs.map((b) => ({ jobId: b.jobId, data: b.data })),
        };
      });
      trees.push(runFlow(queueName, opts, { runId, then: [], provinces }, flows, idOf));
    }
    for (const tree of trees) roots.push((await rt.flow.add(tree)).job.id!);
    for (const b of group) await ((await rt.queue.getJob(b.jobId)) as Job | undefined)?.remove();
  }
  return roots;
}

export interface ReplayResult {
  /** Batches and passes whose replay failed again: the new job and why. */
  failedAgain: { batch?: FailedBatch; pass?: FailedPass; jobId: string; error: string }[];
  /** Provinces of the replayed batches' and passes' runs that are still not complete, and why. */
  incomplete: { runId: string; province: string; status: string; why: string | null }[];
  /** The alert jobs the replays' finishes planned (for a command to wait for them to go out). */
  alerts: string[];
}

/** The replayed job of each batch and pass, failed again: its id and why. */
async function failedAgain(
  rt: Runtime,
  batches: FailedBatch[],
  passes: FailedPass[],
  at: Date,
): Promise<ReplayResult['failedAgain']> {
  const out: ReplayResult['failedAgain'] = [];
  const replays = [
    ...batches.map((batch) => ({ batch, jobId: replayJobId(batch.jobId, at) })),
    ...passes.map((pass) => ({ pass, jobId: passReplayId(pass) })),
  ];
  for (const r of replays) {
    const job = await Job.fromId(rt.queue, r.jobId);
    if (job && (await job.isFailed())) out.push({ ...r, error: job.failedReason ?? '' });
  }
  return out;
}

/**
 * Replays the batches (`replayBatches`) and the failed reconciliations and explanations
 * (`replayPasses`; a pass of a province whose syncs are replayed too runs again within their
 * replay), waits until each group has finished, and says what did not come right: the
 * batches and passes that failed again, the provinces still not complete.
 */
export async function replayAndWait(
  rt: Runtime,
  batches: FailedBatch[],
  onFinished?: (groups: number) => void,
  at = new Date(),
  passes: FailedPass[] = [],
): Promise<ReplayResult> {
  const events = await rt.events();
  const provinceOf = (b: FailedBatch) => sourceById(rt.config, b.source).province;
  const synced = new Set(batches.map((b) => `${b.runId}\n${provinceOf(b)}`));
  const [within, alone] = [true, false].map((w) => passes.filter((p) => synced.has(`${p.runId}\n${p.province}`) === w));
  await dropPasses(rt, within!); // their ids are free for the syncs' replay to use
  let finished = 0;
  const alerts: string[] = [];
  for (const id of [...(await replayBatches(rt, batches, at)), ...(await replayPasses(rt, alone!))]) {
    // a run-less batch's last job is its sync: a failure is read from its state below
    const value: unknown = await (await Job.fromId(rt.queue, id))?.waitUntilFinished(events).catch(() => undefined);
    alerts.push(...((value as { alerts?: string[] } | undefined)?.alerts ?? [])); // a finish-run's planned alerts
    onFinished?.(++finished);
  }
  const result: ReplayResult = { failedAgain: await failedAgain(rt, batches, alone!, at), incomplete: [], alerts };
  const touched = [
    ...batches.map((b) => ({ runId: b.runId, province: provinceOf(b) })),
    ...passes.map((p) => ({ runId: p.runId, province: p.province })),
  ];
  for (const [runId, group] of groupBy(touched, (t) => t.runId)) {
    const report = await rt.runs.report(runId);
    const provinces = new Set(group.map((t) => t.province));
    for (const p of report?.provinces ?? []) {
      if (provinces.has(p.province) && p.coverage.status !== 'complete')
        result.incomplete.push({ runId, province: p.province, status: p.coverage.status, why: p.coverage.why });
    }
  }
  return result;
}
