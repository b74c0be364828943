/**
 * One night: sync every source of each province, then reconcile the province, then finish
 * the run. Built as one BullMQ flow: a parent runs when its children are done; a child
 * that fails for good is recorded on the parent instead of blocking it.
 */
import { UnrecoverableError } from 'bullmq';
import { nightlyPayload } from '../schemas/jobs.js';
import { provincesOf, sourcesOf } from '../src/config/load.js';
import { makePeriod, nightlyPeriods } from '../src/domain/period.js';
import { jobOptions } from '../src/queue/job-options.js';
import { defineJob } from '../src/queue/context.js';
import { jobIds, runFlow } from '../src/queue/flows.js';
import { newRunId } from '../src/queue/nightly.js';

export const nightly = defineJob({
  name: 'nightly',
  payload: nightlyPayload,
  async handler(data, ctx) {
    const now = ctx.clock();
    const runId = data.runId ?? newRunId(now);
    const windowTo = data.windowTo ?? now.getTime();
    const periods = data.period
      ? [makePeriod(data.period.from, data.period.to)]
      : nightlyPeriods(windowTo, ctx.config.reconcile.previousMonthDays);
    const [period, ...later] = periods;
    if (!period) throw new UnrecoverableError(`no full day to reconcile before ${new Date(windowTo).toISOString()}`);
    // Further periods of the same window run after this one: their syncs find nothing left to pull.
    const then = [
      ...later.map((p) => ({
        period: { from: p.from, to: p.to },
        windowTo,
        provinces: data.provinces,
        scheduled: data.scheduled,
      })),
      ...data.then,
    ];
    const known = provincesOf(ctx.config);
    const provinces = data.provinces ?? known;
    const unknown = provinces.filter((p) => !known.includes(p));
    if (unknown.length) throw new Error(`no source configured for province ${unknown.join(', ')}`);

    await ctx.runs.create({
      runId,
      period: { from: period.from, to: period.to },
      window: { to: new Date(windowTo).toISOString() },
      startedAt: now.toISOString(),
      finishedAt: null,
      provinces,
      ...(data.scheduled ? { scheduled: true } : {}),
    });
    const tree = runFlow(
      ctx.queue.name,
      jobOptions(ctx.config),
      { runId, then },
      provinces.map((province) => ({
        reconcile: { runId, province, period: { from: period.from, to: period.to }, windowTo },
        syncs: sourcesOf(ctx.config, province).map((s) => ({
          jobId: jobIds.sync(runId, s.id),
          data: { runId, source: s.id, windowTo },
        })),
      })),
    );
    await ctx.flow.add(tree);
    ctx.logger.info(
      { runId, provinces, period: `${period.from}..${period.to}`, then: then.length },
      'nightly run enqueued',
    );
    return { runId, rootJobId: jobIds.run(runId) };
  },
});
