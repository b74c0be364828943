/**
 * The nightly schedule: a BullMQ job scheduler fires `nightly` on the configured cron in
 * its time zone, and on start the worker runs the nights it missed while it was down.
 */
import { CronExpressionParser } from 'cron-parser';
import type { NightStep } from '../../schemas/jobs.js';
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
}

/**
 * Installs (or updates) the nightly job scheduler and enqueues the nights missed since the
 * last one that started. A first start runs nothing in the past.
 */
export async function startSchedule(rt: Runtime, now = Date.now()): Promise<CatchUp> {
  const { cron, timezone, catchUp } = rt.config.schedule; // checked when the configuration was read
  await rt.queue.upsertJobScheduler(SCHEDULER_ID, { pattern: cron, tz: timezone }, { name: 'nightly', data: { then: [] } });
  const last = await rt.runs.lastNight();
  if (last === undefined) return { missed: [], enqueued: [] };
  const missed = fireTimes(cron, timezone, last, now);
  if (missed.length === 0) return { missed, enqueued: [] };
  const nights: NightStep[] = catchUp === 'each' ? missed.map((t) => ({ windowTo: t })) : [{ windowTo: missed.at(-1)! }];
  const [first, ...rest] = nights;
  await rt.queue.add('nightly', { ...first, then: rest }, { jobId: `nightly@catch-up@${first!.windowTo}` });
  rt.logger.warn({ missed: missed.map((t) => new Date(t).toISOString()), mode: catchUp }, 'catching up nights missed while no worker ran');
  return { missed, enqueued: nights };
}
