/**
 * The sync job against the simulator over loopback HTTP and a real Redis: a crash between
 * pages resumes after the last applied page, and nothing is counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncSource } from '../../jobs/sync-source.js';
import { credentials, parseConfig, type Config } from '../../src/config/load.js';
import { DvcqgSource } from '../../src/sources/dvcqg.js';
import { HttpClient } from '../../src/http/client.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { Store } from '../../src/store/store.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { jobContext } from '../helpers/context.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const env = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let world: World;
let sim: Simulator;
beforeAll(async () => {
  world = generateWorld({ seed: 3, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 400 });
  sim = await startSimulator(world);
});
afterAll(() => sim.close());

function setup(pageSize: number) {
  const config: Config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [
        {
          id: 'h49',
          province: 'H49',
          dialect: 'dvcqg',
          baseUrl: sim.sourceUrl('H49'),
          usernameEnv: 'SIM_USER',
          passwordEnv: 'SIM_PASSWORD',
          pageSize,
        },
      ],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    },
    'test',
    env,
  );
  const client = redis.client();
  const store = new Store(client, config.redis.prefix);
  const cfg = config.sources[0]!;
  if (cfg.dialect !== 'dvcqg') throw new Error('expected a dvcqg source');
  const real = new DvcqgSource(
    cfg,
    new HttpClient({ name: 'h49', timeoutMs: 5000 }),
    credentials('SIM_USER', 'SIM_PASSWORD', env),
  );
  const fetches: unknown[] = [];
  let crashAt = -1;
  let beforeFetch: (n: number) => Promise<void> = async () => undefined;
  const adapter: SourceAdapter = {
    id: real.id,
    normalise: (raw) => real.normalise(raw),
    itemKey: (raw) => real.itemKey(raw),
    async fetchPage(window, cursor) {
      fetches.push(cursor);
      await beforeFetch(fetches.length);
      if (fetches.length === crashAt) throw new Error('worker died');
      return real.fetchPage(window, cursor);
    },
  };
  const ctx = jobContext(config, client, { source: adapter, now: world.now, store });
  return {
    ctx,
    client,
    prefix: config.redis.prefix,
    store,
    fetches,
    crashOn: (n: number) => (crashAt = n),
    onFetch: (f: typeof beforeFetch) => (beforeFetch = f),
  };
}

async function stored(store: Store) {
  const codes: string[] = [];
  for await (const b of store.scanDossiers('H49')) codes.push(...b.map((d) => `${d.code}@${d.updatedAt}@${d.status}`));
  return codes.sort();
}

const expected = () => world.provinces[0]!.local.map((d) => `${d.code}@${d.updatedAt}@${d.status}`).sort();

describe('sync-source', () => {
  it('pulls the whole window page by page into the store', async () => {
    const { ctx, store, fetches } = setup(50);
    const counters = await syncSource.handler({ runId: 'r1', source: 'h49', windowTo: world.now }, ctx);
    expect(await stored(store)).toEqual(expected());
    expect(counters).toMatchObject({ pulled: 400, applied: 400, unchanged: 0, quarantined: 0 });
    expect(fetches.length).toBeGreaterThanOrEqual(8); // 400 at 50 a page; a page may overlap the last by a shared instant
    expect(await store.getCheckpoint('H49', 'h49')).toEqual({ syncedTo: world.now, pending: null });
  });

  it('resumes after the last applied page when a run is interrupted, counting nothing twice', async () => {
    const { ctx, store, fetches, crashOn } = setup(50);
    crashOn(4);
    await expect(syncSource.handler({ runId: 'r1', source: 'h49', windowTo: world.now }, ctx)).rejects.toThrow(
      'worker died',
    );
    const cp = await store.getCheckpoint('H49', 'h49');
    expect(cp.pending?.pages).toBe(3);
    const applied = (await store.syncCounters('H49', 'h49', 'r1')).applied;
    expect(applied).toBeGreaterThan(100);
    expect(await store.countDossiers('H49')).toBe(applied);
    const resumedFrom = cp.pending?.cursor;

    const counters = await syncSource.handler({ runId: 'r1', source: 'h49', windowTo: world.now }, ctx);
    expect(fetches[4]).toEqual(resumedFrom); // the retry starts where the last applied page ended
    expect(await stored(store)).toEqual(expected());
    expect(counters).toMatchObject({ pulled: 400, applied: 400, unchanged: 0, quarantined: 0 });
  });

  it('pages lost after their apply (a failover to a replica behind) are pulled again: nothing lost, nothing counted twice', async () => {
    const { ctx, client, prefix, store, fetches, onFetch } = setup(50);
    // Before the 4th fetch pages 1-3 are applied: keep a copy of every key. Before the 6th
    // (pages 4 and 5 applied and acknowledged), go back to that copy, as a replica that had
    // not received pages 4 and 5 yet would be once promoted.
    let copy: [string, Buffer][] = [];
    onFetch(async (n) => {
      const keys = await client.keys(`${prefix}*`);
      if (n === 4)
        copy = await Promise.all(keys.map(async (k) => [k, (await client.dumpBuffer(k))!] as [string, Buffer]));
      if (n === 6) {
        await client.del(...keys);
        for (const [k, v] of copy) await client.restore(k, 0, v);
      }
    });
    const counters = await syncSource.handler({ runId: 'r1', source: 'h49', windowTo: world.now }, ctx);
    expect(fetches[6]).toEqual(fetches[3]); // page 6 was not applied: pulled again from page 4
    expect(fetches[7]).toEqual(fetches[4]);
    expect(await stored(store)).toEqual(expected());
    expect(counters).toMatchObject({ pulled: 400, applied: 400, unchanged: 0, quarantined: 0 });
    expect(await store.getCheckpoint('H49', 'h49')).toEqual({ syncedTo: world.now, pending: null });
  });

  it('a second run over the same window applies nothing new', async () => {
    const { ctx, store } = setup(100);
    await syncSource.handler({ runId: 'r1', source: 'h49', windowTo: world.now }, ctx);
    const before = await stored(store);
    await store.setCheckpoint('H49', 'h49', { syncedTo: null, pending: null }); // force a full re-pull
    const counters = await syncSource.handler({ runId: 'r2', source: 'h49', windowTo: world.now }, ctx);
    expect(counters).toMatchObject({ pulled: 400, applied: 0, unchanged: 400 });
    expect(await stored(store)).toEqual(before);
  });
});

describe('sync-source backfill', () => {
  it('pulls only its window, with its own checkpoint; the regular checkpoint does not move', async () => {
    const { ctx, store } = setup(50);
    const regular = { syncedTo: world.period.start, pending: null };
    await store.setCheckpoint('H49', 'h49', regular);
    const from = world.period.start + 5 * 86_400_000;
    const to = world.period.start + 12 * 86_400_000;
    const counters = await syncSource.handler({ runId: 'bf1', source: 'h49', windowTo: to, windowFrom: from }, ctx);
    const inWindow = world.provinces[0]!.local.filter((d) => d.updatedAt >= from && d.updatedAt < to);
    expect(inWindow.length).toBeGreaterThan(20);
    expect(counters).toMatchObject({ pulled: inWindow.length, applied: inWindow.length });
    expect(await store.countDossiers('H49')).toBe(inWindow.length);
    expect(await store.getCheckpoint('H49', 'h49')).toEqual(regular);
    expect(await store.getCheckpoint('H49', 'h49', 'bf1')).toEqual({ syncedTo: to, pending: null });
    // Running the same backfill again pulls nothing more.
    const again = await syncSource.handler({ runId: 'bf1', source: 'h49', windowTo: to, windowFrom: from }, ctx);
    expect(again).toEqual(counters);
  });
});
