/**
 * The `rest` pull side against the rest simulator's injected faults (docs/contracts.md, Failures the worker must survive), over
 * loopback HTTP and a real Redis, through the sync job handler: tokens revoked after K calls
 * (HTTP 401), HTTP 429 with Retry-After, 500/503, truncated bodies, duplicated items across
 * pages, malformed items (dueAt not an ISO date, unknown vendor status, bad agencyCode), and
 * records updated while pages are read. The rest simulator serves the same `World` as the
 * dvcqg one, and drift edits its `local`: after a sync the store must equal it.
 *
 * Keyset paging needs no condition on page contents for drift (unlike page numbers, see
 * dvcqg-faults.test.ts): a record updated behind the cursor gets a later update time, moves
 * past the cursor and is served again in its new version; nothing shifts.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { normaliseRest, statusMapOf } from '../../src/dialects/rest/normalise.js';
import { DAY_MS } from '../../src/domain/time.js';
import type { FaultOptions } from '../../src/sim/faults.js';
import { checkQuarantine } from '../../src/sim/faults/quarantine-check.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator, type RestSimulator } from '../../src/sim/rest-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { HttpClient } from '../../src/http/client.js';
import { RestSource } from '../../src/sources/rest.js';
import type { Store } from '../../src/store/store.js';
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
const PROVINCE = 'H49';
const SOURCE = 'h49-rest';
const DOSSIERS = 300;
const PAGE = 50;
const STATUS_MAP = statusMapOf(DEFAULT_REST_STATUS_NAMES);

interface Harness extends FaultHarness {
  sim: RestSimulator;
  adapter: RestSource;
  config: Config;
}

/** A fresh world and simulator per test: drift edits the world. */
async function harness(
  faults: Omit<FaultOptions, 'seed'> | null,
  opts: { seed?: number; retries?: number } = {},
): Promise<Harness> {
  const world = generateWorld({ seed: 11, month: '2026-10', provinces: [PROVINCE], dossiersPerProvince: DOSSIERS });
  const sim = await startRestSimulator(
    world,
    faults ? { faults: { [PROVINCE]: { seed: opts.seed ?? 7, ...faults } } } : {},
  );
  const env = { REST_ID: sim.clientId, REST_SECRET: sim.clientSecret };
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [
        {
          id: SOURCE,
          province: PROVINCE,
          dialect: 'rest',
          baseUrl: sim.baseUrl(PROVINCE),
          tokenUrl: sim.tokenUrl,
          clientIdEnv: 'REST_ID',
          clientSecretEnv: 'REST_SECRET',
          statusMap: STATUS_MAP,
          pageSize: PAGE,
        },
      ],
      national: { baseUrl: 'http://127.0.0.1:9', usernameEnv: 'REST_ID', passwordEnv: 'REST_SECRET' },
    },
    'test',
    env,
  );
  const cfg = config.sources[0]!;
  if (cfg.dialect !== 'rest') throw new Error('expected a rest source');
  const http = new HttpClient({
    name: SOURCE,
    timeoutMs: 5000,
    minDelayMs: 5,
    maxDelayMs: 20,
    ...(opts.retries === undefined ? {} : { retries: opts.retries }),
  });
  const adapter = new RestSource(cfg, http, { clientId: env.REST_ID, clientSecret: env.REST_SECRET });
  const ctx = jobContext(config, redis.client(), { source: adapter, now: world.now });
  const store = ctx.store;
  // The window ends a day after the world's `now`, so drifted records (updated after `now`) stay in it.
  const windowTo = world.now + DAY_MS;
  return {
    world,
    sim,
    adapter,
    store,
    config,
    source: SOURCE,
    sync: retryingSync(ctx, SOURCE, windowTo),
    close: () => sim.close(),
  };
}

const byCode = (a: CanonicalDossier, b: CanonicalDossier) => (a.code < b.code ? -1 : 1);

async function stored(store: Store): Promise<CanonicalDossier[]> {
  const out: CanonicalDossier[] = [];
  for await (const b of store.scanDossiers(PROVINCE)) out.push(...b);
  return out.sort(byCode);
}

async function expectMalformedQuarantined(h: Harness): Promise<void> {
  const malformed = h.sim.faults(PROVINCE)!.malformed;
  const entries = await h.store.quarantineEntries(PROVINCE, SOURCE);
  expect(entries).toHaveLength(malformed.length);
  for (const m of malformed) {
    const hit = entries.filter((e) => {
      const raw = e.raw as Record<string, unknown>;
      return raw.code === m.code && raw.updatedAt === m.item.updatedAt;
    });
    expect(hit, `${m.kind} item ${m.code}`).toHaveLength(1);
    expect(hit[0]!.raw).toEqual(m.item);
    expect(hit[0]!.reason.startsWith(`${m.field}:`), hit[0]!.reason).toBe(true);
  }
  // the demo's check says the same
  expect(checkQuarantine(malformed, entries)).toEqual({
    injected: malformed.length,
    quarantined: malformed.length,
    missing: [],
    wrongReason: [],
  });
  const reasons = await h.store.quarantineReasons(PROVINCE, SOURCE);
  expect(Object.values(reasons).reduce((s, n) => s + n, 0)).toBe(malformed.length);
  for (const reason of Object.keys(reasons)) expect(reason).toMatch(/^(dueAt|status|agencyCode):/);
}

describe('rest pull under injected faults', () => {
  httpFaultScenarios(harness);

  it('without faults the simulator reports none and the sync is exact', async () => {
    const h = await harness(null);
    try {
      expect(h.sim.faults(PROVINCE)).toBeUndefined();
      const { counters, failures } = await h.sync();
      expect(failures).toBe(0);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS, applied: DOSSIERS, unchanged: 0, quarantined: 0 });
      expect(h.adapter.tokens).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('refuses faults for a province the world does not have', async () => {
    const world = generateWorld({ seed: 11, month: '2026-10', provinces: [PROVINCE], dossiersPerProvince: 100 });
    await expect(startRestSimulator(world, { faults: { H01: { seed: 1 } } })).rejects.toThrow(/unknown province H01/);
    await expect(startRestSimulator(world, { faults: { [PROVINCE]: { seed: 1, tooMany: 2 } } })).rejects.toThrow(
      /tooMany/,
    );
  });

  it('the wire: 429 with Retry-After, 500/503, a body cut in half, 401 for a revoked token', async () => {
    const world = generateWorld({ seed: 11, month: '2026-10', provinces: [PROVINCE, 'H56'], dossiersPerProvince: 100 });
    const sims = await Promise.all([
      startRestSimulator(world, { faults: { [PROVINCE]: { seed: 1, tooMany: 1 } } }),
      startRestSimulator(world, { faults: { [PROVINCE]: { seed: 1, serverError: 1 } } }),
      startRestSimulator(world, { faults: { [PROVINCE]: { seed: 1, truncated: 1, sessionCalls: 1 } } }),
    ]);
    try {
      const call = async (s: RestSimulator, province = PROVINCE, token?: string) => {
        if (token === undefined) {
          const t = await fetch(s.tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: s.clientId,
              client_secret: s.clientSecret,
            }),
          });
          expect(t.status).toBe(200); // the token endpoint is no province's: no faults
          token = ((await t.json()) as { access_token: string }).access_token;
        }
        const res = await fetch(`${s.baseUrl(province)}/dossiers?limit=5`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return { res, text: await res.text(), token };
      };
      const [tooMany, server, cut] = sims as [RestSimulator, RestSimulator, RestSimulator];
      const a = await call(tooMany);
      expect(a.res.status).toBe(429);
      expect(['0', '1']).toContain(a.res.headers.get('retry-after'));
      expect((await call(tooMany, 'H56')).res.status).toBe(200); // other provinces: no faults
      expect([500, 503]).toContain((await call(server)).res.status);
      const b = await call(cut);
      expect(b.res.status).toBe(200);
      expect(() => JSON.parse(b.text)).toThrow();
      const again = await call(cut, PROVINCE, b.token); // the token's second call: revoked
      expect(again.res.status).toBe(401);
      expect(again.res.headers.get('www-authenticate')).toContain('invalid_token');
      expect((await call(cut, PROVINCE, b.token)).res.status).toBe(401); // and it stays revoked
      expect(tooMany.faults(PROVINCE)!.tooMany).toBe(1);
      expect(server.faults(PROVINCE)!.serverError).toBe(1);
      expect(cut.faults(PROVINCE)).toMatchObject({ truncated: 1, sessionExpiries: 1 });
    } finally {
      await Promise.all(sims.map((s) => s.close()));
    }
  });

  it('tokens revoked after K calls (HTTP 401): the adapter fetches a new token and repeats the call', async () => {
    const h = await harness({ sessionCalls: 2 });
    try {
      const { counters, failures } = await h.sync();
      expect(failures).toBe(0);
      const log = h.sim.faults(PROVINCE)!;
      expect(log.sessionExpiries).toBeGreaterThanOrEqual(2);
      expect(h.adapter.tokens).toBe(log.sessionExpiries + 1);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS, applied: DOSSIERS, unchanged: 0, quarantined: 0 });
    } finally {
      await h.close();
    }
  });

  it('malformed items (dueAt not ISO, unknown vendor status, bad agencyCode): quarantined with the field named', async () => {
    const h = await harness({ malformed: 9 });
    try {
      const malformed = h.sim.faults(PROVINCE)!.malformed;
      expect(new Set(malformed.map((m) => m.kind))).toEqual(new Set(['date', 'status', 'agency']));
      expect(new Set(malformed.map((m) => m.field))).toEqual(new Set(['dueAt', 'status', 'agencyCode']));
      for (const m of malformed) {
        // each is broken in exactly its field: the normaliser names it
        const n = normaliseRest(m.item, { statusMap: STATUS_MAP });
        expect(n.ok).toBe(false);
        if (!n.ok) expect(n.reason.startsWith(`${m.field}:`), n.reason).toBe(true);
      }
      const { counters } = await h.sync();
      await expectStoreEqualsLocal(h);
      await expectMalformedQuarantined(h);
      expect(counters).toMatchObject({ pulled: DOSSIERS + 9, applied: DOSSIERS, unchanged: 0, quarantined: 9 });
    } finally {
      await h.close();
    }
  });

  it('records updated while pages are read: keyset paging loses none and ends with every final version', async () => {
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
      await expectConsistentCounters(h, counters);
      // a record updated after it was read is read again in its new version; none is missed
      expect(counters).toMatchObject({ unchanged: 0, quarantined: 0 });
      expect(counters.applied).toBeGreaterThan(DOSSIERS);
      expect(counters.applied).toBeLessThanOrEqual(DOSSIERS + drift.length);
    } finally {
      await h.close();
    }
  });

  it('drift with `national`: the national copy follows each update, injected discrepancies are left alone', async () => {
    const h = await harness({ drift: { perCall: 6, national: true } });
    const p = h.world.provinces[0]!;
    const injected = new Set(h.world.truth.map((t) => t.dossierCode));
    const nationalBefore = new Map(p.national.map((d) => [d.code, d]));
    try {
      await h.sync();
      const drift = h.sim.faults(PROVINCE)!.drift;
      expect(drift.length).toBeGreaterThan(10);
      await expectStoreEqualsLocal(h);
      const nat = new Map(p.national.map((d) => [d.code, d]));
      const loc = new Map(p.local.map((d) => [d.code, d]));
      expect(nat.size).toBe(nationalBefore.size);
      for (const e of drift) {
        expect(injected.has(e.code)).toBe(false);
        expect(nat.get(e.code)).toBe(loc.get(e.code)); // the same object on both sides
      }
      for (const code of injected) if (nationalBefore.has(code)) expect(nat.get(code)).toBe(nationalBefore.get(code));
      for (let i = 1; i < p.national.length; i++) {
        const [a, b] = [p.national[i - 1]!, p.national[i]!];
        expect(a.updatedAt < b.updatedAt || (a.updatedAt === b.updatedAt && a.code < b.code)).toBe(true);
      }
    } finally {
      await h.close();
    }
  });

  const ALL: Omit<FaultOptions, 'seed'> = {
    sessionCalls: 3,
    tooMany: 0.08,
    serverError: 0.1,
    truncated: 0.1,
    duplicates: 0.3,
    malformed: 6,
    drift: { perCall: 3 },
  };

  allFaultsTogether(harness, ALL, expectMalformedQuarantined);
});
