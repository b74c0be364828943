/**
 * Waiting for a run's messages to go out, for a command that runs a night itself and exits:
 * each send-alert job is followed until it is sent or has failed for good, within a bounded
 * wait. What is still queued when the wait ends stays queued for a worker.
 */
import { Job, type Queue, type QueueEvents } from 'bullmq';
import { jobIds } from './flows.js';

export interface Delivery {
  sent: number;
  /** Failed for good (attempts used up, or refused). */
  failed: number;
  /** Not yet sent when the wait ended: waiting, retrying or being sent. */
  queued: number;
  /** Of the queued, those whose last attempt failed. */
  retrying: number;
  /** Why each failed one failed. */
  failures: string[];
}

/** The send-alert job ids the run's final job planned (none when it has no record of them). */
export async function plannedAlerts(queue: Queue, runId: string): Promise<string[]> {
  const root = await Job.fromId(queue, jobIds.run(runId));
  return (root?.returnvalue as { alerts?: string[] } | undefined)?.alerts ?? [];
}

/** Follows the jobs until each is completed or failed, or `timeoutMs` has passed. */
export async function awaitAlerts(
  queue: Queue,
  events: QueueEvents,
  ids: string[],
  timeoutMs: number,
): Promise<Delivery> {
  const pending = new Set(ids);
  const out: Delivery = { sent: 0, failed: 0, queued: 0, retrying: 0, failures: [] };
  const settle = async (id: string): Promise<void> => {
    if (!pending.has(id)) return;
    const job = await Job.fromId(queue, id);
    const state = job ? await job.getState() : 'unknown';
    if (!pending.has(id)) return; // settled meanwhile by another event
    if (state === 'completed') out.sent++;
    else if (state === 'failed' || state === 'unknown') {
      out.failed++;
      out.failures.push(`${id}: ${job?.failedReason ?? 'the job is gone'}`);
    } else return;
    pending.delete(id);
  };
  let wake: () => void = () => {};
  const onEvent = ({ jobId }: { jobId: string }) => void settle(jobId).then(() => wake());
  events.on('completed', onEvent);
  events.on('failed', onEvent);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
  let over = false;
  void timedOut.then(() => (over = true));
  try {
    for (const id of ids) await settle(id); // those done before the wait began
    while (pending.size > 0 && !over) await Promise.race([new Promise<void>((r) => (wake = r)), timedOut]);
  } finally {
    clearTimeout(timer);
    events.off('completed', onEvent);
    events.off('failed', onEvent);
  }
  for (const id of pending) {
    out.queued++;
    if ((await Job.fromId(queue, id))?.failedReason) out.retrying++;
  }
  return out;
}

/** One line for the operator. */
export function deliveryLine(d: Delivery): string {
  const still = d.queued
    ? `, ${d.queued} still queued${d.retrying ? ` (${d.retrying} retrying after a failure)` : ''}: a worker sends them when it runs`
    : '';
  return `alerts: ${d.sent} sent, ${d.failed} failed${still}${d.failures.map((f) => `\n  failed ${f}`).join('')}`;
}
