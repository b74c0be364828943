/**
 * A night with no period named: early in a month it reconciles the month that just closed
 * and then the current month to date, as two runs, syncing once.
 */
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const world = generateWorld({ seed: 4, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 300 });
let sim: Simulator;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator(world);
  rt = simRuntime(simConfig(sim, world, redis), world);
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  await sim.close();
});

describe('nightly without a period', () => {
  it('reconciles the closed month, then the current month to date, syncing once', async () => {
    const events = await rt.events();
    const job = await rt.queue.add('nightly', { windowTo: world.now }); // 2 November, 02:00
    const { runId, rootJobId } = (await job.waitUntilFinished(events)) as { runId: string; rootJobId: string };
    await (await Job.fromId(rt.queue, rootJobId))!.waitUntilFinished(events);
    const follow = (await Job.fromId(rt.queue, `nightly@${runId}@then`))!;
    const second = (await follow.waitUntilFinished(events)) as { runId: string; rootJobId: string };
    await (await Job.fromId(rt.queue, second.rootJobId))!.waitUntilFinished(events);

    const october = (await rt.runs.report(runId))!;
    const november = (await rt.runs.report(second.runId))!;
    expect(october.period).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(november.period).toEqual({ from: '2026-11-01', to: '2026-11-01' });
    expect([october.status, november.status]).toEqual(['complete', 'complete']);
    expect(october.provinces[0]!.sources[0]!.applied).toBe(300);
    expect(november.provinces[0]!.sources[0]!.pulled).toBe(0); // the window was already synced
    expect(november.provinces[0]!.coverage.status).toBe('complete');
    expect(october.provinces[0]!.findings.length).toBe(world.truth.length);
  });
});
