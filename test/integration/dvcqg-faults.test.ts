/**
 * The `dvcqg` pull side against the simulator's injected faults (docs/contracts.md, Failures the worker must survive), over
 * loopback HTTP and a real Redis: session expiry, error_code in HTTP 200, 429 with
 * Retry-After, 500/503, truncated bodies, duplicated items, malformed items, and page drift.
 *
 * The guarantee proved for drift (records updated while pages are read): when every update
 * gets an update time later than every record's so far and before the window's end (a source
 * clock that moves forward), and no page is made only of records sharing one second, a sync
 * that completes leaves every record of the window in the store with exactly the version the
 * source held when it served the sync's last page. Here drift happens before each listing
 * call is served, so that version is the simulator's `world.local` after the sync, and the
 * store must equal it. A reader walking trang=1,2,3… over a fixed window does not: a record
 * updated behind its position shifts the later pages and one record drops out between pages.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { credentials, parseConfig, type Config } from '../../src/config/load.js';
import { rootAgency } from '../../src/domain/codes.js';
import { DAY_MS, formatCompact, parseDay } from '../../src/domain/time.js';
import type { FaultOptions } from '../../src/sim/faults.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { DvcqgSource } from '../../src/sources/dvcqg.js';
import { HttpClient } from '../../src/http/client.js';
import { Store } from '../../src/store/store.js';
import { jobContext } from '../helpers/context.js';
import {
  allFaultsTogether,
  expectConsistentCounters,
  expectStoreEqualsLocal,
  httpFaultScenarios,
  retryingSync,
  type FaultHarness,
} from '../helpers/fault-harness.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const env = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };
const PROVINCE = 'H49';
const DOSSIERS = 300;
const PAGE = 50;

interface Harness extends FaultHarness {
  sim: Simulator;
  config: Config;
}

/** A fresh world and simulator per test: drift edits the world. */
async function harness(
  faults: Omit<FaultOptions, 'seed'> | null,
  opts: { seed?: number; retries?: number } = {},
): Promise<Harness> {
  const world = generateWorld({ seed: 11, month: '2026-10', provinces: [PROVINCE], dossiersPerProvince: DOSSIERS });
  const sim = await startSimulator(
    world,
    faults ? { faults: { [PROVINCE]: { seed: opts.seed ?? 7, ...faults } } } : {},
  );
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [
        {
          id: 'h49',
          province: PROVINCE,
          dialect: 'dvcqg',
          baseUrl: sim.sourceUrl(PROVINCE),
          usernameEnv: 'SIM_USER',
          passwordEnv: 'SIM_PASSWORD',
          pageSize: PAGE,
        },
      ],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    },
    'test',
    env,
  );
  const cfg = config.sources[0]!;
  if (cfg.dialect !== 'dvcqg') throw new Error('expected a dvcqg source');
  const http = new HttpClient({
    name: 'h49',
    timeoutMs: 5000,
    minDelayMs: 5,
    maxDelayMs: 20,
    ...(opts.retries === undefined ? {} : { retries: opts.retries }),
  });
  const adapter = new DvcqgSource(cfg, http, credentials('SIM_USER', 'SIM_PASSWORD', env));
  const client = redis.client();
  const store = new Store(client, config.redis.prefix);
  const ctx = jobContext(config, client, { source: adapter, now: world.now, store });
  // The window ends a day after the world's `now`, so drifted records (updated after `now`) stay in it.
  const windowTo = world.now + DAY_MS;
  return {
    world,
    sim,
    store,
    config,
    source: 'h49',
    sync: retryingSync(ctx, 'h49', windowTo),
    close: () => sim.close(),
  };
}

async function stored(store: Store): Promise<CanonicalDossier[]> {
  const out: CanonicalDossier[] = [];
  for await (const b of store.scanDossiers(PROVINCE)) out.push(...b);
  return out.sort((a, b) => (a.code < b.code ? -1 : 1));
}

const local = (world: World) => world.provinces[0]!.local.slice().sort((a, b) => (a.code < b.code ? -1 : 1));

async function expectMalformedQuarantined(h: Harness): Promise<void> {
  const malformed = h.sim.faults(PROVINCE)!.malformed;
  const entries = await h.store.quarantineEntries(PROVINCE, 'h49');
  expect(entries).toHaveLength(malformed.length);
  for (const m of malformed) {
    const hit = entries.filter((e) => {
      const raw = e.raw as Record<string, string>;
      return (
        raw.MaHoSo === m.code && raw.NgayCapNhat === m.item.NgayCapNhat && raw.TrangThaiHoSo === m.item.TrangThaiHoSo
      );
    });
    expect(hit, `${m.kind} item ${m.code}`).toHaveLength(1);
    expect(hit[0]!.reason.startsWith(`${m.field}:`), hit[0]!.reason).toBe(true);
  }
  const reasons = await h.store.quarantineReasons(PROVINCE, 'h49');
  expect(Object.values(reasons).reduce((s, n) => s + n, 0)).toBe(malformed.length);
  for (const reason of Object.keys(reasons)) expect(reason).toMatch(/^(NgayHenTra|TrangThaiHoSo|MaHoSo):/);
}

/** A reader that walks trang=1,2,3… over a fixed window: what the adapter must not do. */
async function naiveRead(h: Harness, size: number): Promise<Map<string, Record<string, string>>> {
  const base = h.sim.sourceUrl(PROVINCE);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { error_code: unknown; session?: string; data?: Record<string, string>[] };
  };
  const { session } = await post('/auth/login', SIM_CREDENTIALS);
  const seen = new Map<string, Record<string, string>>();
  const from = formatCompact(parseDay(h.config.sources[0]!.initialFrom)!);
  const to = formatCompact(h.world.now + DAY_MS);
  for (let trang = 1; ; trang++) {
    const reply = await post('/service', {
      session,
      madonvi: rootAgency(PROVINCE),
      service: 'LayDanhSachHoSo',
      capNhatTu: from,
      capNhatDen: to,
      trang,
      soLuong: size,
    });
    expect(reply.error_code).toBe(0);
    const data = reply.data ?? [];
    for (const item of data) {
      const old = seen.get(item.MaHoSo!);
      if (!old || old.NgayCapNhat! < item.NgayCapNhat!) seen.set(item.MaHoSo!, item);
    }
    if (data.length < size) return seen;
  }
}

describe('dvcqg pull under injected faults', () => {
  httpFaultScenarios(harness);

  it('without faults the simulator reports none and the sync is exact', async () => {
    const h = await harness(null);
    try {
      expect(h.sim.faults(PROVINCE)).toBeUndefined();
      const { counters, failures } = await h.sync();
      expect(failures).toBe(0);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS, applied: DOSSIERS, unchanged: 0, quarantined: 0 });
    } finally {
      await h.close();
    }
  });

  it('session expiry ("401" in HTTP 200): logs in again and repeats the call', async () => {
    const h = await harness({ sessionCalls: 2 });
    try {
      const { counters, failures } = await h.sync();
      expect(failures).toBe(0);
      expect(h.sim.faults(PROVINCE)!.sessionExpiries).toBeGreaterThanOrEqual(2);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS, applied: DOSSIERS, unchanged: 0, quarantined: 0 });
    } finally {
      await h.close();
    }
  });

  it('error_code "99" in HTTP 200: the job fails transiently and its next attempt resumes', async () => {
    const h = await harness({ busy: 0.3 });
    try {
      const { counters, failures } = await h.sync();
      const log = h.sim.faults(PROVINCE)!;
      expect(log.busy).toBeGreaterThan(0);
      expect(failures).toBe(log.busy); // each busy reply is one failed job attempt
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS, applied: DOSSIERS, unchanged: 0, quarantined: 0 });
    } finally {
      await h.close();
    }
  });

  it('malformed items (bad date, unknown status, empty MaHoSo): quarantined with the field named', async () => {
    const h = await harness({ malformed: 9 });
    try {
      const { counters } = await h.sync();
      expect(new Set(h.sim.faults(PROVINCE)!.malformed.map((m) => m.kind))).toEqual(
        new Set(['date', 'status', 'code']),
      );
      await expectStoreEqualsLocal(h);
      await expectMalformedQuarantined(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS + 9, applied: DOSSIERS, unchanged: 0, quarantined: 9 });
    } finally {
      await h.close();
    }
  });

  it('page drift: every record ends with the version the source held at the last page', async () => {
    const h = await harness({ drift: { perCall: 4 } });
    const before = new Map(h.world.provinces[0]!.local.map((d) => [d.code, d.updatedAt]));
    try {
      const { counters, failures } = await h.sync();
      expect(failures).toBe(0);
      const drift = h.sim.faults(PROVINCE)!.drift;
      expect(drift.length).toBeGreaterThan(10);
      expect(drift.some((e) => e.fromStatus !== e.toStatus)).toBe(true); // statuses advanced too
      await expectStoreEqualsLocal(h);
      for (const d of await stored(h.store)) expect(d.updatedAt).toBeGreaterThanOrEqual(before.get(d.code)!);
      for (const e of drift)
        expect((await h.store.getDossiers(PROVINCE, [e.code])).get(e.code)!.updatedAt).toBeGreaterThanOrEqual(
          e.toUpdatedAt,
        );
      await expectConsistentCounters(h, counters);
      expect(counters.quarantined).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('page drift: a reader walking page numbers over a fixed window loses records; the adapter does not', async () => {
    const naive = await harness({ drift: { perCall: 4 } });
    try {
      const seen = await naiveRead(naive, PAGE);
      const final = local(naive.world);
      const missing = final.filter((d) => !seen.has(d.code));
      const stale = final.filter((d) => seen.get(d.code)?.NgayCapNhat !== formatCompact(d.updatedAt));
      expect(naive.sim.faults(PROVINCE)!.drift.length).toBeGreaterThan(0);
      expect(missing.length).toBeGreaterThan(0); // never seen at all, though in the window throughout
      expect(stale.length).toBeGreaterThanOrEqual(missing.length);
    } finally {
      await naive.close();
    }
    // the same world, simulator and drift (same seed), read by the adapter
    const real = await harness({ drift: { perCall: 4 } });
    try {
      await real.sync();
      await expectStoreEqualsLocal(real);
    } finally {
      await real.close();
    }
  });

  const ALL: Omit<FaultOptions, 'seed'> = {
    sessionCalls: 3,
    busy: 0.1,
    tooMany: 0.08,
    serverError: 0.1,
    truncated: 0.1,
    duplicates: 0.3,
    malformed: 6,
    drift: { perCall: 3 },
  };

  allFaultsTogether(harness, ALL, expectMalformedQuarantined);
});
