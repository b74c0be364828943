/** Runs a nightly reconciliation through the queue and waits for its report. */
import { Job } from 'bullmq';
import { jobIds } from './flows.js';
import type { NightlyInput } from '../../schemas/jobs.js';
import type { RunReport } from '../../schemas/report.js';
import type { Runtime } from './runtime.js';
import { formatCompact } from '../domain/time.js';

/** A new run's id: its start in Vietnam time and four random characters. */
export function newRunId(at: Date): string {
  return `${formatCompact(at.getTime())}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * @param onPages with a `runId` in the payload: called with the pages its syncs have applied
 *   so far, all sources together, as they go
 */
export async function runNightly(
  rt: Runtime,
  payload: NightlyInput,
  timeoutMs = 30 * 60_000,
  onPages?: (pages: number) => void,
): Promise<RunReport> {
  const events = await rt.events();
  const prefix = payload.runId === undefined ? undefined : jobIds.syncsOf(payload.runId);
  const pages = new Map<string, number>();
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (prefix === undefined || !jobId.startsWith(prefix)) return;
    pages.set(jobId, (data as { pages?: number }).pages ?? 0);
    onPages?.([...pages.values()].reduce((a, b) => a + b, 0));
  };
  if (onPages) events.on('progress', onProgress);
  try {
    const job = await rt.queue.add('nightly', payload);
    const { runId, rootJobId } = (await job.waitUntilFinished(events, timeoutMs)) as {
      runId: string;
      rootJobId: string;
    };
    const root = await Job.fromId(rt.queue, rootJobId);
    if (!root) throw new Error(`run ${runId}: its final job ${rootJobId} is missing`);
    await root.waitUntilFinished(events, timeoutMs);
    const report = await rt.runs.report(runId);
    if (!report) throw new Error(`run ${runId} has no report`);
    return report;
  } finally {
    events.off('progress', onProgress);
  }
}
