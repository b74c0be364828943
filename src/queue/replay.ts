/**
 * Failed sync batches and their replay. A batch is a `sync-source` job that failed for good;
 * it keeps its payload, so replaying it runs the same window again from its checkpoint
 * (already applied pages are not pulled twice). The replay then reconciles the province of
 * that run again, so its report stops saying "failed".
 */
import type { FlowJob, Job } from 'bullmq';
import { jobIds } from '../../jobs/context.js';
import { syncSourcePayload, type SyncSourcePayload } from '../../schemas/jobs.js';
import { sourceById } from '../config/load.js';
import { jobOptions } from './job-options.js';
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
    out.push({ jobId: job.id, source: data.data.source, runId: data.data.runId, failedAt, error, attempts: job.attemptsMade, data: data.data });
  }
  return out.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
}

/** A new id for each replay: BullMQ ignores an add whose id still exists. */
export function replayJobId(jobId: string, at: Date): string {
  return `${jobId}@replay-${at.getTime().toString(36)}`;
}

/** Replays the batches; returns the ids of the jobs that reconcile their provinces again. */
export async function replayBatches(rt: Runtime, batches: FailedBatch[], at = new Date()): Promise<string[]> {
  const roots: string[] = [];
  for (const b of batches) {
    const old = (await rt.queue.getJob(b.jobId)) as Job | undefined;
    const meta = await rt.runs.meta(b.runId);
    const province = sourceById(rt.config, b.source).province;
    const opts = jobOptions(rt.config);
    const sync = { name: 'sync-source', queueName: rt.queue.name, data: b.data, opts: { ...opts, jobId: replayJobId(b.jobId, at) } };
    const tree: FlowJob = meta
      ? {
          name: 'reconcile-province',
          queueName: rt.queue.name,
          data: { runId: b.runId, province, period: meta.period, windowTo: b.data.windowTo },
          opts: { ...opts, jobId: replayJobId(jobIds.reconcile(b.runId, province), at) },
          children: [sync],
        }
      : sync; // a batch of no run (a manual sync): just run it again
    const node = await rt.flow.add(tree);
    roots.push(node.job.id!);
    await old?.remove();
  }
  return roots;
}
