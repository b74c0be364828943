/**
 * The probes of a hostile or careless source, reproduced against the simulators over HTTP
 * (through a proxy that alters their replies) or a small hostile server, with a real Redis:
 * each holds now. Dates and codes item by item: test/unit/normalise-limits.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncSource } from '../../jobs/sync-source.js';
import type { Config } from '../../src/config/load.js';
import { createSource } from '../../src/sources/index.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';
import { expectedStore, generateWorld, type World } from '../../src/sim/world.js';
import { jobContext } from '../helpers/context.js';
import { startProxy, type Hostile, type ProxiedRequest } from '../helpers/hostile.js';
import { expectCountersAddUp, expectStoreMatches } from '../helpers/invariant.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig } from '../helpers/sim.js';

const redis = useRedis();

let world: World;
let sim: Simulator;
const open: Hostile[] = [];
beforeAll(async () => {
  world = generateWorld({ seed: 11, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 2000 });
  sim = await startSimulator(world);
});
afterAll(async () => {
  await Promise.all(open.map((h) => h.close()));
  await sim?.close();
});

type Alter = (req: ProxiedRequest, reply: unknown) => unknown;
const service = (req: ProxiedRequest) => (req.body?.service as string | undefined) ?? '';

/** A configuration whose source (and national feed) go through a proxy that alters the simulator's replies. */
async function throughProxy(alter: Alter, source: Record<string, unknown> = {}): Promise<Config> {
  const proxy = await startProxy(sim.url, alter);
  open.push(proxy);
  return simConfig(sim, world, redis, {
    source: () => ({ baseUrl: `${proxy.url}/p/H49`, pageSize: 500, retries: 1, ...source }),
    national: { baseUrl: `${proxy.url}/national` },
  });
}

/** Runs the sync job for the source up to the world's `now`, the clock at `now` too. */
async function sync(config: Config) {
  const cfg = config.sources[0]!;
  const adapter = createSource(cfg, { now: () => world.now, dates: config.dates });
  const ctx = jobContext(config, redis.client(), { source: adapter, now: world.now });
  const counters = await syncSource.handler({ runId: 'r1', source: cfg.id, windowTo: world.now }, ctx);
  return { counters, store: ctx.store, cfg };
}

describe('an update time outside the window never moves the cursor', () => {
  it('a record updated "in 2999" at the end of the first page: every record is stored, it alone is quarantined, the checkpoint is the window end', async () => {
    let lists = 0;
    const config = await throughProxy((req, reply) => {
      if (service(req) !== 'LayDanhSachHoSo' || lists++ > 0) return reply;
      const r = reply as { data: Record<string, unknown>[] };
      const last = r.data[r.data.length - 1]!;
      // the first page's last item comes back as another dossier updated in 2999
      r.data[r.data.length - 1] = { ...last, MaHoSo: `${String(last.MaHoSo)}-X`, NgayCapNhat: '29991231000000' };
      return r;
    });
    const { counters, store, cfg } = await sync(config);
    await expectStoreMatches(store, 'H49', expectedStore(world.provinces[0]!));
    expectCountersAddUp(counters);
    expect(counters).toMatchObject({ applied: 2000, quarantined: 1 });
    const reasons = Object.entries(await store.quarantineReasons('H49', cfg.id));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]![0]).toMatch(/^NgayCapNhat: 2999-12-30T17:00:00.000Z is after now \+ 24 h/);
    expect(reasons[0]![1]).toBe(1);
    expect(await store.getCheckpoint('H49', cfg.id)).toEqual({ syncedTo: world.now, pending: null });
  });
});
