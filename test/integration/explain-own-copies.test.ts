/**
 * The explanation pass, against the simulators over HTTP and a private Redis, for a code the
 * portal lists under another agency than the stored dossier's while that agency's own list is
 * not read (docs/domain.md, Duplicates on the portal): under two agencies (the simulator's
 * `two_agencies` form), only the second examined, it is a duplicate_national with two copies,
 * for one list request per (agency, day) of receipt, never per code (the simulator's own
 * request counters say so); a dossier moved to another agency is not one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Mismatch, ProvinceReport } from '../../schemas/report.js';
import { runNightly } from '../../src/queue/nightly.js';
import { credentials } from '../../src/config/load.js';
import { NationalClient } from '../../src/national/client.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { HttpClient } from '../../src/http/client.js';
import { rootAgency } from '../../src/domain/codes.js';
import { vnDayNumber } from '../../src/domain/time.js';
import { hasMetric, metricsOf } from '../../src/reconcile/counting.js';
import { explainProvince } from '../../src/reconcile/gather.js';
import { makePeriod } from '../../src/domain/period.js';
import { startSimulator, type NationalLoadRow } from '../../src/sim/dvcqg-server.js';
import { NO_INJECT, generateWorld, sortByUpdated, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const NONE = NO_INJECT;
const ROOT = rootAgency('H49');
const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c.close();
});

interface Night {
  province: ProvinceReport;
  load: () => NationalLoadRow[];
  rt: Runtime;
}

async function night(world: World): Promise<Night> {
  const sim = await startSimulator(world);
  closers.push(sim);
  // staleAfterDays 0: no staleness check, so every national request below is the reconciliation's
  const rt = simRuntime(simConfig(sim, world, redis, { national: { staleAfterDays: 0 } }), world);
  closers.push(rt);
  rt.startWorker();
  const report = await runNightly(rt, {
    period: { from: world.period.from, to: world.period.to },
    windowTo: world.now,
  });
  expect(await rt.queue.getFailed()).toEqual([]);
  return { province: report.provinces[0]!, load: () => sim.nationalLoad(), rt };
}

/** The explanation pass alone, over what the night stored, for the mismatches given. */
async function explainAgain(rt: Runtime, world: World, mismatches: Mismatch[]) {
  const n = rt.config.national;
  const national = new NationalClient(
    n,
    new HttpClient({ name: 'national', timeoutMs: n.timeoutMs }),
    credentials(n.usernameEnv, n.passwordEnv),
  );
  const deps = {
    store: rt.store,
    national,
    rules: rt.config.counting,
    lookbackDays: n.lookbackDays,
    recordBudget: Infinity,
  };
  const out = await explainProvince(deps, 'H49', makePeriod(world.period.from, world.period.to), mismatches);
  return { out, load: national.load };
}

const lists = (load: NationalLoadRow[]) => load.filter((r) => r.service === 'DanhSachHoSo');
const day = (d: CanonicalDossier) => vnDayNumber(d.receivedAt!);
const counted = (world: World, d: CanonicalDossier) => hasMetric(metricsOf(d, world.period), 'received');

describe('explanation pass: a code listed under another agency than the stored one', () => {
  it('under two agencies, only the second examined: duplicate_national with two copies, one list request per (agency, day)', async () => {
    const world = generateWorld({
      seed: 7,
      month: '2026-10',
      provinces: ['H49'],
      dossiersPerProvince: 3000,
      inject: { ...NONE, duplicateTwoAgencies: 3 },
    });
    const w = world.provinces[0]!;
    const own = (code: string) => w.local.find((d) => d.code === code)!;
    // one copy more, of a dossier received the same day at the same agency as an injected one:
    // two codes share that (agency, day)
    const first = world.truth.find((t) => own(t.dossierCode).agency !== ROOT)!;
    const model = own(first.dossierCode);
    const twin = w.local.find(
      (d) =>
        d.agency === model.agency &&
        d.code !== model.code &&
        day(d) === day(model) &&
        counted(world, d) &&
        !world.truth.some((t) => t.dossierCode === d.code),
    )!;
    expect(twin).toBeDefined();
    w.national.push({ ...twin, agency: first.agency });
    sortByUpdated(w.national);
    const copies = [
      ...world.truth.map((t) => ({ code: t.dossierCode, other: t.agency })),
      { code: twin.code, other: first.agency },
    ];

    const { province: p, load } = await night(world);
    const examined = new Set(p.mismatches.map((m) => m.agency));
    // only the second agencies differ: the stored dossiers' own agencies are read only for them
    expect(examined).toEqual(new Set(copies.map((c) => c.other)));
    const kinds = Object.fromEntries(p.findings.map((f) => [f.dossierCode, f.kind]));
    expect(kinds).toEqual(Object.fromEntries(copies.map((c) => [c.code, 'duplicate_national'])));
    for (const c of copies)
      expect(p.findings.find((f) => f.dossierCode === c.code)).toMatchObject({
        agency: c.other,
        evidence: { copies: 2 },
      });
    for (const m of p.mismatches) expect(m.residual).toBe(0);

    // one request per (agency, day) of the codes whose own agency is not examined, each a
    // day's list (the root's: the whole province's); the examined ones' lists as before
    const asked = new Map<string, Set<number>>();
    for (const c of copies) {
      const d = own(c.code);
      if (!examined.has(d.agency)) (asked.get(d.agency) ?? asked.set(d.agency, new Set()).get(d.agency)!).add(day(d));
    }
    // one code is the root's own (seed 7): the root's list, the whole province's, shows both copies
    expect(asked.has(ROOT)).toBe(true);
    expect([...asked.values()].reduce((n, days) => n + days.size, 0)).toBeLessThan(
      copies.filter((c) => !examined.has(own(c.code).agency)).length,
    );
    const rows = lists(load());
    for (const [agency, days] of asked) {
      const listed = w.national.filter(
        (d) => (agency === ROOT || d.agency === agency) && d.receivedAt !== null && days.has(day(d)),
      ).length;
      expect(
        rows.find((r) => r.madonvi === agency),
        agency,
      ).toEqual({
        service: 'DanhSachHoSo',
        madonvi: agency,
        requests: days.size,
        records: listed,
      });
    }
    expect(new Set(rows.map((r) => r.madonvi))).toEqual(new Set([...examined, ...asked.keys()]));
    // metered as every other call
    expect(p.nationalRequests).toBe(load().reduce((n, r) => n + r.requests, 0));
  }, 120_000);

  it('a dossier moved to another agency, its own list read and not showing it, is not a duplicate', async () => {
    const world = generateWorld({
      seed: 41,
      month: '2026-10',
      provinces: ['H49'],
      dossiersPerProvince: 1500,
      inject: NONE,
    });
    const w = world.provinces[0]!;
    const [a, b] = w.agencies.filter((x) => x !== ROOT);
    const moved = w.national.find((d) => d.agency === a && counted(world, d))!;
    w.national = w.national.map((d) => (d === moved ? { ...d, agency: b! } : d));

    // both agencies differ: the first's list is read with its own mismatches
    const { province: p, rt, load } = await night(world);
    expect(new Set(p.mismatches.map((m) => m.agency))).toEqual(new Set([a, b]));
    expect(p.findings.map((f) => [f.dossierCode, f.kind])).toEqual([[moved.code, 'definition_drift']]);
    expect(p.findings[0]!.evidence.copies).toBeUndefined();
    for (const m of p.mismatches) expect(m.residual).toBe(0);
    const before = load();

    // only the second examined: the first's list of that day is read, and does not show it
    const { out, load: again } = await explainAgain(
      rt,
      world,
      p.mismatches.filter((m) => m.agency === b),
    );
    expect(out.findings.map((f) => [f.dossierCode, f.kind, f.agency])).toEqual([[moved.code, 'definition_drift', b]]);
    for (const m of out.mismatches) expect(m.residual).toBe(0);
    const requests = (rows: NationalLoadRow[], agency: string) =>
      rows.find((r) => r.service === 'DanhSachHoSo' && r.madonvi === agency)?.requests ?? 0;
    const after = load();
    // the first agency's list of one day, once; the second's whole window as in the night
    expect(requests(after, a!) - requests(before, a!)).toBe(1);
    expect(requests(after, b!) - requests(before, b!)).toBe(requests(before, b!));
    expect(new Set(lists(after).map((r) => r.madonvi))).toEqual(new Set([a, b]));
    const total = (rows: NationalLoadRow[]) => rows.reduce((n, r) => n + r.requests, 0);
    expect(again.requests).toBe(total(after) - total(before)); // metered as every other call
  }, 120_000);
});
