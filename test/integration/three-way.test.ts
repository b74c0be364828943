/**
 * Three-way reconciliation against the simulators over loopback and a real private Redis:
 * local (the store) against the province's own statistics and the national figures, each
 * mismatch with a verdict. Without a misreport the province agrees with the store and every
 * mismatch is the national portal's; a misreport injected into the province's ThongKeHoSo
 * is called out as such and not examined by the explanation pass. The `rest` dialect's /stats reports its 10
 * metrics only.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { restSourceConfig } from '../../schemas/config.js';
import { REST_STATS_METRICS } from '../../schemas/rest.js';
import type { RunReport } from '../../schemas/report.js';
import { jobIds } from '../../src/queue/flows.js';
import { provincialFigures } from '../../jobs/reconcile-province.js';
import { formatReport } from '../../src/cli/format.js';
import { runNightly } from '../../src/queue/nightly.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { createRuntime } from '../../jobs/runtime.js';
import { EXACT, compareCounts, countStore } from '../../src/reconcile/compare.js';
import { METRICS } from '../../schemas/metrics.js';
import { Tally } from '../../src/reconcile/counting.js';
import { makePeriod } from '../../src/domain/period.js';
import { zeroCounts, type Figures } from '../../src/domain/figures.js';
import { HttpClient } from '../../src/http/client.js';
import { RestSource } from '../../src/sources/rest.js';
import type { ReportedStats, SourceAdapter } from '../../src/sources/source.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator } from '../../src/sim/rest-server.js';
import { SIM_CREDENTIALS, startSimulator, type Misreport, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const opts = { seed: 31, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 400 };
const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers) await c.close();
});

interface Night {
  report: RunReport;
  /** The store's counts after the run (what the store holds equals what was pulled). */
  local: Figures[];
  /** Whether the explanation pass examined the key (it then has a residual). */
  drilled: (agency: string, procedure: string | null, metric: string) => boolean;
}

async function night(world: World, misreport?: Record<string, Misreport[]>): Promise<Night> {
  const sim: Simulator = await startSimulator(world, misreport ? { misreport } : {});
  closers.push(sim);
  Object.assign(process.env, { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password });
  const config = parseConfig(
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
          initialFrom: '2026-09-01',
        },
      ],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  const rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now) });
  try {
    const worker = rt.startWorker();
    const report = await runNightly(rt, {
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    await worker.close();
    expect(await rt.queue.getFailed()).toEqual([]);
    const local = await countStore(rt.store, 'H49', makePeriod(world.period.from, world.period.to), config.counting);
    const jobs = await rt.queue.getJobs([
      'completed',
      'failed',
      'waiting',
      'active',
      'delayed',
      'waiting-children',
      'prioritized',
    ]);
    // one explanation pass for the province, whatever the number of mismatches
    expect(jobs.filter((j) => j.name === 'explain-province').map((j) => j.id)).toEqual([
      jobIds.explain(report.runId, 'H49'),
    ]);
    const mismatches = report.provinces[0]!.mismatches;
    const drilled = (agency: string, procedure: string | null, metric: string) => {
      const m = mismatches.find((x) => x.agency === agency && x.procedure === procedure && x.metric === metric);
      return m?.residual !== null && m?.residual !== undefined;
    };
    return { report, local, drilled };
  } finally {
    await rt.close();
  }
}

describe('three-way reconciliation (dvcqg source, national feed)', () => {
  let first: Night;

  it('(a) without a misreport the province agrees with the store, and every mismatch is the national portal behind or ahead', async () => {
    const world = generateWorld(opts);
    first = await night(world);
    const p = first.report.provinces[0]!;
    expect(p.coverage.status).toBe('complete');
    expect(p.provincialStats).toEqual({ status: 'ok', why: null });
    expect(p.mismatches.length).toBeGreaterThan(0);
    for (const m of p.mismatches) {
      expect(m.provincial).toBe(m.local);
      expect(m.local).not.toBe(m.national);
      expect(m.verdict).toBe(m.national < m.local ? 'national_behind' : 'national_ahead');
    }
    // the world has dossiers missing on each side: the portal counts less somewhere, more elsewhere
    expect(new Set(p.mismatches.map((m) => m.verdict))).toEqual(new Set(['national_behind', 'national_ahead']));
    // The province's own figures equal the store's everywhere, not only where a mismatch shows.
    const sim = await startSimulator(world);
    closers.push(sim);
    const cfg = parseConfig(
      {
        sources: [
          {
            id: 'h49',
            province: 'H49',
            dialect: 'dvcqg',
            baseUrl: sim.sourceUrl('H49'),
            usernameEnv: 'SIM_USER',
            passwordEnv: 'SIM_PASSWORD',
          },
        ],
        national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      },
      'test',
      process.env,
    );
    const { provincial, note } = await fetchProvincial(cfg, world);
    expect(note.status).toBe('ok');
    expect(provincial!.reported).toEqual(METRICS);
    expect(compareCounts(first.local, provincial!.figures)).toEqual([]);
    expect(provincial!.figures.some((f) => f.procedure !== null)).toBe(true);
    // The reports show the provincial figure and the verdict.
    expect(formatReport(first.report, 'table', 'en')).toMatch(/PROVINCIAL\s+DIFF\s+VERDICT/);
    expect(formatReport(first.report, 'table', 'en')).toContain('national portal behind');
    expect(formatReport(first.report, 'md', 'vi')).toContain('Cổng quốc gia chưa cập nhật');
    // the verdict, then the residual, the rule, then the service index's two columns (empty on a mismatch row)
    expect(formatReport(first.report, 'csv')).toMatch(/,national_behind,[^,\n]*,,,$/m);
    expect(formatReport(first.report, 'csv')).toMatch(/,national_ahead,[^,\n]*,,,$/m);
  });

  it('(b) a misreport injected for one agency and metric is called province_misreports and not examined', async () => {
    const world = generateWorld(opts);
    const agencies = world.provinces[0]!.agencies;
    // An agency whose received count agreed with the national one in (a).
    const agency = agencies.find(
      (a) => !first.report.provinces[0]!.mismatches.some((m) => m.agency === a && m.metric === 'received'),
    )!;
    expect(agency).toBeDefined();
    const second = await night(world, { H49: [{ agency, metric: 'received', delta: 3 }] });
    const p = second.report.provinces[0]!;
    expect(p.provincialStats?.status).toBe('ok');
    const key = p.mismatches.find((m) => m.agency === agency && m.procedure === null && m.metric === 'received')!;
    expect(key).toBeDefined();
    expect(key.local).toBe(key.national);
    expect(key.provincial).toBe(key.local + 3);
    expect(key.verdict).toBe('province_misreports');
    expect(second.drilled(agency, null, 'received')).toBe(false);
    // The agency total moved with one procedure row: that row says the same.
    const procedureRows = p.mismatches.filter(
      (m) => m.agency === agency && m.procedure !== null && m.metric === 'received',
    );
    expect(procedureRows).toHaveLength(1);
    expect(procedureRows[0]!.verdict).toBe('province_misreports');
    expect(second.drilled(agency, procedureRows[0]!.procedure, 'received')).toBe(false);
    // Everything else is as in (a): the national portal behind or ahead, and examined as before.
    const rest = p.mismatches.filter((m) => !(m.agency === agency && m.metric === 'received'));
    expect(rest.map((m) => `${m.agency}|${m.procedure}|${m.metric}|${m.verdict}`)).toEqual(
      first.report.provinces[0]!.mismatches.map((m) => `${m.agency}|${m.procedure}|${m.metric}|${m.verdict}`),
    );
    const agencyLevel = rest.find((m) => m.procedure === null)!;
    expect(second.drilled(agencyLevel.agency, null, agencyLevel.metric)).toBe(true);
    expect(p.findings.length).toBe(first.report.provinces[0]!.findings.length);
  });
});

/** The job's own provincial-statistics step, with the runtime's source factory. */
async function fetchProvincial(config: Config, world: World) {
  const { createSource } = await import('../../src/sources/index.js');
  const sources = new Map<string, SourceAdapter>();
  const ctx = {
    config,
    logger: pino({ level: 'silent' }),
    source: (id: string) => {
      let s = sources.get(id);
      if (!s)
        sources.set(
          id,
          (s = createSource(
            config.sources.find((x) => x.id === id)!,
            {},
          )),
        );
      return s;
    },
  };
  return provincialFigures(ctx, 'H49', makePeriod(world.period.from, world.period.to));
}

describe('provincial statistics step', () => {
  const period = makePeriod('2026-10-01', '2026-10-31');
  const sourcesConfig = [
    { id: 'a', province: 'H49' },
    { id: 'b', province: 'H49', procedureMap: { 'P1-local': 'P1', 'P1-old': 'P1' } },
    { id: 'c', province: 'H56' },
  ];
  const configNaming = (figures: string | null) =>
    ({ sources: sourcesConfig, provincialFigures: { H49: figures } }) as unknown as Config;
  const logger = pino({ level: 'silent' });
  const fig = (agency: string, received: number, procedure: string | null = null): Figures => ({
    agency,
    procedure,
    counts: { ...zeroCounts(), received },
  });
  const adapter = (id: string, stats?: () => Promise<ReportedStats>) =>
    ({
      id,
      fetchPage: async () => ({ items: [], next: null, done: true }),
      normalise: () => ({ ok: false }),
      itemKey: () => undefined,
      ...(stats ? { stats } : {}),
    }) as unknown as SourceAdapter;
  // Both systems report the whole province: summing them would count it twice.
  const both: Record<string, SourceAdapter> = {
    a: adapter('a', async () => ({ figures: [fig('X', 3, 'P1'), fig('X', 4), fig('Y', 5)], reported: METRICS })),
    b: adapter('b', async () => ({
      figures: [fig('X', 2, 'P1-local'), fig('X', 1, 'P1-old'), fig('X', 4), fig('Y', 5)],
      reported: REST_STATS_METRICS,
    })),
  };

  it("takes the figures of the one source named to supply them, never the sum of the province's sources", async () => {
    const { provincial, note } = await provincialFigures(
      { config: configNaming('b'), logger, source: (id) => both[id]! },
      'H49',
      period,
    );
    expect(note).toEqual({ status: 'ok', why: null });
    expect(provincial!.reported).toEqual(REST_STATS_METRICS);
    const by = Object.fromEntries(provincial!.figures.map((f) => [`${f.agency} ${f.procedure}`, f.counts.received]));
    expect(by).toEqual({ 'X P1': 3, 'X null': 4, 'Y null': 5 }); // its two local codes of P1 add up under P1
  });

  it('a failing statistics call is noted as unavailable and never thrown', async () => {
    const failing: Record<string, SourceAdapter> = {
      ...both,
      a: adapter('a', async () => Promise.reject(new Error('HTTP 503'))),
    };
    const out = await provincialFigures(
      { config: configNaming('a'), logger, source: (id) => failing[id]! },
      'H49',
      period,
    );
    expect(out).toEqual({ provincial: undefined, note: { status: 'unavailable', why: 'source a: HTTP 503' } });
  });

  it('not offered: no source named to supply them, or the one named offers no statistics', async () => {
    const none = await provincialFigures(
      { config: configNaming(null), logger, source: (id) => both[id]! },
      'H49',
      period,
    );
    expect(none.note.status).toBe('not offered');
    const without = await provincialFigures(
      { config: configNaming('a'), logger, source: (id) => adapter(id) },
      'H49',
      period,
    );
    expect(without).toEqual({
      provincial: undefined,
      note: { status: 'not offered', why: 'source a offers no statistics' },
    });
  });
});

describe('(c) rest source statistics', () => {
  it('returns its 10 reported metrics only, per agency and per agency and procedure, misreports included', async () => {
    const world = generateWorld({ seed: 9, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 300 });
    const w = world.provinces[0]!;
    // The root code is an agency too (the provincial office), and as `agency=` names the whole province.
    const [root, other] = [w.agencies[0]!, w.agencies[1]!];
    expect(root).toBe('000.00.00.H49');
    const misreport: Misreport[] = [
      { agency: root, metric: 'processed', delta: 2 },
      { agency: root, metric: 'toProcess', delta: 5 },
      { agency: other, metric: 'late', delta: 1 },
    ];
    const sim = await startRestSimulator(world, { misreport: { H49: misreport } });
    closers.push(sim);
    const cfg = restSourceConfig.parse({
      id: 'h49-rest',
      province: 'H49',
      dialect: 'rest',
      baseUrl: sim.baseUrl('H49'),
      tokenUrl: sim.tokenUrl,
      clientIdEnv: 'REST_CLIENT_ID',
      clientSecretEnv: 'REST_CLIENT_SECRET',
      statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
    });
    const src = new RestSource(cfg, new HttpClient({ name: 'h49-rest', timeoutMs: 5000 }), {
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
    });
    const period = makePeriod(world.period.from, world.period.to);
    const stats = await src.stats(period, { procedure: true });
    expect(stats.reported).toEqual(REST_STATS_METRICS);
    expect(stats.reported).not.toContain('toProcess');
    expect(stats.reported).not.toContain('unprocessedNotDue');

    // Ground truth: the world's local dossiers, counted with the counting rules.
    const tally = new Tally(period);
    for (const d of w.local) {
      tally.add(`${d.agency}|`, d);
      tally.add(`${d.agency}|${d.procedure}`, d);
    }
    const truth: Figures[] = [...tally.groups].map(([k, counts]) => {
      const [a, p] = k.split('|') as [string, string];
      return { agency: a, procedure: p === '' ? null : p, counts };
    });
    expect(new Set(stats.figures.filter((f) => f.procedure === null).map((f) => f.agency))).toEqual(
      new Set(w.agencies),
    );
    const out = compareCounts(truth, truth, EXACT, stats);
    // Only the misreported counts differ (each on its agency row and one procedure row); the
    // misreported toProcess is not in the dialect, and unreported metrics are never compared.
    expect(
      out.map((m) => [
        m.agency,
        m.procedure === null ? null : 'procedure',
        m.metric,
        m.provincial! - m.local,
        m.verdict,
      ]),
    ).toEqual([
      [root, null, 'processed', 2, 'province_misreports'],
      [root, 'procedure', 'processed', 2, 'province_misreports'],
      [other, null, 'late', 1, 'province_misreports'],
      [other, 'procedure', 'late', 1, 'province_misreports'],
    ]);
    for (const f of stats.figures) {
      expect(f.counts.toProcess).toBe(0); // a placeholder: not reported
      expect(f.counts.unprocessedNotDue).toBe(0);
    }
  });
});
