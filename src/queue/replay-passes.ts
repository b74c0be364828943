/**
 * Failed passes of a run and their replay (docs/architecture.md, The flow of a night): a
 * `reconcile-province` or `explain-province` job that failed for good keeps its payload, so
 * replaying it compares or explains the run's province again, then finishes the run again for
 * that province alone, so its incidents move and alerts go out as on a night.
 */
import { z } from 'zod';
import { explainProvincePayload, reconcileProvincePayload } from '../../schemas/jobs.js';
import { passReplayFlow, replayJobId, type PassReplay } from './flows.js';
import { jobOptions } from './job-options.js';
import type { Runtime } from './runtime.js';

export const PASS_JOBS = ['reconcile-province', 'explain-province'] as const;

const payloadOf = {
  'reconcile-province': reconcileProvincePayload,
  'explain-province': explainProvincePayload,
} satisfies Record<(typeof PASS_JOBS)[number], z.ZodType>;

export interface FailedPass extends PassReplay {
  runId: string;
  province: string;
  error: string;
  attempts: number;
}

export interface PassFilter {
  /** Only passes of this province. */
  province?: string;
  /** Failed at or after (epoch ms). */
  since?: number;
  /** Failed before (epoch ms). */
  until?: number;
  /** A part of the error message, case-insensitive. */
  error?: string;
}

/** The run's reconciliations and explanations that failed for good and match, oldest first. */
export async function failedPasses(rt: Runtime, filter: PassFilter = {}): Promise<FailedPass[]> {
  const out: FailedPass[] = [];
  for (const job of await rt.queue.getFailed(0, -1)) {
    const name = PASS_JOBS.find((n) => n === job.name);
    if (!name || !job.id) continue;
    const data = payloadOf[name].safeParse(job.data);
    if (!data.success) continue;
    const failedAt = new Date(job.finishedOn ?? job.timestamp);
    const error = job.failedReason ?? '';
    if (filter.province && data.data.province !== filter.province) continue;
    if (filter.since !== undefined && failedAt.getTime() < filter.since) continue;
    if (filter.until !== undefined && failedAt.getTime() >= filter.until) continue;
    if (filter.error && !error.toLowerCase().includes(filter.error.toLowerCase())) continue;
    const { runId, province } = data.data;
    out.push({ jobId: job.id, name, failedAt, data: data.data, runId, province, error, attempts: job.attemptsMade });
  }
  return out.sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
}

/** The id the replay of a failed pass runs under (`passReplayFlow`). */
export function passReplayId(pass: Pick<FailedPass, 'jobId' | 'failedAt'>): string {
  return replayJobId(pass.jobId, pass.failedAt);
}

/**
 * Replays each pass still failed (one replayed already is left alone): the pass again under
 * its run's `finish-run` for its province, then the failed job removed. Returns the ids of the
 * `finish-run` jobs, one per pass replayed.
 */
export async function replayPasses(rt: Runtime, passes: FailedPass[]): Promise<string[]> {
  const opts = jobOptions(rt.config);
  const roots: string[] = [];
  for (const pass of passes) {
    const failed = await rt.queue.getJob(pass.jobId);
    if (!failed || !(await failed.isFailed())) continue;
    roots.push((await rt.flow.add(passReplayFlow(rt.queue.name, opts, pass))).job.id!);
    await failed.remove();
  }
  return roots;
}

/** Removes the failed passes without replaying them: a replay of the same province's syncs runs them again. */
export async function dropPasses(rt: Runtime, passes: FailedPass[]): Promise<void> {
  for (const pass of passes) await (await rt.queue.getJob(pass.jobId))?.remove();
}
