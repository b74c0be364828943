/**
 * Codes from the data never become syntax, on a real Redis and a real BullMQ queue: the
 * store holds procedures `1.004776` and `1.004776|x` and agencies with ':' and '@'; the
 * province is counted group by group, compared with the national figures (given at the
 * edge), and the explanation pass is enqueued under a job id BullMQ accepts.
 * Before, `|` merged counts across groups and ':' failed `reconcile-province` on the job id.
 */
import { Job, type FlowProducer, type Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { jobIds } from '../../src/queue/flows.js';
import { reconcileProvince } from '../../jobs/reconcile-province.js';
import { parseConfig } from '../../src/config/load.js';
import type { NationalClient } from '../../src/national/client.js';
import { rootAgency } from '../../src/domain/codes.js';
import { createRuntime } from '../../jobs/runtime.js';
import { countStore } from '../../src/reconcile/compare.js';
import { makePeriod } from '../../src/domain/period.js';
import { zeroCounts, type Figures } from '../../src/domain/figures.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { jobContext } from '../helpers/context.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers) await c.close();
});

const ROOT = rootAgency('H49');
const ODD = 'X:1@y'; // an agency code with BullMQ's and our separator in it (BullMQ lets an id through with exactly two ':')
const T = Date.parse('2026-10-05T10:00:00+07:00');
const WINDOW_TO = Date.parse('2026-11-01T01:00:00+07:00');

function dossier(i: number, agency: string, procedure: string): CanonicalDossier {
  return {
    code: `D-${i}`,
    agency,
    procedure,
    status: 4,
    channel: 1,
    digitised: false,
    paidOnline: false,
    receivedAt: T,
    dueAt: null,
    finishedAt: null,
    returnedAt: null,
    updatedAt: T,
  };
}

const received = (agency: string, procedure: string | null, n: number): Figures => ({
  agency,
  procedure,
  counts: { ...zeroCounts(), received: n, toProcess: n, unprocessed: n, unprocessedNotDue: n },
});

describe('codes holding |, : and @', () => {
  it('count in their own groups and reach an explanation job id BullMQ accepts', async () => {
    const config = parseConfig(
      {
        redis: { prefix: redis.prefix() },
        sources: [
          {
            id: 's',
            province: 'H49',
            dialect: 'dvcqg',
            baseUrl: 'http://127.0.0.1:9',
            usernameEnv: 'U',
            passwordEnv: 'P',
          },
        ],
        national: { baseUrl: 'http://127.0.0.1:9', usernameEnv: 'U', passwordEnv: 'P' },
      },
      'test',
      { U: 'u', P: 'p', REDIS_URL: redis.url },
    );
    const rt = createRuntime(config, pino({ level: 'silent' }));
    closers.push(rt);
    const runId = 'r1';
    const dossiers = [
      ...Array.from({ length: 34 }, (_, i) => dossier(i, ROOT, '1.004776')),
      ...Array.from({ length: 3 }, (_, i) => dossier(100 + i, ROOT, '1.004776|x')),
      ...Array.from({ length: 2 }, (_, i) => dossier(200 + i, ODD, 'p@r')),
    ];
    await rt.store.applyPage({
      province: 'H49',
      source: 's',
      runId,
      dossiers,
      quarantined: [],
      checkpoint: { syncedTo: WINDOW_TO, pending: null },
    });

    const period = makePeriod('2026-10-01', '2026-10-31');
    await rt.runs.create({
      runId,
      period: { from: period.from, to: period.to },
      window: { to: new Date(WINDOW_TO).toISOString() },
      startedAt: new Date(T).toISOString(),
      finishedAt: null,
      provinces: ['H49'],
    });
    const local = await countStore(rt.store, 'H49', period, config.counting);
    const byGroup = Object.fromEntries(local.map((f) => [`${f.agency} / ${f.procedure}`, f.counts.received]));
    expect(byGroup).toEqual({
      [`${ROOT} / null`]: 37,
      [`${ROOT} / 1.004776`]: 34,
      [`${ROOT} / 1.004776|x`]: 3,
      [`${ODD} / null`]: 2,
      [`${ODD} / p@r`]: 2,
    });

    // The portal lacks one `1.004776|x` dossier, and one of ODD's moved to a procedure with ':' only it knows.
    const nationalFigures = [
      received(ROOT, '1.004776', 34),
      received(ROOT, '1.004776|x', 2),
      received(ODD, 'p@r', 1),
      received(ODD, 'n:1:2', 1),
    ];
    const national = {
      stats: async () => nationalFigures,
      count: async () => 1,
      load: { requests: 0, records: 0 },
      metered() {
        return this;
      },
    } as unknown as NationalClient;
    const job = { getIgnoredChildrenFailures: async () => ({}), parent: undefined } as unknown as Job;
    const ctx = jobContext(config, redis.client(), {
      source: {} as SourceAdapter,
      now: WINDOW_TO,
      queue: rt.queue as Queue,
      flow: rt.flow as FlowProducer,
      national: () => national,
      job,
    });
    const summary = (await reconcileProvince.handler(
      { runId, province: 'H49', period: { from: period.from, to: period.to }, windowTo: WINDOW_TO },
      ctx,
    )) as { mismatches: number };
    const report = (await rt.runs.report(runId))!.provinces[0]!;
    expect(report.coverage.status).toBe('complete');
    const received_ = report.mismatches
      .filter((m) => m.metric === 'received')
      .map((m) => [m.agency, m.procedure, m.local, m.national]);
    expect(received_).toEqual([
      [ROOT, null, 37, 36],
      [ROOT, '1.004776|x', 3, 2],
      [ODD, 'n:1:2', 0, 1],
      [ODD, 'p@r', 2, 1],
    ]);
    expect(summary.mismatches).toBe(report.mismatches.length);

    // one explanation pass for the province, whatever its codes hold
    const explain = await Job.fromId(rt.queue, jobIds.explain(runId, 'H49'));
    expect(explain?.data).toMatchObject({ runId, province: 'H49', period: { from: period.from, to: period.to } });
  });
});
