/** The nightly schedule is installed, and nights missed while no worker ran are caught up. */
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../src/queue/nightly.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { SCHEDULER_ID, startSchedule } from '../../src/queue/schedule.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const world = generateWorld({ seed: 2, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 200 });
let sim: Simulator;
const runtimes: Runtime[] = [];

beforeAll(async () => {
  sim = await startSimulator(world);
});
afterAll(async () => {
  for (const r of runtimes) await r.close();
  await sim.close();
});

function runtime(catchUp: 'each' | 'merged', opts: { prefix?: string; sourceDown?: boolean } = {}): Runtime {
  const config = simConfig(sim, world, redis, {
    // a source nobody answers, tried once
    source: () => (opts.sourceDown ? { baseUrl: 'http://127.0.0.1:9', retries: 0 } : {}),
    national: { staleAfterDays: 0 }, // the simulated month lies weeks before these windows' ends
    extra: {
      schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh', catchUp },
      worker: { attempts: 1 },
      ...(opts.prefix ? { redis: { prefix: opts.prefix } } : {}),
    },
  });
  const rt = simRuntime(config, world);
  runtimes.push(rt);
  return rt;
}

/** Waits for the chain of nights started by `firstJobId` and returns their runs' window ends. */
async function nights(rt: Runtime, firstJobId: string): Promise<string[]> {
  const events = await rt.events();
  const windows: string[] = [];
  let jobId: string | undefined = firstJobId;
  while (jobId) {
    const job: Job | undefined = await Job.fromId(rt.queue, jobId);
    if (!job) break;
    const { runId, rootJobId } = (await job.waitUntilFinished(events, 60_000)) as { runId: string; rootJobId: string };
    await (await Job.fromId(rt.queue, rootJobId))!.waitUntilFinished(events, 60_000);
    windows.push((await rt.runs.meta(runId))!.window.to);
    jobId = (await Job.fromId(rt.queue, `nightly@${runId}@then`)) ? `nightly@${runId}@then` : undefined;
  }
  return windows;
}

const now = Date.parse('2026-11-23T03:00:00+07:00');

describe('startSchedule', () => {
  it('installs the scheduler and runs nothing on a first start', async () => {
    const rt = runtime('each');
    expect(await startSchedule(rt, now)).toEqual({ missed: [], enqueued: [] });
    const scheduler = await rt.queue.getJobScheduler(SCHEDULER_ID);
    expect(scheduler).toMatchObject({ pattern: '0 1 * * *', tz: 'Asia/Ho_Chi_Minh' });
  });

  it('catches up each missed night in turn', async () => {
    const rt = runtime('each');
    await rt.runs.markNight(Date.parse('2026-11-20T01:00:00+07:00'));
    const { missed } = await startSchedule(rt, now);
    expect(missed).toHaveLength(3);
    rt.startWorker();
    expect(await nights(rt, `nightly@catch-up@${missed[0]}`)).toEqual([
      '2026-11-20T18:00:00.000Z',
      '2026-11-21T18:00:00.000Z',
      '2026-11-22T18:00:00.000Z',
    ]);
    expect(await rt.runs.lastNight()).toBe(missed[2]);
  });

  it('or as one merged window', async () => {
    const rt = runtime('merged');
    await rt.runs.markNight(Date.parse('2026-11-20T01:00:00+07:00'));
    const { missed, enqueued } = await startSchedule(rt, now);
    expect(missed).toHaveLength(3);
    expect(enqueued).toEqual([{ windowTo: missed[2], scheduled: true }]);
    rt.startWorker();
    expect(await nights(rt, `nightly@catch-up@${missed[2]}`)).toEqual(['2026-11-22T18:00:00.000Z']);
  });

  const marked = Date.parse('2026-11-20T01:00:00+07:00');
  const manual = { period: { from: world.period.from, to: world.period.to }, windowTo: now, provinces: ['H49'] };

  it('a manual reconcile never moves the marker, whether it completes or fails', async () => {
    const prefix = redis.prefix();
    const ok = runtime('each', { prefix });
    await ok.runs.markNight(marked);
    ok.startWorker();
    expect((await runNightly(ok, { ...manual, runId: 'manual-ok' })).provinces[0]!.coverage.status).toBe('complete');
    expect(await ok.runs.lastNight()).toBe(marked);
    await ok.close();

    const down = runtime('each', { prefix, sourceDown: true });
    down.startWorker();
    const later = { ...manual, windowTo: now + 3_600_000 }; // an hour more to pull, from a source that does not answer
    expect((await runNightly(down, { ...later, runId: 'manual-failed' })).provinces[0]!.coverage.status).toBe('failed');
    expect(await down.runs.lastNight()).toBe(marked);
  });

  it('a scheduled night whose sync failed leaves the marker, and the next start catches it up', async () => {
    const prefix = redis.prefix();
    const down = runtime('each', { prefix, sourceDown: true });
    await down.runs.markNight(marked);
    const nextDay = Date.parse('2026-11-21T03:00:00+07:00');
    const first = await startSchedule(down, nextDay);
    expect(first.missed).toEqual([Date.parse('2026-11-21T01:00:00+07:00')]);
    down.startWorker();
    expect(await nights(down, first.jobId!)).toEqual(['2026-11-20T18:00:00.000Z']);
    const failed = (await down.runs.report((await down.runs.latestRunId())!))!;
    expect(failed.provinces[0]!.coverage.status).toBe('failed');
    expect(await down.runs.lastNight()).toBe(marked);
    await down.close();

    const up = runtime('each', { prefix });
    const again = await startSchedule(up, nextDay);
    expect(again.missed).toEqual(first.missed); // the failed night again
    expect(again.jobId).not.toBe(first.jobId);
    up.startWorker();
    expect(await nights(up, again.jobId!)).toEqual(['2026-11-20T18:00:00.000Z']);
    expect(await up.runs.lastNight()).toBe(first.missed[0]);
  });
});
