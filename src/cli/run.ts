/** Runs a nightly reconciliation through the queue and waits for its report. */
import { Job } from 'bullmq';
import type { NightlyInput } from '../../schemas/jobs.js';
import type { RunReport } from '../../schemas/report.js';
import type { Runtime } from '../queue/runtime.js';

export async function runNightly(rt: Runtime, payload: NightlyInput, timeoutMs = 30 * 60_000): Promise<RunReport> {
  const events = await rt.events();
  const job = await rt.queue.add('nightly', payload);
  const { runId, rootJobId } = (await job.waitUntilFinished(events, timeoutMs)) as { runId: string; rootJobId: string };
  const root = await Job.fromId(rt.queue, rootJobId);
  if (!root) throw new Error(`run ${runId}: its final job ${rootJobId} is missing`);
  await root.waitUntilFinished(events, timeoutMs);
  const report = await rt.runs.report(runId);
  if (!report) throw new Error(`run ${runId} has no report`);
  return report;
}
