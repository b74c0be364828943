/**
 * The run list (`/` and /api/runs) reads only what it shows: each run's meta and its stored
 * lines (src/store/run-lines.ts), never a run's findings, mismatch lists or incidents. Several
 * runs written through the run store against a real private Redis, served over real HTTP; the
 * Redis commands the requests send are watched with MONITOR. A run stored before lines were
 * kept is read from its report, once when it is finished.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Finding, Mismatch } from '../../schemas/report.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { lineOfReport } from '../../src/store/run-lines.js';
import { commandsSent, offlineRuntime, runKeyOf } from '../helpers/dashboard.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
let rt: Runtime;
let server: RunningServer;

const PERIOD = { from: '2026-10-01', to: '2026-10-31' };
const WINDOW = { to: '2026-11-01T17:00:00.000Z' };
const A = '000.00.00.H49';
const B = '000.00.01.H49';

const mm = (agency: string, metric: string, residual: number | null): Mismatch => ({
  agency,
  procedure: null,
  metric,
  local: 10,
  national: 12,
  provincial: null,
  residual,
});
const dossier = (code: string, kind: Finding['kind']): Finding => ({
  dossierCode: code,
  agency: A,
  kind,
  metrics: ['received'],
  evidence: { local: null, national: null },
});
const unexplainedKey = (metric: string, residual: number): Finding => ({
  dossierCode: '',
  agency: A,
  kind: 'unexplained',
  metrics: [metric],
  evidence: { local: null, national: null },
  key: { procedure: null, metric, residual, examined: 'listed 12' },
});
const result = (province: string, mismatches: Mismatch[]) => ({
  province,
  coverage: { status: 'complete' as const, why: null },
  sources: [],
  agencies: 2,
  mismatches,
});
const NO_LOAD = { requests: 0, records: 0 };
/** A run of October, started at 18:30 UTC on a day of November. */
const create = (rt: Runtime, runId: string, day: string, provinces: string[]) =>
  rt.runs.create({
    runId,
    period: PERIOD,
    window: WINDOW,
    startedAt: `2026-11-${day}T18:30:00.000Z`,
    finishedAt: null,
    provinces,
  });

/**
 * Three runs, each through the store's own writes: an explanation written twice (the second
 * replacing the first), a finding stored twice, incidents, a failed job making a province
 * partial, a province never reconciled, and a run still running.
 */
async function storeRuns(rt: Runtime): Promise<void> {
  const runs = rt.runs;
  await create(rt, 'night-1', '01', ['H49', 'H56']);
  const first = [mm(A, 'received', 0), mm(A, 'processed', -3), mm(B, 'received', 0), mm(B, 'overdue', null)];
  await runs.setExplanation(
    'night-1',
    result('H49', [...first, mm(B, 'late', 5)]),
    [dossier('H49-1', 'missing_national'), dossier('H49-8', 'status_lag'), dossier('H49-9', 'date_shift')],
    NO_LOAD,
  );
  await runs.setExplanation(
    'night-1',
    result('H49', first),
    [
      dossier('H49-1', 'missing_national'),
      dossier('H49-2', 'status_lag'),
      dossier('H49-3', 'date_shift'),
      dossier('H49-3', 'date_shift'),
      unexplainedKey('processed', -3),
    ],
    NO_LOAD,
  );
  await runs.setProvince('night-1', result('H56', []));
  await runs.addFailedJobs('night-1', 'H56', [{ job: 'sync-source', id: 'j1', reason: 'timeout' }]);
  await runs.setIncidents('night-1', 'H49', [
    { key: 'k1', event: 'opened', gap: 2 },
    { key: 'k2', event: 'opened', gap: 3 },
  ]);
  await runs.finish('night-1', new Date('2026-11-01T19:00:00.000Z'));

  await create(rt, 'night-2', '02', ['H49', 'H56', 'H12']);
  await runs.setProvince('night-2', result('H49', [mm(A, 'received', null), mm(A, 'processed', null)]));
  await runs.setExplanation(
    'night-2',
    result('H49', [mm(A, 'received', 0), mm(A, 'processed', 0)]),
    [dossier('H49-7', 'missing_national')],
    NO_LOAD,
  );
  await runs.setProvince('night-2', result('H56', [mm(B, 'received', null)]));
  await runs.setIncidents('night-2', 'H49', [{ key: 'k1', event: 'still_open', gap: 2 }]);
  await runs.finish('night-2', new Date('2026-11-02T19:00:00.000Z'));

  await create(rt, 'night-3', '03', ['H49']);
  await runs.setProvince(
    'night-3',
    result('H49', [mm(A, 'received', null), mm(A, 'processed', null), mm(B, 'received', null)]),
  );
}

const complete = { status: 'complete', why: null };
/** What /api/runs answers for these runs, written out by hand. */
const API_RUNS = [
  {
    runId: 'night-3',
    period: PERIOD,
    window: WINDOW,
    startedAt: '2026-11-03T18:30:00.000Z',
    finishedAt: null,
    status: 'running',
    provinces: [{ province: 'H49', coverage: complete, mismatches: 3, findings: 0, unexplained: 0, incidents: 0 }],
  },
  {
    runId: 'night-2',
    period: PERIOD,
    window: WINDOW,
    startedAt: '2026-11-02T18:30:00.000Z',
    finishedAt: '2026-11-02T19:00:00.000Z',
    status: 'complete',
    provinces: [
      { province: 'H49', coverage: complete, mismatches: 2, findings: 1, unexplained: 0, incidents: 1 },
      { province: 'H56', coverage: complete, mismatches: 1, findings: 0, unexplained: 0, incidents: 0 },
      {
        province: 'H12',
        coverage: { status: 'failed', why: 'not reconciled (yet)' },
        mismatches: 0,
        findings: 0,
        unexplained: 0,
        incidents: 0,
      },
    ],
  },
  {
    runId: 'night-1',
    period: PERIOD,
    window: WINDOW,
    startedAt: '2026-11-01T18:30:00.000Z',
    finishedAt: '2026-11-01T19:00:00.000Z',
    status: 'complete',
    provinces: [
      { province: 'H49', coverage: complete, mismatches: 4, findings: 4, unexplained: 1, incidents: 2 },
      {
        province: 'H56',
        coverage: {
          status: 'partial',
          why: 'sync-source failed: timeout',
          failedJobs: [{ job: 'sync-source', id: 'j1', reason: 'timeout' }],
        },
        mismatches: 0,
        findings: 0,
        unexplained: 0,
        incidents: 0,
      },
    ],
  },
];

/** The home page's rows: run id, status pill, province pills, and the mismatches, dossiers and unexplained totals. */
function rowsOf(page: string) {
  const tbody = /<table id="runs">.*?<tbody>(.*?)<\/tbody>/s.exec(page)![1]!;
  return [...tbody.matchAll(/<tr>(.*?)<\/tr>/gs)].map(([, row]) => {
    const pills = [...row!.matchAll(/<span class="pill ([^"]+)">([^<]*)<\/span>/g)].map(([, cls, text]) => [cls, text]);
    return {
      runId: /class="mono run-link"[^>]*>([^<]*)</.exec(row!)![1],
      status: pills[0],
      provinces: pills.slice(1),
      totals: [...row!.matchAll(/<td class="num">(\d+)<\/td>/g)].map(([, n]) => Number(n)),
    };
  });
}
const ROWS = [
  { runId: 'night-3', status: ['running', 'running'], provinces: [['complete', 'H49']], totals: [3, 0, 0] },
  {
    runId: 'night-2',
    status: ['complete', 'complete'],
    provinces: [
      ['complete', 'H49'],
      ['complete', 'H56'],
      ['failed', 'H12'],
    ],
    totals: [3, 1, 0],
  },
  {
    runId: 'night-1',
    status: ['complete', 'complete'],
    provinces: [
      ['complete', 'H49'],
      ['partial', 'H56'],
    ],
    totals: [4, 3, 1],
  },
];
const seriesOf = (page: string, series: string) =>
  new RegExp(`data-series="${series}" data-values="([^"]*)"`).exec(page)?.[1];

/** Checks both views against what they show of the three runs, and returns the home page. */
async function checkViews(): Promise<string> {
  const page = await (await fetch(`${server.url}/?lang=en`)).text();
  expect(rowsOf(page)).toEqual(ROWS);
  // the trend, one night per run, oldest first
  expect(seriesOf(page, 'mismatches')).toBe('4,3,3');
  expect(seriesOf(page, 'findings')).toBe('3,1,0');
  expect(seriesOf(page, 'unexplained')).toBe('1,0,0');
  expect(page).toContain('2026-11-02 · unexplained: 1 (night-1)');
  expect(await (await fetch(`${server.url}/api/runs`)).json()).toEqual({ runs: API_RUNS });
  return page;
}

/** The run keys the Redis commands sent while `act` runs name. */
async function keysRead(act: () => Promise<unknown>): Promise<string[]> {
  const seen = await commandsSent(redis, rt, act);
  return [...new Set(seen.flatMap((args) => args.slice(1).filter((a) => a.startsWith(runKeyOf(rt)))))].sort();
}

beforeAll(async () => {
  rt = offlineRuntime(redis);
  await storeRuns(rt);
  server = await startServer({ runtime: rt, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await rt?.close();
});

describe('the run list', () => {
  it('shows each run: id, status, provinces, mismatches, dossiers, unexplained; the trend; /api/runs the counts per province', async () => {
    await checkViews();
  });

  it("reads each run's meta and stored lines only: no report, no findings, mismatch list or incidents of any run", async () => {
    const report = vi.spyOn(rt.runs, 'report');
    try {
      const k = rt.runs.keys;
      const ids = ['night-1', 'night-2', 'night-3'];
      const keys = await keysRead(checkViews);
      expect(keys).toEqual([k.runs(), ...ids.flatMap((id) => [k.run(id), k.runLines(id)])].sort());
      expect(report).not.toHaveBeenCalled();
    } finally {
      report.mockRestore();
    }
  });

  it("the lines stored along the way say what each run's report does", async () => {
    const ids = ['night-3', 'night-2', 'night-1'];
    const fromReports = [];
    for (const id of ids) fromReports.push(lineOfReport((await rt.runs.report(id))!));
    expect(await rt.runs.lines(ids)).toEqual(fromReports);
    expect(await rt.runs.lines(['gone', 'night-2'])).toEqual([fromReports[1]]);
  });

  it('a run stored before lines were kept shows the same, read from its report: once when finished, each time while running', async () => {
    const before = await checkViews();
    const k = rt.runs.keys;
    // as an earlier version left them: no lines
    await rt.redis.del(k.runLines('night-1'), k.runLines('night-2'), k.runLines('night-3'));
    const report = vi.spyOn(rt.runs, 'report');
    /** How many times each run's report was read. */
    const reads = () => {
      const n: Record<string, number> = {};
      for (const [id] of report.mock.calls) n[id] = (n[id] ?? 0) + 1;
      return n;
    };
    try {
      // each check views `/` and /api/runs: the finished runs read once, the running one each time
      expect(await checkViews()).toBe(before);
      expect(reads()).toEqual({ 'night-1': 1, 'night-2': 1, 'night-3': 2 });
      expect(await checkViews()).toBe(before);
      expect(reads()).toEqual({ 'night-1': 1, 'night-2': 1, 'night-3': 4 });
      // the finished runs' lines are kept from the first view on
      const keys = await keysRead(checkViews);
      expect(keys.filter((key) => key.includes(':findings:') || key.includes(':province:'))).toEqual([
        k.runFindings('night-3', 'H49'),
        k.runProvince('night-3', 'H49'),
      ]);
      // once it finishes (a worker of this version), its lines are kept too
      await rt.runs.finish('night-3', new Date('2026-11-03T19:00:00.000Z'));
      report.mockClear();
      await (await fetch(`${server.url}/api/runs`)).json();
      await (await fetch(`${server.url}/api/runs`)).json();
      expect(report.mock.calls.map(([id]) => id)).toEqual(['night-3']);
    } finally {
      report.mockRestore();
    }
  });
});
