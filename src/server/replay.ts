/**
 * Replaying a failed sync batch from the dashboard. The rule (new id
 * `<old id>@replay-<base36 time>`, the province reconciled and the run finished again, the failed job removed)
 * is the one of the `replay` command, in src/queue/replay.ts: this module only finds the
 * batch by its job id and says why when it cannot be replayed.
 */
import { failedBatches, replayBatches, type FailedBatch } from '../queue/replay.js';
import { replayJobId } from '../queue/flows.js';
import type { Runtime } from '../queue/runtime.js';

export { failedBatches, replayJobId, type FailedBatch };

export class ReplayError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'ReplayError';
  }
}

export interface ReplayOutcome {
  /** The failed job, now removed. */
  replayed: string;
  /** The new sync-source job. */
  jobId: string;
  /** The job that runs last: the run's finish-run again (after the province's reconcile-province), or the sync itself for a run-less batch. */
  rootJobId: string;
}

/** Re-adds one failed sync batch under a new id and removes the failed job. Throws ReplayError (404, 409). */
export async function replayFailedJob(rt: Runtime, jobId: string, at: Date = new Date()): Promise<ReplayOutcome> {
  const batch = (await failedBatches(rt)).find((b) => b.jobId === jobId);
  if (!batch) {
    const job = await rt.queue.getJob(jobId);
    if (!job) throw new ReplayError(`no job "${jobId}"`, 404);
    const state = await job.getState();
    throw new ReplayError(`job "${jobId}" (${job.name}, ${state}) is not a failed sync batch`, 409);
  }
  const [rootJobId] = await replayBatches(rt, [batch], at);
  return { replayed: jobId, jobId: replayJobId(jobId, at), rootJobId: rootJobId! };
}
