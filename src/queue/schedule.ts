/**
 * The nightly schedule: a BullMQ job scheduler fires `nightly` on the configured cron in
 * its time zone, and on start the worker runs the nights it missed while it was down.
 */
import { CronExpressionParser } from 'cron-parser';
import type { NightStep } from '../../schemas/jobs.js';
import { jobIds } from './flows.js';
import type { Runtime } from './runtime.js';

export const SCHEDULER_ID = 'nightly';

/** Fire times of `cron` in (after, until], oldest first; at most `limit` (the most recent). */
export function fireTimes(cron: string, timezone: string, after: number, until: number, limit = 366): number[] {
  const it = CronExpressionParser.parse(cron, { currentDate: new Date(until + 1), tz: timezone });
  const out: number[] = [];
  while (out.length < limit) {
    const t = it.prev().getTime();
    if (t <= after) break;
    out.push(t);
  }
  return out.reverse();
}

export interface CatchUp {
  missed: number[];
  enqueued: NightStep[];
  /** The id of the first caught-up night's job. */
  jobId?: string;
}

/**
 * Installs (or updates) the nightly job scheduler and enqueues the nights missed since the
 * last scheduled night whose syncs completed (a night that failed is run again; manual runs
 * do not count). A first start runs nothing in the past.
 */
export async function startSchedule(rt: Runtime, now = Date.now()): Promise<CatchUp> {
  const { cron, timezone, catchUp } = rt.config.schedule; // checked when the configuration was read
  await rt.queue.upsertJobScheduler(
    SCHEDULER_ID,
    { pattern: cron, tz: timezone },
    { name: 'nightly', data: { then: [], scheduled: true } },
  );
  const last = await rt.runs.lastNight();
  if (last === undefined) return { missed: [], enqueued: [] };
  const missed = fireTimes(cron, timezone, last, now);
  if (missed.length === 0) return { missed, enqueued: [] };
  const nights: NightStep[] = (catchUp === 'each' ? missed : [missed.at(-1)!]).map((t) => ({
    windowTo: t,
    scheduled: true,
  }));
  const [first, ...rest] = nights;
  // One id per night, so that workers starting together catch it up once; a night caught up
  // before whose syncs did not complete (its job finished) is run again under a new id.
  let jobId = jobIds.catchUp(first!.windowTo!);
  const before = await rt.queue.getJob(jobId);
  if (before && ((await before.isCompleted()) || (await before.isFailed()))) jobId = jobIds.again(jobId, now);
  await rt.queue.add('nightly', { ...first, then: rest }, { jobId });
  rt.logger.warn(
    { missed: missed.map((t) => new Date(t).toISOString()), mode: catchUp },
    'catching up nights missed while no worker ran',
  );
  return { missed, enqueued: nights, jobId };
}
