/**
 * The national load of the explanation pass, against the simulators over HTTP and a private
 * Redis: many mismatched keys of one agency read that agency's national list once (the
 * simulator's own request counters say so) and fetch at most 1.5 times its national dossiers;
 * past `national.maxRecordsPerRun` the keys are reported unexplained with why; an agency the
 * portal does not know leaves its keys unexplained and the others explained; the store read
 * beside the national lists, or in the store thread (with list pages read there too), gives the
 * same explanation as the store read first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import type { ProvinceReport } from '../../schemas/report.js';
import type { JobContext } from '../../src/queue/context.js';
import { explainProvinceJob } from '../../jobs/explain-province.js';
import { runNightly } from '../../src/queue/nightly.js';
import { credentials } from '../../src/config/load.js';
import { NationalClient } from '../../src/national/client.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { HttpClient } from '../../src/http/client.js';
import { rootAgency } from '../../src/domain/codes.js';
import { DAY_MS } from '../../src/domain/time.js';
import { hasMetric, metricsOf } from '../../src/reconcile/counting.js';
import { explainProvince } from '../../src/reconcile/gather.js';
import { StoreThread } from '../../src/reconcile/store-thread.js';
import { makePeriod } from '../../src/domain/period.js';
import type { Store } from '../../src/store/store.js';
import { startSimulator, type NationalLoadRow, type Simulator } from '../../src/sim/dvcqg-server.js';
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

interface Injected {
  world: World;
  agency: string;
  /** code → the kind a finding must give it */
  truth: Map<string, string>;
}

/**
 * A province without injected discrepancies, then, at one non-root agency, dossiers received
 * in the period removed from the portal and finished ones the portal still shows in progress:
 * many keys (per metric, per procedure) of that agency differ, no other agency's.
 */
function oneAgencyWorld(dossiers: number, each = 6): Injected {
  const world = generateWorld({
    seed: 41,
    month: '2026-10',
    provinces: ['H49'],
    dossiersPerProvince: dossiers,
    inject: NONE,
  });
  const w = world.provinces[0]!;
  const p = world.period;
  const agency = w.agencies.find((a) => a !== ROOT)!;
  const counted = w.national.filter((d) => d.agency === agency && hasMetric(metricsOf(d, p), 'received'));
  const finished = counted.filter((d) => d.status === STATUS.RETURNED && d.finishedAt! < p.end);
  // spread over procedures, so that many per-procedure keys differ
  const byProcedure = (list: CanonicalDossier[]) => [...new Map(list.map((d) => [d.procedure, d])).values()];
  const missing = byProcedure(counted).slice(0, each);
  const lagging = byProcedure(finished.filter((d) => !missing.includes(d))).slice(0, each);
  const truth = new Map<string, string>([
    ...missing.map((d) => [d.code, 'missing_national'] as const),
    ...lagging.map((d) => [d.code, 'status_lag'] as const),
  ]);
  const lag = new Set(lagging);
  // copies, never the objects the provincial side shares
  w.national = w.national
    .filter((d) => !missing.includes(d))
    .map((d) =>
      lag.has(d)
        ? { ...d, status: STATUS.IN_PROGRESS, finishedAt: null, returnedAt: null, updatedAt: d.updatedAt - 3_600_000 }
        : d,
    );
  return { world, agency, truth };
}

interface Night {
  province: ProvinceReport;
  load: NationalLoadRow[];
  rt: Runtime;
  runId: string;
}

async function night(world: World, national: Record<string, unknown> = {}): Promise<Night> {
  const sim: Simulator = await startSimulator(world);
  closers.push(sim);
  // staleAfterDays 0: no staleness check, so every national request below is the reconciliation's
  const rt = simRuntime(simConfig(sim, world, redis, { national: { staleAfterDays: 0, ...national } }), world);
  closers.push(rt);
  rt.startWorker();
  const report = await runNightly(rt, {
    period: { from: world.period.from, to: world.period.to },
    windowTo: world.now,
  });
  expect(await rt.queue.getFailed()).toEqual([]);
  return { province: report.provinces[0]!, load: sim.nationalLoad(), rt, runId: report.runId };
}

const rows = (load: NationalLoadRow[], service: string) => load.filter((r) => r.service === service);
const sum = (list: NationalLoadRow[], f: 'requests' | 'records') => list.reduce((n, r) => n + r[f], 0);

/** The national dossiers of `agency` the explanation's list covers: received in the period or the lookback (366 days), a day either side. */
function inWindow(world: World, agency: string): number {
  const start = world.period.start - 367 * DAY_MS;
  const end = world.period.end + DAY_MS;
  return world.provinces[0]!.national.filter(
    (d) => d.agency === agency && d.receivedAt !== null && d.receivedAt >= start && d.receivedAt < end,
  ).length;
}

describe('explanation pass: national load', () => {
  it('many keys of one agency: its list read once, look-ups in one call, records ≤ 1.5 × its national dossiers', async () => {
    const { world, agency, truth } = oneAgencyWorld(3000);
    const { province: p, load } = await night(world);
    expect(p.coverage.status).toBe('complete');
    expect(new Set(p.mismatches.map((m) => m.agency))).toEqual(new Set([agency]));
    expect(p.mismatches.filter((m) => m.procedure !== null).length).toBeGreaterThan(20);

    // every key explained by exactly the injected dossiers
    expect(Object.fromEntries(p.findings.map((f) => [f.dossierCode, f.kind]))).toEqual(Object.fromEntries(truth));
    for (const m of p.mismatches) expect(m.residual).toBe(0);

    // the simulator's counters: one listing of that agency (a page per 1,000), no other list
    const listed = inWindow(world, agency);
    const lists = rows(load, 'DanhSachHoSo');
    expect(lists.map((r) => r.madonvi)).toEqual([agency]);
    expect(lists[0]!.requests).toBe(Math.floor(listed / 1000) + 1);
    expect(lists[0]!.records).toBe(listed);
    // the dossiers missing nationally, looked up once each, in one call
    const lookups = rows(load, 'TraCuuHoSo');
    expect(sum(lookups, 'requests')).toBe(1);
    expect(sum(lookups, 'records')).toBe(0);
    expect(rows(load, 'ThongKeHoSo').map((r) => [r.madonvi, r.requests])).toEqual([[ROOT, 1]]);

    // the report's own counters agree with the simulator's, and the target holds
    expect(p.nationalRequests).toBe(sum(load, 'requests'));
    expect(p.nationalRecords).toBe(sum(lists, 'records') + sum(lookups, 'records'));
    expect(p.nationalRecords).toBeLessThanOrEqual(1.5 * listed);
  }, 120_000);

  it('the pass run again (a retry after a crash) replaces its findings: nothing twice, only the load grows', async () => {
    const { world } = oneAgencyWorld(1500);
    const { province: before, rt, runId } = await night(world);
    const n = rt.config.national;
    const national = new NationalClient(
      n,
      new HttpClient({ name: 'national', timeoutMs: n.timeoutMs }),
      credentials(n.usernameEnv, n.passwordEnv),
    );
    const ctx = {
      config: rt.config,
      store: rt.store,
      runs: rt.runs,
      logger: rt.logger,
      national: () => national,
    } as unknown as JobContext;
    await explainProvinceJob.handler(
      { runId, province: 'H49', period: { from: world.period.from, to: world.period.to } },
      ctx,
    );
    const after = (await rt.runs.report(runId))!.provinces[0]!;
    expect(after.findings).toEqual(before.findings);
    expect(after.mismatches).toEqual(before.mismatches);
    expect(after.nationalRequests).toBe(before.nationalRequests! + national.load.requests);
    expect(after.nationalRecords).toBe(before.nationalRecords! + national.load.records);
  }, 120_000);

  it("read from the root's list, a code the portal holds under two agencies is one duplicate_national, at the second agency", async () => {
    const { world, agency, truth } = oneAgencyWorld(3000, 2);
    const w = world.provinces[0]!;
    const p = world.period;
    // the root has a mismatch of its own (a dossier not synced): its list, the whole province, is read
    const rootOnes = w.national.filter((d) => d.agency === ROOT && hasMetric(metricsOf(d, p), 'received'));
    const gone = rootOnes[0]!;
    // one of the agency's dossiers pushed a second time under another agency
    const other = w.agencies.find((a) => a !== ROOT && a !== agency)!;
    const twice = w.national.find(
      (d) => d.agency === agency && hasMetric(metricsOf(d, p), 'received') && !truth.has(d.code),
    )!;
    w.national = [...w.national.filter((d) => d !== gone), { ...twice, agency: other }];
    sortByUpdated(w.national);
    const { province: r, load } = await night(world);
    expect(rows(load, 'DanhSachHoSo').some((x) => x.madonvi === ROOT)).toBe(true);
    const expected = {
      ...Object.fromEntries(truth),
      [gone.code]: 'missing_national',
      [twice.code]: 'duplicate_national',
    };
    expect(Object.fromEntries(r.findings.map((f) => [f.dossierCode, f.kind]))).toEqual(expected);
    expect(r.findings.find((f) => f.dossierCode === twice.code)).toMatchObject({
      agency: other,
      evidence: { copies: 2 },
    });
    for (const m of r.mismatches) expect(m.residual).toBe(0);
  }, 120_000);

  it('the store read while the national list comes: the same explanation as with the store read first', async () => {
    const { world, agency } = oneAgencyWorld(1500, 2);
    const w = world.provinces[0]!;
    const p = world.period;
    // still open in the store, received well before the period; the portal shows it finished
    // before the period began: its national copy counts in nothing and was received long before,
    // so only the stored dossier keeps it among the national items
    const open = w.local.find(
      (d) =>
        d.agency === agency &&
        d.receivedAt !== null &&
        d.receivedAt < p.start - 3 * DAY_MS &&
        d.finishedAt === null &&
        metricsOf(d, p) !== 0,
    )!;
    expect(open).toBeDefined();
    const closed = {
      ...open,
      status: STATUS.FINISHED,
      finishedAt: p.start - 2 * DAY_MS,
      returnedAt: p.start - 2 * DAY_MS,
    };
    w.national = w.national.map((d) => (d.code === open.code ? closed : d));
    const { province: r, rt } = await night(world);
    const n = rt.config.national;
    const client = () =>
      new NationalClient(
        n,
        new HttpClient({ name: 'national', timeoutMs: n.timeoutMs }),
        credentials(n.usernameEnv, n.passwordEnv),
      );
    const deps = (store: Store, national: NationalClient) => ({
      store,
      national,
      rules: rt.config.counting,
      lookbackDays: n.lookbackDays,
      recordBudget: Infinity,
    });
    const period = makePeriod(p.from, p.to);
    const alone = client();
    const first = await explainProvince(deps(rt.store, alone), 'H49', period, r.mismatches);
    expect(first.findings.map((f) => f.dossierCode)).toContain(open.code);

    // the store answers only once the national list has been read through
    let listed!: () => void;
    const read = new Promise<void>((resolve) => (listed = resolve));
    const slow = Object.create(rt.store) as Store;
    slow.visitNear = async (province, period, visit) => {
      await read;
      return rt.store.visitNear(province, period, visit);
    };
    const national = client();
    const list = national.readList.bind(national);
    national.readList = async function* <T>(...args: Parameters<typeof list<T>>) {
      yield* list(...args);
      listed();
    };
    const side = await explainProvince(deps(slow, national), 'H49', period, r.mismatches);
    expect(side.findings).toEqual(first.findings);
    expect(side.mismatches).toEqual(first.mismatches);
    // the national copy kept from the list, not looked up again: records are the list's alone
    // (the look-ups of the dossiers missing nationally find nothing)
    expect(national.load).toEqual(alone.load);
    expect(national.load.records).toBe(inWindow(world, agency));

    // the store side read in the store thread (whatever the province's size): the same explanation;
    // the store here refuses to be read, so a fall back to reading it here would fail the pass
    const thread = StoreThread.start({ kind: 'single', url: redis.url });
    closers.push(thread);
    const reads: string[] = [];
    const readThere = thread.read.bind(thread);
    thread.read = (prefix, province, what) => (reads.push(province), readThere(prefix, province, what));
    let pagesThere = 0; // ... and list pages read there too
    const pageThere = thread.readPage.bind(thread);
    thread.readPage = (bytes, context) => (pagesThere++, pageThere(bytes, context));
    const refusing = Object.create(rt.store) as Store;
    refusing.visitNear = () => {
      throw new Error('read here');
    };
    const there = await explainProvince(
      { ...deps(refusing, client()), thread: () => thread, threadFrom: 1 },
      'H49',
      period,
      r.mismatches,
    );
    expect(reads).toEqual(['H49']);
    expect(pagesThere).toBeGreaterThan(0);
    expect(there.findings).toEqual(first.findings);
    expect(there.mismatches).toEqual(first.mismatches);
    // a thread that is gone: the store side is read here
    await thread.close();
    const gone = await explainProvince(
      { ...deps(rt.store, client()), thread: () => thread, threadFrom: 1 },
      'H49',
      period,
      r.mismatches,
    );
    expect(gone.findings).toEqual(first.findings);
    expect(gone.mismatches).toEqual(first.mismatches);
  }, 120_000);

  it('past national.maxRecordsPerRun the keys are unexplained with why, never dropped', async () => {
    const { world, agency } = oneAgencyWorld(6000);
    const listed = inWindow(world, agency);
    expect(listed).toBeGreaterThan(1000); // more than one page: the cap stops the list after its first
    const { province: p, load } = await night(world, { maxRecordsPerRun: 500 });
    expect(p.mismatches.length).toBeGreaterThan(0);
    for (const m of p.mismatches) expect(m).toMatchObject({ explainedBy: null, residual: m.national - m.local });
    expect(p.findings.every((f) => f.kind === 'unexplained')).toBe(true);
    expect(p.findings.map((f) => `${f.key!.procedure}|${f.key!.metric}`).sort()).toEqual(
      p.mismatches.map((m) => `${m.procedure}|${m.metric}`).sort(),
    );
    expect(p.findings[0]!.key!.examined).toMatch(/national record cap reached \(national\.maxRecordsPerRun\)/);
    expect(rows(load, 'DanhSachHoSo')).toEqual([
      { service: 'DanhSachHoSo', madonvi: agency, requests: 1, records: 1000 },
    ]);
    expect(p.nationalRecords).toBe(1000);
  }, 120_000);

  it("an agency the portal does not know: its keys unexplained with the portal's answer, the others explained", async () => {
    const { world, agency, truth } = oneAgencyWorld(3000, 2);
    // dossiers of an agency only the province has (the portal answers error_code 400 for it)
    const w = world.provinces[0]!;
    const unknown = '000.00.77.H49';
    const model = w.local.find((d) => d.agency === agency && hasMetric(metricsOf(d, world.period), 'received'))!;
    w.local.push(
      ...[1, 2, 3].map((n) => ({
        ...model,
        agency: unknown,
        code: `${unknown}-261005-000${n}`,
        receivedAt: model.receivedAt! + n * 1000,
      })),
    );
    sortByUpdated(w.local);
    const { province: p } = await night(world);
    const theirs = p.mismatches.filter((m) => m.agency === unknown);
    expect(theirs.length).toBeGreaterThan(0);
    for (const m of theirs) expect(m).toMatchObject({ explainedBy: null, residual: m.national - m.local });
    const why = p.findings.filter((f) => f.kind === 'unexplained');
    expect(why).toHaveLength(theirs.length);
    expect(
      why.every(
        (f) =>
          f.agency === unknown && /^national list of 000\.00\.77\.H49 failed: .*error_code 400/.test(f.key!.examined),
      ),
    ).toBe(true);
    // the other agency as if nothing happened
    for (const m of p.mismatches.filter((m) => m.agency !== unknown)) expect(m.residual).toBe(0);
    expect(
      Object.fromEntries(p.findings.filter((f) => f.kind !== 'unexplained').map((f) => [f.dossierCode, f.kind])),
    ).toEqual(Object.fromEntries(truth));
  }, 120_000);
});
