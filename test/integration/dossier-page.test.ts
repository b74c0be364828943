/**
 * A dossier's page (`/dossiers/:code`) reads only the findings that name the dossier, in each
 * of the latest runs, and never a run's report: by its code in each province's findings, and by
 * the per-run index of the codes a finding names on either side (a replaced code). Several runs
 * written through the run store against a real private Redis, served over real HTTP; the Redis
 * commands the requests send are watched with MONITOR. A run stored before the index was kept
 * is read from its findings.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Incident } from '../../schemas/incident.js';
import type { Finding } from '../../schemas/report.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { tupleKey } from '../../src/util/tuple-key.js';
import {
  NO_LOAD,
  PERIOD,
  commandsSent,
  completeResult as result,
  createRun,
  offlineRuntime,
  runKeyOf,
} from '../helpers/dashboard.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
let rt: Runtime;
let server: RunningServer;

const A = '000.00.00.H49';
const B = '000.00.00.H56';
/** The dossier the page is about. */
const X = 'H49-X|1';

type Side = NonNullable<Finding['evidence']['local']>;
const side = (code: string, status: number, updatedAt: string | null): Side => ({
  status,
  receivedAt: '2026-10-03T01:00:00.000Z',
  dueAt: null,
  finishedAt: null,
  returnedAt: null,
  updatedAt,
  procedure: '1.001',
  code,
});
const found = (
  dossierCode: string,
  agency: string,
  kind: Finding['kind'],
  metrics: string[],
  local: Side | null,
  national: Side | null,
): Finding => ({ dossierCode, agency, kind, metrics, evidence: { local, national } });
const unexplained: Finding = {
  dossierCode: '',
  agency: A,
  kind: 'unexplained',
  metrics: ['received'],
  evidence: { local: null, national: null },
  key: { procedure: null, metric: 'received', residual: 1, examined: 'listed 3' },
};
const create = (runId: string, day: string, provinces: string[]) => createRun(rt, runId, day, provinces);

/**
 * Four runs: X found by its code (night-1, night-2), named by a finding of another code on the
 * national side (night-1, in H56) and on the local side (night-2), and not at all (night-3);
 * night-4 is the latest and names it once more by its code, written twice (the second replacing
 * the first, which named it by a replaced code).
 */
async function storeRuns(): Promise<void> {
  const runs = rt.runs;
  await create('night-1', '01', ['H49', 'H56']);
  await runs.setExplanation(
    'night-1',
    result('H49'),
    [
      found(X, A, 'status_lag', ['processed'], side(X, 4, '2026-10-05T02:00:00.000Z'), side(X, 2, null)),
      found('H49-2', A, 'date_shift', ['received'], side('H49-2', 2, null), side('H49-2', 2, null)),
      unexplained,
    ],
    NO_LOAD,
  );
  await runs.setExplanation(
    'night-1',
    result('H56'),
    [found('H56-OLD', B, 'code_divergence', ['received'], side('H56-OLD', 2, null), side(X, 2, null))],
    NO_LOAD,
  );
  await runs.finish('night-1', new Date('2026-11-01T19:00:00.000Z'));

  await create('night-2', '02', ['H49', 'H56']);
  await runs.setExplanation(
    'night-2',
    result('H49'),
    [
      found('H49-NEW', A, 'code_divergence', ['received'], side(X, 2, null), side('H49-NEW', 2, null)),
      found(X, A, 'missing_national', ['received', 'processed'], side(X, 4, null), null),
    ],
    NO_LOAD,
  );
  await runs.setExplanation('night-2', result('H56'), [], NO_LOAD);
  await runs.finish('night-2', new Date('2026-11-02T19:00:00.000Z'));

  await create('night-3', '03', ['H49']);
  await runs.setExplanation(
    'night-3',
    result('H49'),
    [found('H49-2', A, 'date_shift', ['received'], side('H49-2', 2, null), side('H49-2', 2, null))],
    NO_LOAD,
  );
  await runs.finish('night-3', new Date('2026-11-03T19:00:00.000Z'));

  await create('night-4', '04', ['H49', 'H12']);
  await runs.setExplanation(
    'night-4',
    result('H49'),
    [found('H49-Z', A, 'code_divergence', ['received'], side(X, 2, null), side('H49-Z', 2, null))],
    NO_LOAD,
  );
  await runs.setExplanation(
    'night-4',
    result('H49'),
    [found(X, A, 'status_lag', ['overdue'], side(X, 5, '2026-11-04T03:00:00.000Z'), side(X, 4, null))],
    NO_LOAD,
  );
}

const at = (day: string) => `2026-11-${day}T19:00:00.000Z`;
const incident = (key: string, province: string, agency: string, cause: Incident['cause'], runIds: string[]) => ({
  key,
  province,
  period: PERIOD,
  agency,
  cause,
  status: 'open' as const,
  openedAt: at('01'),
  updatedAt: at('04'),
  dossiers: [],
  lines: cause === null ? [{ procedure: null, metric: 'overdue' }] : [],
  residual: 0,
  history: runIds.map((runId) => ({ runId, at: at('01'), event: 'opened' as const, dossiers: 1, residual: 0 })),
});
/** Its province's incidents, some behind it and some not, and an incident elsewhere. */
const INCIDENTS: Incident[] = [
  incident('i-lag', 'H49', A, 'status_lag', ['night-1']), // behind it in night-1
  incident('i-missing', 'H49', A, 'missing_national', ['night-3', 'night-2']), // in night-2
  incident('i-shift', 'H49', A, 'date_shift', ['night-1', 'night-2', 'night-3']), // another dossier's cause
  incident('i-div', 'H49', A, 'code_divergence', ['night-2']), // H49-NEW names it, but is another dossier
  incident('i-h56', 'H56', B, 'code_divergence', ['night-1']), // likewise, in H56
  incident('i-other', 'H49', B, 'status_lag', ['night-1']), // another agency
  incident('i-h12', 'H12', A, 'status_lag', ['night-4']), // another province
  incident('i-metric', 'H49', A, null, ['night-4']), // before causes: the overdue figure, which it moved in night-4
];

/** What the dossier page shows, read out of its HTML. */
function contentOf(page: string) {
  const cells = (row: string) =>
    [...row.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map(([, c]) => c!.replace(/<[^>]+>/g, ''));
  const rows = (table: string) => [...table.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map(([, r]) => cells(r!));
  const tbody = (id: string) => new RegExp(`id="${id}".*?<tbody>(.*?)</tbody>`, 's').exec(page)?.[1];
  return {
    title: /<h1>(.*?)<\/h1>/s.exec(page)?.[1]?.replace(/<[^>]+>/g, ''),
    sub: /<\/h1>\s*<p class="sub">(.*?)<\/p>/s.exec(page)?.[1],
    evidence: rows(tbody('evidence') ?? ''),
    runs: rows(tbody('dossier-runs') ?? ''),
    searched: /<p class="sub" style="margin:8px 0 0">(.*?)<\/p>/.exec(page)?.[1],
    incidents: [...page.matchAll(/href="\/incidents\/([^"?]+)/g)].map(([, k]) => decodeURIComponent(k!)),
  };
}

/** What the page of X shows (as it did when it read the runs' reports). */
const PAGE = {
  evidence: [
    ['code', 'H49-X|1', 'H49-X|1'],
    ['agency', '—', '—'],
    ['procedure', '1.001', '1.001'],
    ['status', '5 · supplement requested', '4 · in progress'],
    ['received (GMT+7)', '2026-10-03 08:00', '2026-10-03 08:00'],
    ['due (GMT+7)', '—', '—'],
    ['finished (GMT+7)', '—', '—'],
    ['returned (GMT+7)', '—', '—'],
    ['updated (GMT+7)', '2026-11-04 10:00', '—'],
  ],
  incidents: ['i-lag', 'i-metric', 'i-missing'],
  runs: [
    [
      'night-4',
      '2026-10-01 … 2026-10-31',
      '2026-11-05 01:30',
      'H49 Quảng Ninh',
      '000.00.00.H49',
      'national status behind',
      'unprocessed, overdue',
    ],
    [
      'night-2',
      '2026-10-01 … 2026-10-31',
      '2026-11-03 01:30',
      'H49 Quảng Ninh',
      '000.00.00.H49',
      'codes differ',
      'received',
    ],
    [
      'night-2',
      '2026-10-01 … 2026-10-31',
      '2026-11-03 01:30',
      'H49 Quảng Ninh',
      '000.00.00.H49',
      'not synced to the national portal',
      'received, processed',
    ],
    [
      'night-1',
      '2026-10-01 … 2026-10-31',
      '2026-11-02 01:30',
      'H49 Quảng Ninh',
      '000.00.00.H49',
      'national status behind',
      'processed',
    ],
    [
      'night-1',
      '2026-10-01 … 2026-10-31',
      '2026-11-02 01:30',
      'H56 Thanh Hóa',
      '000.00.00.H56',
      'codes differ',
      'received',
    ],
  ],
  searched: 'Searched the last 4 run(s).',
  sub: 'H49 Quảng Ninh · 000.00.00.H49 · national status behind',
  title: 'Dossier H49-X|1',
};

/** The commands sent on run keys while `act` runs, as `command key args…`. */
const runCommands = async (act: () => Promise<unknown>) =>
  (await commandsSent(redis, rt, act)).filter((args) => args[1]?.startsWith(runKeyOf(rt)));
const PAIRS = [
  ['night-4', 'H49'],
  ['night-4', 'H12'],
  ['night-3', 'H49'],
  ['night-2', 'H49'],
  ['night-2', 'H56'],
  ['night-1', 'H49'],
  ['night-1', 'H56'],
] as const;
const sorted = (rows: string[][]) => rows.map((r) => r.join(' ')).sort();

const get = (path: string) => fetch(`${server.url}${path}`);
const page = async (code: string) => {
  const res = await get(`/dossiers/${encodeURIComponent(code)}?lang=en`);
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  rt = offlineRuntime(redis);
  await storeRuns();
  await rt.incidents.save(INCIDENTS);
  server = await startServer({ runtime: rt, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await rt?.close();
});

describe('the dossier page', () => {
  it('shows every run that found it, by its code or a replaced code on either side, and the incidents behind it', async () => {
    const { status, text } = await page(X);
    expect(status).toBe(200);
    expect(contentOf(text)).toEqual(PAGE);
  });

  it("reads each run's findings that name it, one by one: no report, no whole findings hash, nothing else of a run", async () => {
    const report = vi.spyOn(rt.runs, 'report');
    try {
      const k = rt.runs.keys;
      const commands = await runCommands(async () => expect(contentOf((await page(X)).text)).toEqual(PAGE));
      const own = tupleKey(X);
      expect(sorted(commands)).toEqual(
        sorted([
          ['zrevrange', k.runs(), '0', '29'],
          ...['night-4', 'night-3', 'night-2', 'night-1'].map((id) => ['get', k.run(id)]),
          ...PAIRS.flatMap(([id, p]) => [
            ['hget', k.runFindings(id, p), own],
            ['hmget', k.runFindingCodes(id, p), '*', own],
            ['exists', k.runFindings(id, p)],
          ]),
          // the findings of other codes that name it on one side, by their fields
          ['hget', k.runFindings('night-2', 'H49'), tupleKey('H49-NEW')],
          ['hget', k.runFindings('night-1', 'H56'), tupleKey('H56-OLD')],
        ]),
      );
      expect(report).not.toHaveBeenCalled();
    } finally {
      report.mockRestore();
    }
  });

  it('a run whose findings were stored before their codes were kept shows the same, read from its findings', async () => {
    const k = rt.runs.keys;
    // as an earlier version left night-1 and night-2's H49: no index of their codes
    await rt.redis.del(k.runFindingCodes('night-1', 'H49'), k.runFindingCodes('night-1', 'H56'));
    await rt.redis.del(k.runFindingCodes('night-2', 'H49'), k.runFindingCodes('night-2', 'H56'));
    const commands = await runCommands(async () => expect(contentOf((await page(X)).text)).toEqual(PAGE));
    expect(sorted(commands.filter(([cmd]) => cmd === 'hgetall'))).toEqual(
      sorted([
        ['hgetall', k.runFindings('night-1', 'H49')],
        ['hgetall', k.runFindings('night-1', 'H56')],
        ['hgetall', k.runFindings('night-2', 'H49')],
      ]), // night-2's H56 has no findings
    );
    // once more, a province of night-3 whose only finding is another dossier's: not found there either
    await rt.redis.del(k.runFindingCodes('night-3', 'H49'));
    expect(contentOf((await page(X)).text)).toEqual(PAGE);
  });

  it("reads its provinces' incidents through their sets, never the whole incidents hash; incidents kept before the sets are indexed once", async () => {
    const k = rt.incidents.keys;
    const incidentCommands = async () =>
      (await commandsSent(redis, rt, async () => expect(contentOf((await page(X)).text)).toEqual(PAGE))).filter(
        (args) => args[1]?.startsWith(k.incidents()),
      );
    // as an earlier version left them: no sets, no mark
    await rt.redis.del(k.incidentsIndexed(), ...['H49', 'H56', 'H12'].map((p) => k.incidentsIn(p)));
    const first = await incidentCommands();
    expect(first.filter(([cmd]) => cmd === 'hscan').length).toBeGreaterThan(0);
    expect(await rt.redis.smembers(k.incidentsIn('H12'))).toEqual(['i-h12']);
    const keysOf = (province: string) =>
      INCIDENTS.filter((i) => i.province === province)
        .map((i) => i.key)
        .sort();
    expect((await rt.redis.smembers(k.incidentsIn('H49'))).sort()).toEqual(keysOf('H49'));
    // then only the sets of the provinces it shows up in (H49, H56) and their incidents
    const then = await incidentCommands();
    expect(then.map(([cmd, key]) => `${cmd} ${key}`).sort()).toEqual(
      [
        `exists ${k.incidentsIndexed()}`,
        `smembers ${k.incidentsIn('H49')}`,
        `smembers ${k.incidentsIn('H56')}`,
        `hmget ${k.incidents()}`,
      ].sort(),
    );
    const read = then
      .find(([cmd]) => cmd === 'hmget')!
      .slice(2)
      .sort();
    expect(read).toEqual([...keysOf('H49'), ...keysOf('H56')].sort()); // not H12's
  });

  it('a code no run names is not found, in the runs searched; nor is a code a run named only before its findings were replaced', async () => {
    for (const code of ['H49-NONE', 'H49-Z']) {
      const { status, text } = await page(code);
      expect(status).toBe(404);
      expect(text).toContain(`Dossier ${code}. Searched the last 4 run(s).`);
    }
  });
});
