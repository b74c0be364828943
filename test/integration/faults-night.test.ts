/**
 * A whole night through the queue (worker, flow, reconcile, explanation) with every source
 * failing at rate: 10% HTTP 5xx, 429 with Retry-After, requests never answered (the client's
 * timeout fires), slow replies, truncated bodies, sessions expiring, duplicated items, page
 * drift and malformed items. Every run completes, the store equals the simulator's ground
 * truth, the counters add up, the injected discrepancies are found, and the report shows the
 * HTTP retries each source needed.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/format.js';
import { runNightly } from '../../src/queue/nightly.js';
import { parseConfig } from '../../src/config/load.js';
import { DAY_MS } from '../../src/domain/time.js';
import { provinceLabel } from '../../src/normalise/units.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import type { FaultOptions } from '../../src/sim/faults.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { expectCountersAddUp, expectStoreMatches } from '../helpers/invariant.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const PROVINCES = ['H49', 'H56'];
const VOLUME = 1000;
const world = generateWorld({ seed: 23, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: VOLUME });
const skip = world.truth.flatMap((t) => [t.dossierCode, ...(t.related ? [t.related] : [])]);
const AT_RATE: Omit<FaultOptions, 'seed'> = {
  serverError: 0.1,
  tooMany: 0.08,
  timeout: 0.03,
  slow: 0.1,
  slowMs: 150,
  truncated: 0.05,
  sessionCalls: 5,
  duplicates: 0.2,
  malformed: 4,
  // updates reach the national copy too, and spare the injected discrepancies: the ground truth stays as it is
  drift: { perCall: 2, limit: 30, national: true, skip },
};
let sim: Simulator;
let rt: Runtime;

beforeAll(async () => {
  sim = await startSimulator(world, { faults: { H49: { seed: 5, ...AT_RATE }, H56: { seed: 6, ...AT_RATE } } });
  const env = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };
  const config = parseConfig(
    {
      redis: { url: redis.url, prefix: redis.prefix() },
      sources: PROVINCES.map((p) => ({
        id: p.toLowerCase(),
        province: p,
        dialect: 'dvcqg',
        baseUrl: sim.sourceUrl(p),
        usernameEnv: 'SIM_USER',
        passwordEnv: 'SIM_PASSWORD',
        initialFrom: '2026-09-01',
        procedureMap: world.procedureMap,
        pageSize: 20,
        timeoutMs: 500,
      })),
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      worker: { concurrency: 4, attempts: 5, backoffMs: 10 },
    },
    'test',
    env,
  );
  Object.assign(process.env, env);
  rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now) });
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  await sim.close();
});

describe('a night with every source failing at rate', () => {
  it('completes with the store equal to the ground truth, and the report shows the retries', async () => {
    // The window ends a day after `now`, so that drifted records (updated after `now`) stay in it.
    const report = await runNightly(
      rt,
      { runId: 'at-rate', period: { from: world.period.from, to: world.period.to }, windowTo: world.now + DAY_MS },
      120_000,
    );
    for (const [i, p] of PROVINCES.entries()) {
      const province = report.provinces.find((x) => x.province === p)!;
      expect(province.coverage, p).toEqual({ status: 'complete', why: null });
      const log = sim.faults(p)!;
      // Every kind of fault happened.
      for (const k of [
        'serverError',
        'tooMany',
        'timeouts',
        'slow',
        'truncated',
        'sessionExpiries',
        'duplicates',
      ] as const)
        expect(log[k], `${p} ${k}`).toBeGreaterThan(0);
      expect(log.drift.length).toBeGreaterThan(0);

      const s = province.sources[0]!;
      expectCountersAddUp(s);
      expect(s.quarantined).toBe(log.malformed.length);
      expect(s.applied).toBeGreaterThanOrEqual(VOLUME);
      // Each 5xx, 429, unanswered request and truncated body was retried by the HTTP client, and the report says so
      // (the province's own statistics, fetched after the sync, may have had faults of their own).
      expect(s.retries).toBeGreaterThan(0);
      expect(s.retries).toBeLessThanOrEqual(log.serverError + log.tooMany + log.timeouts + log.truncated);
      await expectStoreMatches(rt.store, p, expectedStore(world.provinces[i]!));
    }
    const truth = world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort();
    expect(report.provinces.flatMap((p) => p.findings.map((f) => `${f.dossierCode} ${f.kind}`)).sort()).toEqual(truth);

    const table = formatReport(report, 'table', 'en');
    const retries = report.provinces.map((p) => p.sources[0]!.retries);
    expect(table).toMatch(/HTTP RETRIES/);
    for (const [i, p] of PROVINCES.entries())
      expect(table).toMatch(new RegExp(`^${provinceLabel(p)}\\s+complete\\s.*\\s${retries[i]}$`, 'm'));
  });
});
