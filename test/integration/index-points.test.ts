/**
 * The national service index in a reconciliation night, against the simulators over HTTP and a
 * private Redis: both sides' tallies agree with the world's own dossiers, the points at stake
 * name the injected causes, and the index costs the portal no request (the simulator's own
 * counters, with the index on and off).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { indexConfig } from '../../schemas/index-points.js';
import { runNightly } from '../../src/queue/nightly.js';
import { DEFAULT_RULES } from '../../src/reconcile/counting.js';
import { indicatorsOf, tallyOf } from '../../src/reconcile/index-points.js';
import { startSimulator } from '../../src/sim/dvcqg-server.js';
import { NO_INJECT, generateWorld, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const NONE = NO_INJECT;
const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c.close();
});

const world = () =>
  generateWorld({
    seed: 17,
    month: '2026-10',
    provinces: ['H49'],
    dossiersPerProvince: 1500,
    inject: { ...NONE, notSynced: 4, statusLag: 3 },
  });

async function night(w: World, extra: Record<string, unknown> = {}) {
  const sim = await startSimulator(w);
  closers.push(sim);
  const rt = simRuntime(simConfig(sim, w, redis, { national: { staleAfterDays: 0 }, extra }), w);
  closers.push(rt);
  rt.startWorker();
  const report = await runNightly(rt, { period: { from: w.period.from, to: w.period.to }, windowTo: w.now });
  expect(await rt.queue.getFailed()).toEqual([]);
  return {
    province: report.provinces[0]!,
    load: sim.nationalLoad().sort((a, b) => `${a.service}${a.madonvi}`.localeCompare(`${b.service}${b.madonvi}`)),
  };
}

describe('the service index of a night', () => {
  it("both sides from the night's own figures, the points at stake per injected cause, and not one national request more", async () => {
    const w = world();
    const { province: p, load } = await night(w);
    const { province: off, load: loadOff } = await night(world(), { index: { enabled: false } });

    // the index adds no national request: the same services, agencies, requests and records
    expect(load).toEqual(loadOff);
    expect(off.index).toBeUndefined();

    const index = p.index!;
    expect(index.estimate).toBe(true);
    const { province: prov, period } = { province: w.provinces[0]!, period: w.period };
    // the store's side is the province's dossiers; the portal's is its dossiers (its `waiting`
    // is the store's moved by the findings: no statistic gives it)
    expect(index.tallies.local).toEqual(tallyOf(prov.local, period, DEFAULT_RULES));
    const national = tallyOf(prov.national, period, DEFAULT_RULES);
    expect({ ...index.tallies.national, waiting: national.waiting }).toEqual(national);
    expect(index.tallies.expected).toBe(index.tallies.local.received);

    // the causes, with the injected numbers of dossiers, most points first
    const causes = Object.fromEntries(index.byCause.map((s) => [s.cause, s.dossiers]));
    expect(causes).toEqual({ missing_national: 4, status_lag: 3 });
    const missing = index.byCause.find((s) => s.cause === 'missing_national')!;
    // 1.4 by hand: the portal holds the province's received less the unsynced ones received in the period
    const cfg = indexConfig.parse(undefined);
    const before = indicatorsOf(index.tallies.national, index.tallies.expected, cfg)['1.4'].points;
    const after = indicatorsOf(index.tallies.local, index.tallies.expected, cfg)['1.4'].points;
    expect(missing.indicators.find((i) => i.id === '1.4')?.points ?? 0).toBeCloseTo(after - before, 6);
    expect(index.byCause.map((s) => s.points)).toEqual([...index.byCause.map((s) => s.points)].sort((a, b) => b - a));
    expect(index.total.national).toBeLessThanOrEqual(index.total.local);
  }, 120_000);
});
