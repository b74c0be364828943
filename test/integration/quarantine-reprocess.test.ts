/**
 * A mapping task done, then `quarantine --reprocess`: items held back for a vendor status the
 * configuration did not know leave the quarantine once it is mapped, and their records are
 * applied; the others stay, by the reason they still fail for. A dry run changes nothing, and
 * reprocessing twice releases nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../schemas/config.js';
import type { Config } from '../../src/config/load.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { createSource } from '../../src/sources/index.js';
import { reprocessQuarantine } from '../../src/sources/quarantine.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const VOLUME = 300;
const world = generateWorld({ seed: 41, month: '2026-10', provinces: ['H49'], dossiersPerProvince: VOLUME });
let sim: Simulator;
let config: Config;
let source: SourceConfig;
let rt: Runtime;

beforeAll(async () => {
  // 6 malformed items, of the dvcqg kinds in turn: a bad NgayHenTra, TrangThaiHoSo "42", no MaHoSo.
  sim = await startSimulator(world, { faults: { H49: { seed: 9, malformed: 6 } } });
  config = simConfig(sim, world, redis);
  source = config.sources[0]!;
  rt = simRuntime(config, world);
  rt.startWorker();
  const events = await rt.events();
  const job = await rt.queue.add(
    'sync-source',
    { runId: 'night', source: source.id, windowTo: world.now },
    { jobId: 'sync@night' },
  );
  await job.waitUntilFinished(events, 60_000);
});
afterAll(async () => {
  await rt.close();
  await sim.close();
});

const UNKNOWN = 'TrangThaiHoSo: unknown status "42"';

describe('quarantine --reprocess', () => {
  it('releases nothing while the configuration is unchanged', async () => {
    const reasons = await rt.store.quarantineReasons(source.province, source.id);
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(6);
    expect(reasons[UNKNOWN]).toBe(2);
    const r = await reprocessQuarantine(createSource(source, {}), rt.store, source);
    expect(r).toEqual({ examined: 6, released: 0, applied: 0, unchanged: 0, still: reasons });
    expect(await rt.store.quarantineReasons(source.province, source.id)).toEqual(reasons);
  });

  it('once the status is mapped, releases those items and applies their records; a dry run first changes nothing', async () => {
    const mapped = { ...source, statusMap: { ...source.statusMap, '42': 4 } } as SourceConfig;
    const before = await rt.store.quarantineReasons(source.province, source.id);
    const held = (await rt.store.quarantineEntries(source.province, source.id)).filter((e) => e.reason === UNKNOWN);
    const codes = held.map((e) => (e.raw as { MaHoSo: string }).MaHoSo);
    expect(codes).toHaveLength(2);
    expect((await rt.store.getDossiers(source.province, codes)).size).toBe(0);

    const dry = await reprocessQuarantine(createSource(mapped, {}), rt.store, source, { dryRun: true });
    expect(dry).toMatchObject({ examined: 6, released: 2, applied: 2, unchanged: 0 });
    expect(await rt.store.quarantineReasons(source.province, source.id)).toEqual(before);
    expect(await rt.store.countDossiers(source.province)).toBe(VOLUME);

    const done = await reprocessQuarantine(createSource(mapped, {}), rt.store, source);
    expect(done).toEqual(dry);
    const { [UNKNOWN]: _released, ...rest } = before;
    expect(done.still).toEqual(rest);
    expect(await rt.store.quarantineReasons(source.province, source.id)).toEqual(rest);
    expect(await rt.store.countDossiers(source.province)).toBe(VOLUME + 2);
    const stored = await rt.store.getDossiers(source.province, codes);
    expect([...stored.values()].map((d) => d.status)).toEqual([4, 4]);

    // Again: nothing left to release.
    expect(await reprocessQuarantine(createSource(mapped, {}), rt.store, source)).toMatchObject({
      examined: 4,
      released: 0,
      applied: 0,
    });
    expect(await rt.store.countDossiers(source.province)).toBe(VOLUME + 2);
  });
});
