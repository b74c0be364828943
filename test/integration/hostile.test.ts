/**
 * The probes of a hostile or careless source, reproduced against the simulators over HTTP
 * (through a proxy that alters their replies) or a small hostile server, with a real Redis:
 * each holds now. Dates and codes item by item: test/unit/normalise-limits.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncSource } from '../../jobs/sync-source.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { createSource } from '../../src/sources/index.js';
import type { SyncCounters } from '../../schemas/store.js';
import { NationalClient } from '../../src/national/client.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { HttpClient } from '../../src/http/client.js';
import { NoProgressError } from '../../src/sources/progress.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator, type RestSimulator } from '../../src/sim/rest-server.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { PermanentError, TransientError } from '../../src/util/errors.js';
import { expectedStore, generateWorld, type World } from '../../src/sim/world.js';
import { jobContext } from '../helpers/context.js';
import { RawText, startProxy, startServer, type Hostile, type ProxiedRequest } from '../helpers/hostile.js';
import { previewSync } from '../../src/sources/preview.js';
import { reprocessQuarantine } from '../../src/sources/quarantine.js';
import { parseDay } from '../../src/domain/time.js';
import { expectCountersAddUp, expectStoreMatches } from '../helpers/invariant.js';
import { useRedis } from '../helpers/redis.js';
import { SIM_ENV, simConfig } from '../helpers/sim.js';

const redis = useRedis();

let world: World;
let sim: Simulator;
let restSim: RestSimulator;
const open: Hostile[] = [];
beforeAll(async () => {
  world = generateWorld({ seed: 11, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 2000 });
  sim = await startSimulator(world);
  restSim = await startRestSimulator(world);
});
afterAll(async () => {
  await Promise.all(open.map((h) => h.close()));
  await sim?.close();
  await restSim?.close();
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

/** A configuration whose one source speaks `rest` through a proxy that alters the rest simulator's replies. */
async function restThroughProxy(alter: Alter): Promise<Config> {
  const proxy = await startProxy(restSim.url, alter);
  open.push(proxy);
  Object.assign(process.env, { REST_ID: restSim.clientId, REST_SECRET: restSim.clientSecret }); // the adapter reads its secrets from the environment
  const source = {
    id: 'h49-rest',
    province: 'H49',
    dialect: 'rest',
    baseUrl: `${proxy.url}/p/H49`,
    tokenUrl: restSim.tokenUrl,
    clientIdEnv: 'REST_ID',
    clientSecretEnv: 'REST_SECRET',
    statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
    initialFrom: '2026-09-01',
    pageSize: 100,
    retries: 1,
  };
  return parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [source],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    },
    'test',
    { ...SIM_ENV, REST_ID: restSim.clientId, REST_SECRET: restSim.clientSecret, REDIS_URL: redis.url },
  );
}

/** Runs the sync job for the source up to the world's `now`, the clock at `now` too. */
async function sync(config: Config) {
  const cfg = config.sources[0]!;
  const adapter = createSource(cfg, { now: () => world.now, dates: config.dates });
  const ctx = jobContext(config, redis.client(), { source: adapter, now: world.now });
  const counters = (await syncSource.handler(
    { runId: 'r1', source: cfg.id, windowTo: world.now },
    ctx,
  )) as SyncCounters;
  return { counters, store: ctx.store, cfg };
}

/** The sync's error; it must fail. */
async function syncError(config: Config): Promise<Error> {
  const err = await sync(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected the sync to fail');
  return err;
}

describe('an update time outside the window never moves the cursor', () => {
  it('a record updated in 2999 at the end of the first page: every record is stored, it alone is quarantined, the checkpoint is the window end', async () => {
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

describe('dates before 1970 never reach the store', () => {
  it('a dossier received in 1960 is quarantined naming the field and the bound; every other record is stored and the sync completes', async () => {
    let lists = 0;
    let changed = '';
    const config = await throughProxy((req, reply) => {
      if (service(req) !== 'LayDanhSachHoSo' || lists++ > 0) return reply;
      const r = reply as { data: Record<string, unknown>[] };
      changed = String(r.data[3]!.MaHoSo);
      r.data[3] = { ...r.data[3], NgayTiepNhan: '19600501080000' };
      return r;
    });
    const { counters, store, cfg } = await sync(config);
    expectCountersAddUp(counters);
    expect(counters).toMatchObject({ applied: 1999, quarantined: 1 });
    await expectStoreMatches(
      store,
      'H49',
      expectedStore(world.provinces[0]!).filter((d) => d.code !== changed),
    );
    expect(await store.quarantineReasons('H49', cfg.id)).toEqual({
      'NgayTiepNhan: 1960-05-01 is before the earliest accepted date 2000-01-01 (dates.earliest)': 1,
    });
    expect(await store.getCheckpoint('H49', cfg.id)).toEqual({ syncedTo: world.now, pending: null });
  });
});

describe('bounded pulls', () => {
  it('a source that returns the same full page forever: the sync fails for good, naming no progress', async () => {
    let first: unknown;
    const config = await throughProxy((req, reply) => {
      if (service(req) !== 'LayDanhSachHoSo') return reply;
      first ??= reply;
      return first;
    });
    const err = await syncError(config);
    expect(err).toBeInstanceOf(NoProgressError);
    expect(err).toBeInstanceOf(PermanentError); // no retries: the batch goes to the failed set
    expect(err.message).toMatch(/^h49-dvcqg: no progress: page \d+ holds the same \d+ items as an earlier page$/);
  });

  it('a rest cursor alternating between two values: the sync fails for good, naming the cursor that came back', async () => {
    const real: string[] = []; // the source's first two cursors, then those two in turn
    let replies = 0;
    const config = await restThroughProxy((req, reply) => {
      if (!req.path.includes('/dossiers')) return reply;
      const r = reply as { next: string };
      if (++replies <= 2) real.push(r.next);
      return { ...r, next: real[(replies - 1) % 2] };
    });
    const err = await syncError(config);
    expect(err).toBeInstanceOf(NoProgressError);
    expect(err.message).toBe(`h49-rest: no progress: the cursor ${JSON.stringify(real[0])} came back after 3 pages`);
  });

  it('a window that takes more than maxPages pages stops there with the reason', async () => {
    const config = await throughProxy((_req, reply) => reply, { pageSize: 100, maxPages: 3 });
    const err = await syncError(config);
    expect(err).toBeInstanceOf(NoProgressError);
    expect(err.message).toBe('h49-dvcqg: still not done after 3 pages (maxPages 3): stopped');
  });

  it('a reply trickled a byte at a time ends at the deadline of an attempt, not only at the idle timeout', async () => {
    let served = 0;
    const trickle = await startServer((req, _body, res) => {
      if (req.url?.endsWith('/auth/login'))
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error_code: 0, session: 's' }));
      res.writeHead(200, { 'content-type': 'application/json' });
      const text = JSON.stringify({ error_code: 0, data: [] }).padEnd(100_000, ' ');
      let i = 0;
      const t = setInterval(() => {
        if (i >= text.length || res.destroyed) return clearInterval(t);
        res.write(text[i++]);
        served++;
      }, 100);
      res.on('close', () => clearInterval(t));
    });
    open.push(trickle);
    const config = simConfig(sim, world, redis, {
      source: () => ({ baseUrl: trickle.url, timeoutMs: 1000, deadlineMs: 2000, retries: 1 }),
    });
    const err = await syncError(config);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(
      `h49-dvcqg: POST ${trickle.url}/service: no complete reply within the deadline of 2000 ms (deadlineMs)`,
    );
    expect(trickle.requests).toBe(3); // a login, then the attempt and its one retry
    expect(served).toBeGreaterThan(0); // it did trickle: the idle timeout alone never fired
  });
});

describe('bounded national listings', () => {
  const client = (url: string, limits: { maxListPages?: number; maxListRecords?: number } = {}) =>
    new NationalClient(
      { baseUrl: url, ...limits },
      new HttpClient({ name: 'national', timeoutMs: 5000, retries: 0 }),
      SIM_CREDENTIALS,
    );
  const days = () => ({ start: world.period.start, end: world.period.end });
  async function drain(national: NationalClient, agency: string): Promise<Error | number> {
    let n = 0;
    try {
      for await (const page of national.list(agency, days(), 'TiepNhan', 10)) n += page.length;
    } catch (err) {
      return err as Error;
    }
    return n;
  }
  const agency = () => world.provinces[0]!.agencies[0]!;

  it('a list that repeats its full page forever is an error naming it, not a process that grows', async () => {
    let first: unknown;
    const proxy = await startProxy(sim.url, (req, reply) =>
      service(req) === 'DanhSachHoSo' ? (first ??= reply) : reply,
    );
    open.push(proxy);
    const err = await drain(client(`${proxy.url}/national`), agency());
    expect(err).toBeInstanceOf(NoProgressError);
    expect((err as Error).message).toBe(
      `national DanhSachHoSo ${agency()}: no progress: page 2 holds the same 10 items as an earlier page`,
    );
  });

  it('a list that never ends (new items on every page) stops at maxListPages, or at maxListRecords', async () => {
    let n = 0;
    const proxy = await startProxy(sim.url, (req, reply) => {
      if (service(req) !== 'DanhSachHoSo') return reply;
      const r = reply as { data: Record<string, unknown>[] };
      return { ...r, data: Array.from({ length: 10 }, () => ({ ...r.data[0], MaHoSo: `X-${n++}` })) };
    });
    open.push(proxy);
    const pages = await drain(client(`${proxy.url}/national`, { maxListPages: 5 }), agency());
    expect((pages as Error).message).toBe(
      `national DanhSachHoSo ${agency()}: still not done after 5 pages (maxListPages 5): stopped`,
    );
    const records = await drain(client(`${proxy.url}/national`, { maxListRecords: 35 }), agency());
    expect((records as Error).message).toBe(
      `national DanhSachHoSo ${agency()}: more than 35 records (maxListRecords): stopped`,
    );
  });

  it('an ordinary list still ends by itself', async () => {
    const n = await drain(client(sim.nationalUrl), agency());
    expect(typeof n === 'number' && n > 0).toBe(true);
  });
});

describe('item-level containment', () => {
  /** The first page of a pull, with three hostile items before its own. */
  const hostileFirstPage: Alter = (req, reply) => {
    if (service(req) !== 'LayDanhSachHoSo' || req.body?.trang !== 1 || req.body?.capNhatTu !== '20260901000000')
      return reply;
    const r = reply as { data: Record<string, unknown>[] };
    const at = String(r.data[0]!.NgayCapNhat);
    const base = { MaTTHC: '1.001234', DonViXuLy: '000.00.12.H49', TrangThaiHoSo: '4', NgayCapNhat: at };
    const big = { ...base, MaHoSo: 'Z-BIG', TenTTHC: 'x'.repeat(100_000) }; // 100 KB: over maxItemBytes
    const wide = {
      ...base,
      MaHoSo: 'Z-WIDE',
      TrangThaiHoSo: '77',
      TenTTHC: 'y'.repeat(20_000),
      ChuHoSo: 'Nguyễn Văn A',
    }; // 20 KB, an unknown status
    const deep = `{"MaHoSo":"Z-DEEP","MaTTHC":"1.001234","TrangThaiHoSo":"4","NgayCapNhat":"${at}","TaiLieuNop":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const text = JSON.stringify({ ...r, data: ['DEEP', big, wide, ...r.data] }).replace('"DEEP"', deep);
    return new RawText(text);
  };

  it('an item nested 10^5 deep, a 100 KB item and a 20 KB one: each quarantined with its reason and capped at 8 KB, the rest of the page applies', async () => {
    const config = await throughProxy(hostileFirstPage);
    const { counters, store, cfg } = await sync(config);
    await expectStoreMatches(store, 'H49', expectedStore(world.provinces[0]!));
    expectCountersAddUp(counters);
    expect(counters).toMatchObject({ applied: 2000, quarantined: 3 });
    expect(await store.quarantineReasons('H49', cfg.id)).toEqual({
      'item: nested deeper than 32 levels (maxItemDepth)': 1,
      'item: larger than 65536 characters of JSON (maxItemBytes)': 1,
      'TrangThaiHoSo: unknown status "77"': 1,
    });
    const entries = await store.quarantineEntries('H49', cfg.id);
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      expect(e.truncated).toBe(true);
      expect(typeof e.raw === 'string' && e.raw.length).toBe(8 * 1024);
      expect(e.raw as string).not.toContain('Nguyễn'); // personal fields redacted before the cut
    }
    expect(entries.map((e) => /"MaHoSo":"(Z-\w+)"/.exec(e.raw as string)?.[1]).sort()).toEqual([
      'Z-BIG',
      'Z-DEEP',
      'Z-WIDE',
    ]);

    // the status mapped since: a truncated item cannot be read again, so it stays with its reason
    const mapped = createSource({ ...cfg, statusMap: { '77': 4 } }, { now: () => world.now });
    const again = await reprocessQuarantine(mapped, store, cfg);
    expect(again).toEqual({
      examined: 3,
      released: 0,
      applied: 0,
      unchanged: 0,
      still: await store.quarantineReasons('H49', cfg.id),
    });
  });

  it('the dry run counts the same hostile page as the sync does, reasons included', async () => {
    const config = await throughProxy(hostileFirstPage);
    const cfg = config.sources[0]!;
    const preview = await previewSync(
      createSource(cfg, { now: () => world.now }),
      { from: parseDay('2026-09-01')!, to: world.now },
      // an empty store; the bound as the sync's (now + the default 24 h of skew)
      { versions: async () => new Map(), latestVersion: () => Math.floor((world.now + 24 * 3_600_000) / 1000) },
    );
    expect(preview).toMatchObject({ applied: 2000, quarantined: 3, pulled: 2003 });
    expect(preview.reasons).toEqual({
      'item: nested deeper than 32 levels (maxItemDepth)': 1,
      'item: larger than 65536 characters of JSON (maxItemBytes)': 1,
      'TrangThaiHoSo: unknown status "77"': 1,
    });
  });
});
