/**
 * The `sync` command's use-cases against the simulator and a private Redis: the preview of a
 * source's window, a sync up to now (a `sync-source` job on this process's worker, its pages
 * followed), and a backfill window that leaves the regular checkpoint where it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../schemas/config.js';
import { makePeriod } from '../../src/domain/period.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { previewSourceSync, syncSourceNow } from '../../src/queue/sync-now.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const VOLUME = 300;
const world = generateWorld({ seed: 41, month: '2026-10', provinces: ['H49'], dossiersPerProvince: VOLUME });
let sim: Simulator;
let source: SourceConfig;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator(world);
  const config = simConfig(sim, world, redis, { source: () => ({ pageSize: 40 }) });
  source = config.sources[0]!;
  rt = simRuntime(config, world);
});
afterAll(async () => {
  await rt.close();
  await sim.close();
});

describe('sync outside a night', () => {
  it('previews the window from the initial day, writing nothing', async () => {
    const pages: number[] = [];
    const preview = await previewSourceSync(rt, source, undefined, (n) => pages.push(n));
    expect(preview).toMatchObject({ pulled: VOLUME, applied: VOLUME, unchanged: 0, quarantined: 0 });
    expect(pages).toEqual(Array.from({ length: preview.pages }, (_, i) => i + 1));
    expect(await rt.store.countDossiers(source.province)).toBe(0);
  });

  it('syncs up to now as a job, following its pages, and moves the checkpoint', async () => {
    const pages: number[] = [];
    const { runId, counters } = await syncSourceNow(rt, source.id, undefined, (n) => pages.push(n));
    expect(runId).toMatch(/^sync-\d{14}-/);
    expect(counters).toMatchObject({ pulled: VOLUME, applied: VOLUME, unchanged: 0, quarantined: 0 });
    expect(pages.at(-1)).toBe(counters.pages);
    expect(await rt.store.countDossiers(source.province)).toBe(VOLUME);
    expect((await rt.store.getCheckpoint(source.province, source.id)).syncedTo).not.toBeNull();
  });

  it('backfills a window: every record in it unchanged, the regular checkpoint where it was', async () => {
    const before = await rt.store.getCheckpoint(source.province, source.id);
    const october = makePeriod('2026-10-01', '2026-10-31');
    const inWindow = world.provinces[0]!.local.filter(
      (d) => d.updatedAt >= october.start && d.updatedAt < october.end,
    ).length;
    const { runId, counters } = await syncSourceNow(rt, source.id, october);
    expect(runId).toMatch(/^backfill-\d{14}-/);
    expect(counters).toMatchObject({ pulled: inWindow, applied: 0, unchanged: inWindow, quarantined: 0 });
    expect((await rt.store.getCheckpoint(source.province, source.id)).syncedTo).toBe(before.syncedTo);
  });
});
