/**
 * An incident's page (`/incidents/:key`) reads, in each run of the incident's history, only the
 * findings of the incident's province, and never a run's report nor another province's
 * findings. Runs written through the run store against a real private Redis, with findings of
 * the same agency in another province, served over real HTTP; the Redis commands the requests
 * send are watched with MONITOR.
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

/** The incidents' agency, and the agency code of the findings in H56 too: only the province tells them apart. */
const A = '000.00.00.H49';
const B = '000.00.00.H50';

const side = (code: string): NonNullable<Finding['evidence']['local']> => ({
  status: 4,
  receivedAt: '2026-10-03T01:00:00.000Z',
  dueAt: null,
  finishedAt: null,
  returnedAt: null,
  updatedAt: null,
  procedure: '1.001',
  code,
});
const found = (dossierCode: string, agency: string, kind: Finding['kind'], metrics: string[]): Finding => ({
  dossierCode,
  agency,
  kind,
  metrics,
  evidence: { local: side(dossierCode), national: side(dossierCode) },
});
const create = (runId: string, day: string, provinces: string[]) => createRun(rt, runId, day, provinces);
const explain = (runId: string, province: string, findings: Finding[]) =>
  rt.runs.setExplanation(runId, result(province), findings, NO_LOAD);

/**
 * Six runs. H49's findings: night-1 and night-2 (of several kinds and agencies), none stored in
 * night-4, a hash an earlier version stored (a field per dossier and metric) in night-5, and
 * night-6, in no incident's history. night-3 does not compare H49. H56 has findings of the
 * incidents' agency and kind in every run: a page that read them would list them.
 */
async function storeRuns(): Promise<void> {
  await create('night-1', '01', ['H49', 'H56']);
  await explain('night-1', 'H49', [
    found('H49-1', A, 'status_lag', ['processed']),
    found('H49-2', A, 'date_shift', ['received']),
    found('H49-3', B, 'status_lag', ['overdue']),
    found('H49-4', A, 'missing_national', ['overdue']),
  ]);
  await explain('night-1', 'H56', [found('H56-1', A, 'status_lag', ['overdue'])]);

  await create('night-2', '02', ['H49', 'H56']);
  await explain('night-2', 'H49', [
    found('H49-1', A, 'status_lag', ['overdue']),
    found('H49-4', A, 'status_lag', ['overdue', 'processed']),
    found('H49-5', A, 'status_lag', ['processed']),
  ]);
  await explain('night-2', 'H56', [found('H56-2', A, 'status_lag', ['overdue'])]);

  await create('night-3', '03', ['H56']);
  await explain('night-3', 'H56', [found('H56-3', A, 'status_lag', ['overdue'])]);

  await create('night-4', '04', ['H49', 'H56']);
  await rt.runs.setProvince('night-4', result('H49')); // reconciled, never explained: no findings
  await explain('night-4', 'H56', [found('H56-4', A, 'status_lag', ['overdue'])]);

  await create('night-5', '05', ['H49', 'H56']);
  await rt.redis.hset(rt.runs.keys.runFindings('night-5', 'H49'), {
    [tupleKey('H49-6', 'received')]: JSON.stringify(found('H49-6', A, 'date_shift', ['received'])),
    [tupleKey('H49-6', 'overdue')]: JSON.stringify(found('H49-6', A, 'date_shift', ['overdue'])),
  });
  await explain('night-5', 'H56', [found('H56-5', A, 'date_shift', ['overdue'])]);

  await create('night-6', '06', ['H49', 'H56']);
  await explain('night-6', 'H49', [found('H49-7', A, 'status_lag', ['overdue'])]);
  await explain('night-6', 'H56', [found('H56-6', A, 'status_lag', ['overdue'])]);
}

const at = (day: string) => `2026-11-${day}T19:00:00.000Z`;
const incident = (key: string, province: string, cause: Incident['cause'], runIds: string[]): Incident => ({
  key,
  province,
  period: PERIOD,
  agency: A,
  cause,
  status: 'open',
  openedAt: at('01'),
  updatedAt: at('05'),
  dossiers: [],
  lines: cause === null ? [{ procedure: null, metric: 'overdue' }] : [],
  residual: 0,
  history: runIds.map((runId, n) => ({
    runId,
    at: at(`0${n + 1}`),
    event: n ? ('still_open' as const) : ('opened' as const),
    dossiers: 1,
    residual: 0,
  })),
});
/** Histories over several runs, one run twice, one gone, one that does not compare H49, one with no findings. */
const HISTORY = ['night-gone', 'night-1', 'night-2', 'night-2', 'night-3', 'night-4', 'night-5'];
const INCIDENTS: Incident[] = [
  incident('i-lag', 'H49', 'status_lag', HISTORY),
  incident('i-metric', 'H49', null, HISTORY), // before causes: the findings that moved the overdue figure
  incident('i-none', 'H49', 'code_divergence', ['night-3', 'night-4']),
];

/** What the incident page shows of its dossiers, read out of its HTML: per row, code, agency, kind and runs. */
function dossiersOf(page: string) {
  const body = /id="incident-dossiers".*?<tbody>(.*?)<\/tbody>/s.exec(page)?.[1] ?? '';
  const rows = [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map(([, r]) =>
    [...r!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map(([, c]) => c!.replace(/<[^>]+>/g, '').trim()),
  );
  return {
    title: /<h1>(.*?)<\/h1>/s.exec(page)?.[1]?.replace(/<[^>]+>/g, ''),
    heading: /<h2>([^<]*)<\/h2>/.exec(page)?.[1],
    rows,
    links: [...page.matchAll(/href="\/dossiers\/([^"?]+)/g)].map(([, k]) => decodeURIComponent(k!)),
  };
}

/** What each incident's page lists (as it did when it read the runs' reports). */
const PAGES = {
  'i-lag': {
    title: 'Incident i-lag',
    heading: 'Dossiers behind it (3)',
    rows: [
      ['H49-1', A, 'national status behind', 'night-1 night-2'],
      ['H49-4', A, 'national status behind', 'night-2'],
      ['H49-5', A, 'national status behind', 'night-2'],
    ],
    links: ['H49-1', 'H49-4', 'H49-5'],
  },
  'i-metric': {
    title: 'Incident i-metric',
    heading: 'Dossiers behind it (3)',
    rows: [
      ['H49-6', A, 'date shifted by 7 hours', 'night-5'],
      ['H49-1', A, 'national status behind', 'night-2'],
      ['H49-4', A, 'national status behind', 'night-1 night-2'],
    ],
    links: ['H49-6', 'H49-1', 'H49-4'],
  },
  'i-none': { title: 'Incident i-none', heading: 'Dossiers behind it (0)', rows: [], links: [] },
};

/** The commands sent on run keys while `act` runs, as `command key args…`. */
const runCommands = async (act: () => Promise<unknown>) =>
  (await commandsSent(redis, rt, act)).filter((args) => args[1]?.startsWith(runKeyOf(rt)));
const sorted = (rows: string[][]) => rows.map((r) => r.join(' ')).sort();

const page = async (key: string) => {
  const res = await fetch(`${server.url}/incidents/${encodeURIComponent(key)}?lang=en`);
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

describe('the incident page', () => {
  it("lists the dossiers behind it: its province's findings of its agency and kind (or that moved its figure) in the runs of its history", async () => {
    for (const [key, shown] of Object.entries(PAGES)) {
      const { status, text } = await page(key);
      expect(status, text).toBe(200);
      expect(dossiersOf(text)).toEqual(shown);
    }
  });

  it("reads, in each run of its history, only its province's findings: no report, no other province's findings", async () => {
    const report = vi.spyOn(rt.runs, 'report');
    try {
      const k = rt.runs.keys;
      for (const key of ['i-lag', 'i-metric'] as const) {
        const commands = await runCommands(async () => expect(dossiersOf((await page(key)).text)).toEqual(PAGES[key]));
        expect(sorted(commands)).toEqual(
          sorted([
            ...['night-gone', 'night-1', 'night-2', 'night-3', 'night-4', 'night-5'].map((id) => ['get', k.run(id)]),
            // night-3 does not compare H49, and night-gone is gone
            ...['night-1', 'night-2', 'night-4', 'night-5'].map((id) => ['hgetall', k.runFindings(id, 'H49')]),
          ]),
        );
      }
      expect(report).not.toHaveBeenCalled();
    } finally {
      report.mockRestore();
    }
  });

  it('an incident missing is not found', async () => {
    expect((await page('i-gone')).status).toBe(404);
  });
});
