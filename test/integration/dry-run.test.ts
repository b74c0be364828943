/**
 * A sync's dry run (`sync --dry-run`) against the simulator, with malformed items and a session
 * that expires mid-sync: it counts what the sync then does (pulled, applied, unchanged,
 * quarantined by reason, pages) and writes nothing to Redis.
 */
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../schemas/config.js';
import type { Config } from '../../src/config/load.js';
import { parseDay } from '../../src/domain/time.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { createSource } from '../../src/sources/index.js';
import { previewSync } from '../../src/sources/preview.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const VOLUME = 400;
const MALFORMED = 6;
const world = generateWorld({ seed: 31, month: '2026-10', provinces: ['H49'], dossiersPerProvince: VOLUME });
let sim: Simulator;
let config: Config;
let source: SourceConfig;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator(world, { faults: { H49: { seed: 3, malformed: MALFORMED, sessionCalls: 4 } } });
  config = simConfig(sim, world, redis, { source: () => ({ pageSize: 50 }) });
  source = config.sources[0]!;
  rt = simRuntime(config, world);
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  await sim.close();
});

const keys = async () => (await rt.redis.keys(`${config.redis.prefix}*`)).sort();
const dryRun = (pages: number[] = []) =>
  previewSync(
    createSource(source, {}),
    { from: parseDay(source.initialFrom)!, to: world.now },
    { versions: (codes) => rt.store.versions(source.province, codes), latestVersion: () => rt.store.latestVersion() },
    (n) => pages.push(n),
  );

describe('sync --dry-run', () => {
  it('counts what the sync then does, and writes nothing', async () => {
    const before = await keys();
    const pages: number[] = [];
    const preview = await dryRun(pages);
    expect(await keys()).toEqual(before);
    expect(preview).toMatchObject({
      pulled: VOLUME + MALFORMED,
      applied: VOLUME,
      unchanged: 0,
      quarantined: MALFORMED,
    });
    expect(pages).toEqual(Array.from({ length: preview.pages }, (_, i) => i + 1)); // progress, page by page
    expect(Object.keys(preview.reasons).length).toBeGreaterThan(1); // the malformed kinds give different reasons
    expect(Object.values(preview.reasons).reduce((a, b) => a + b, 0)).toBe(MALFORMED);

    const events = await rt.events();
    const job = await rt.queue.add(
      'sync-source',
      { runId: 'after-dry-run', source: source.id, windowTo: world.now },
      { jobId: 'sync@after-dry-run' },
    );
    const counters = await job.waitUntilFinished(events, 60_000);
    expect(counters).toEqual({
      pulled: preview.pulled,
      applied: preview.applied,
      unchanged: preview.unchanged,
      quarantined: preview.quarantined,
      pages: preview.pages,
      retries: expect.any(Number),
    });
    expect(await rt.store.quarantineReasons(source.province, source.id)).toEqual(preview.reasons);
    expect(await (await Job.fromId(rt.queue, 'sync@after-dry-run'))!.getState()).toBe('completed');
  });

  it('after the sync, finds every record unchanged', async () => {
    const before = await keys();
    const again = await dryRun();
    expect(again).toMatchObject({ pulled: VOLUME + MALFORMED, applied: 0, unchanged: VOLUME, quarantined: MALFORMED });
    expect(await keys()).toEqual(before);
  });
});
