/** The nightly schedule is installed, and nights missed while no worker ran are caught up. */
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/queue/runtime.js';
import { SCHEDULER_ID, startSchedule } from '../../src/queue/schedule.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
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

function runtime(catchUp: 'each' | 'merged'): Runtime {
  const rt = simRuntime(simConfig(sim, world, redis, { extra: { schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh', catchUp } } }), world);
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
    expect(enqueued).toEqual([{ windowTo: missed[2] }]);
    rt.startWorker();
    expect(await nights(rt, `nightly@catch-up@${missed[2]}`)).toEqual(['2026-11-22T18:00:00.000Z']);
  });
});
