/**
 * Fuzzing the whole chain on a real Redis: arbitrary values (unicode, separators, control
 * characters, huge, numeric, nested) in every field of both dialects' items and of the
 * national replies, through normalise → the sync job's page apply → count, and the national
 * parsers. Invariants: nothing throws, every item is applied or quarantined with a reason,
 * `pulled = applied + unchanged + quarantined`, the counts add up, a national reply that
 * cannot be read is an error naming it. Bounded: a few seconds.
 *
 * The chain is a list of steps (STEPS), each with its own invariants on a shared trial: a
 * later step (the explanation of mismatches, say) is one more entry there.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { syncSource } from '../../jobs/sync-source.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { canonicalDossier } from '../../schemas/dossier.js';
import type { SyncCounters } from '../../schemas/store.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { NationalClient } from '../../src/national/client.js';
import { parseStatsRows } from '../../src/dialects/dvcqg/fields.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../../src/dialects/dvcqg/normalise.js';
import { CODE_SHAPE, DateBounds } from '../../src/normalise/fields.js';
import { DEFAULT_DATE_LIMITS } from '../../schemas/limits.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { formatCompact } from '../../src/domain/time.js';
import { compareCounts, countStore } from '../../src/reconcile/compare.js';
import { explain } from '../../src/reconcile/explain.js';
import { METRICS } from '../../schemas/metrics.js';
import { metricsOf, DEFAULT_RULES } from '../../src/reconcile/counting.js';
import { monthPeriod } from '../../src/domain/period.js';
import { type Figures } from '../../src/domain/figures.js';
import { createSource } from '../../src/sources/index.js';
import { HttpClient } from '../../src/http/client.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { DEFAULT_REST_STATUS_NAMES } from '../../src/sim/rest-server.js';
import { formatIsoVn } from '../../src/dialects/rest/normalise.js';
import { Store } from '../../src/store/store.js';
import { TransientError } from '../../src/util/errors.js';
import { jobContext } from '../helpers/context.js';
import { startServer } from '../helpers/hostile.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
let client: Redis;
beforeAll(() => {
  client = redis.client();
});

const PERIOD = monthPeriod('2026-10');
const NOW = PERIOD.end + 2 * 86_400_000;
const PROVINCE = 'H49';
/** Runs per dialect; FUZZ_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

// ---- arbitrary values ----------------------------------------------------------------------

const SEPARATORS = [
  '|',
  ':',
  '@',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '"',
  "'",
  '\\',
  '~',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  '\u202e',
  '\ufeff',
  '%',
  '*',
  '{',
  '}',
];
const separator = fc.constantFrom(...SEPARATORS);
/** Any string: unicode of every plane, separators and control characters mixed into codes, numbers as text, huge. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc
    .tuple(
      fc.constantFrom(
        '000.00.12.H49',
        '1.004776',
        '000.00.12.H49-261002-0001',
        '20261002080000',
        '2026-10-02T08:00:00+07:00',
      ),
      separator,
      fc.string({ maxLength: 5 }),
    )
    .map(([a, s, b]) => `${a}${s}${b}`),
  fc.array(separator, { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
  fc.oneof(fc.integer(), fc.double()).map(String),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'true',
    '19600501000000',
    '29991231000000',
    '1960-05-01T00:00:00Z',
    '2999-12-31T00:00:00Z',
    '__proto__',
    'constructor',
  ),
  fc.constant('x'.repeat(100_000)),
);
/** Any value a JSON reply can carry in a field, nested ones included (deep nesting is in test/integration/hostile.test.ts). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
);

/** A plausible item of a dialect (codes from a small set, so some repeat), then some fields replaced by anything. */
interface Dialect {
  name: 'dvcqg' | 'rest';
  fields: readonly string[];
  item(seed: {
    code: number;
    agency: number;
    proc: number;
    status: number;
    received: number;
    updated: number;
  }): Record<string, unknown>;
}

const day = (s: number) => PERIOD.start + s * 60_000;
const DIALECTS: Dialect[] = [
  {
    name: 'dvcqg',
    fields: [
      'MaHoSo',
      'MaTTHC',
      'TrangThaiHoSo',
      'NgayCapNhat',
      'DonViXuLy',
      'KenhThucHien',
      'HoSoCoThanhPhanSoHoa',
      'DuocThanhToanTrucTuyen',
      'NgayTiepNhan',
      'NgayHenTra',
      'NgayKetThucXuLy',
      'NgayTra',
    ],
    item: (s) => ({
      MaHoSo: `000.00.1${s.agency}.H49-261002-000${s.code}`,
      MaTTHC: `1.00477${s.proc}`,
      DonViXuLy: `000.00.1${s.agency}.H49`,
      TrangThaiHoSo: String(s.status),
      KenhThucHien: '2',
      HoSoCoThanhPhanSoHoa: '1',
      DuocThanhToanTrucTuyen: '0',
      NgayTiepNhan: formatCompact(day(s.received)),
      NgayHenTra: formatCompact(day(s.received + 10_000)),
      NgayKetThucXuLy: s.status >= 9 ? formatCompact(day(s.received + 100)) : '',
      NgayTra: '',
      NgayCapNhat: formatCompact(day(s.updated)),
    }),
  },
  {
    name: 'rest',
    fields: [
      'code',
      'procedureCode',
      'agencyCode',
      'channel',
      'status',
      'receivedAt',
      'dueAt',
      'finishedAt',
      'returnedAt',
      'updatedAt',
      'digitised',
      'paidOnline',
    ],
    item: (s) => ({
      code: `000.00.1${s.agency}.H49-261002-000${s.code}`,
      procedureCode: `1.00477${s.proc}`,
      agencyCode: `000.00.1${s.agency}.H49`,
      channel: 'ONLINE',
      status: DEFAULT_REST_STATUS_NAMES[s.status],
      receivedAt: formatIsoVn(day(s.received)),
      dueAt: formatIsoVn(day(s.received + 10_000)),
      finishedAt: s.status >= 9 ? formatIsoVn(day(s.received + 100)) : null,
      returnedAt: null,
      updatedAt: formatIsoVn(day(s.updated)),
      digitised: true,
      paidOnline: false,
    }),
  },
];

const seed = fc.record({
  code: fc.integer({ min: 0, max: 9 }),
  agency: fc.integer({ min: 0, max: 2 }),
  proc: fc.integer({ min: 0, max: 3 }),
  status: fc.integer({ min: 1, max: 10 }),
  received: fc.integer({ min: 0, max: 40_000 }),
  updated: fc.integer({ min: 40_000, max: 44_000 }),
});

function hostileItem(d: Dialect): fc.Arbitrary<unknown> {
  const replaced = fc.array(fc.tuple(fc.constantFrom(...d.fields), hostileValue), { maxLength: 3 });
  const item = fc.tuple(seed, replaced).map(([s, r]) => ({ ...d.item(s), ...Object.fromEntries(r) }));
  return fc.oneof({ weight: 6, arbitrary: item }, { weight: 1, arbitrary: hostileValue }); // now and then not an item at all
}

/** Pages of items, as a source would serve them, the first one served again at the end (its records met again). */
const pagesOf = (d: Dialect) =>
  fc
    .array(fc.array(hostileItem(d), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 })
    .map((pages) => [...pages, pages[0]!]);

// ---- the chain -----------------------------------------------------------------------------

interface Trial {
  dialect: Dialect;
  pages: unknown[][];
  config: Config;
  store: Store;
  counters?: SyncCounters;
  figures?: Figures[];
  /** The stored dossiers, as the count read them. */
  stored?: CanonicalDossier[];
}

interface Step {
  name: string;
  run(t: Trial): Promise<void>;
}

function configFor(d: Dialect): Config {
  const common = { id: `h49-${d.name}`, province: PROVINCE, baseUrl: 'http://127.0.0.1:9', pageSize: 8 };
  const source =
    d.name === 'dvcqg'
      ? { ...common, dialect: 'dvcqg', usernameEnv: 'FUZZ_USER', passwordEnv: 'FUZZ_PASSWORD' }
      : {
          ...common,
          dialect: 'rest',
          tokenUrl: 'http://127.0.0.1:9/token',
          clientIdEnv: 'FUZZ_USER',
          clientSecretEnv: 'FUZZ_PASSWORD',
          statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
        };
  return parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [source],
      national: { baseUrl: 'http://127.0.0.1:9', usernameEnv: 'FUZZ_USER', passwordEnv: 'FUZZ_PASSWORD' },
    },
    'fuzz',
    { FUZZ_USER: 'u', FUZZ_PASSWORD: 'p', REDIS_URL: redis.url },
  );
}

/** The configured adapter of the dialect (its normaliser, item keys, limits), serving the trial's pages. */
function serving(config: Config, pages: unknown[][]): SourceAdapter {
  const real = createSource(config.sources[0]!, { now: () => NOW, dates: config.dates });
  return {
    id: real.id,
    limits: real.limits,
    normalise: (raw) => real.normalise(raw),
    itemKey: (raw) => real.itemKey(raw),
    fetchPage: async (_window, cursor) => {
      const i = cursor === null ? 0 : (cursor as number);
      return { items: pages[i]!, next: i + 1, done: i + 1 === pages.length };
    },
  };
}

const STEPS: Step[] = [
  {
    name: 'normalise and apply (the sync job)',
    async run(t) {
      const ctx = jobContext(t.config, client, { source: serving(t.config, t.pages), now: NOW, store: t.store });
      t.counters = (await syncSource.handler(
        { runId: 'r1', source: t.config.sources[0]!.id, windowTo: NOW },
        ctx,
      )) as SyncCounters;
      const c = t.counters;
      const items = t.pages.reduce((n, p) => n + p.length, 0);
      expect(c.pulled).toBe(items);
      expect(c.pulled).toBe(c.applied + c.unchanged + c.quarantined);
      // every quarantined item is there with a reason (a reason's count covers an item met twice)
      const reasons = await t.store.quarantineReasons(PROVINCE, t.config.sources[0]!.id);
      for (const [reason, n] of Object.entries(reasons)) {
        expect(reason).toMatch(/^[\w.]+: \S/);
        expect(n).toBeGreaterThan(0);
      }
      expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(c.quarantined);
      if (c.quarantined > 0) expect(Object.keys(reasons).length).toBeGreaterThan(0);
    },
  },
  {
    name: 'count',
    async run(t) {
      const stored: CanonicalDossier[] = [];
      for await (const b of t.store.scanDossiers(PROVINCE)) stored.push(...b);
      for (const d of stored) {
        expect(canonicalDossier.safeParse(d).success).toBe(true);
        for (const c of [d.code, d.agency, d.procedure]) expect(c).toMatch(CODE_SHAPE);
      }
      t.figures = await countStore(t.store, PROVINCE, PERIOD, DEFAULT_RULES);
      t.stored = stored;
      // the figures, recounted with nested maps (no joined keys) from the stored dossiers
      const want = new Map<string, Map<string | null, number[]>>();
      for (const d of stored) {
        const bits = metricsOf(d, PERIOD, DEFAULT_RULES);
        if (bits === 0) continue;
        const byProc = want.get(d.agency) ?? new Map<string | null, number[]>();
        want.set(d.agency, byProc);
        for (const key of [null, d.procedure]) {
          const counts = byProc.get(key) ?? METRICS.map(() => 0);
          METRICS.forEach((_, i) => (counts[i]! += (bits >> i) & 1));
          byProc.set(key, counts);
        }
      }
      const got = new Map<string, Map<string | null, number[]>>();
      for (const f of t.figures) {
        const byProc = got.get(f.agency) ?? new Map<string | null, number[]>();
        got.set(f.agency, byProc);
        expect(byProc.has(f.procedure), `${f.agency} ${f.procedure} twice`).toBe(false);
        byProc.set(
          f.procedure,
          METRICS.map((m) => f.counts[m]),
        );
      }
      expect(got).toEqual(want);
      // an agency's totals are the sums of its procedure rows
      for (const [agency, byProc] of got) {
        const sum = METRICS.map((_, i) => [...byProc].filter(([p]) => p !== null).reduce((a, [, c]) => a + c[i]!, 0));
        expect(byProc.get(null), agency).toEqual(sum);
      }
    },
  },
  {
    // Against a portal that holds none of these dossiers, every figure is a mismatch, and every
    // one must be accounted for to the last dossier: each stored dossier that counts, missing nationally.
    name: 'explain',
    async run(t) {
      const local = new Map(t.stored!.filter((d) => metricsOf(d, PERIOD, DEFAULT_RULES) !== 0).map((d) => [d.code, d]));
      const mismatches = compareCounts(t.figures!, []);
      const {
        findings,
        mismatches: explained,
        needs,
      } = explain(
        {
          period: PERIOD,
          rules: DEFAULT_RULES,
          local,
          national: [],
          asked: { lookups: new Set(local.keys()), store: new Set() },
          unexamined: new Map(),
          examined: new Map(),
        },
        mismatches,
      );
      expect(needs).toEqual({ lookups: [], store: [] });
      expect(explained).toHaveLength(mismatches.length);
      for (const m of explained) {
        expect(m.residual, `${m.agency} ${m.procedure} ${m.metric}`).toBe(0);
        expect(m.explainedBy!.count).toBe(m.local);
      }
      expect(new Set(findings.map((f) => f.kind))).toEqual(new Set(local.size ? ['missing_national'] : []));
      expect(new Set(findings.map((f) => f.dossierCode))).toEqual(new Set(local.keys()));
    },
  },
];

describe.each(DIALECTS)('fuzz $name: normalise → apply → count → explain on a real Redis', (d) => {
  it(`any values in any field: ${STEPS.map((s) => s.name).join(' → ')}; nothing throws and everything adds up`, async () => {
    const seen = { applied: 0, unchanged: 0, quarantined: 0, counted: 0 };
    await fc.assert(
      fc.asyncProperty(pagesOf(d), async (pages) => {
        const config = configFor(d);
        const trial: Trial = { dialect: d, pages, config, store: new Store(client, config.redis.prefix) };
        for (const step of STEPS) await step.run(trial);
        seen.applied += trial.counters!.applied;
        seen.unchanged += trial.counters!.unchanged;
        seen.quarantined += trial.counters!.quarantined;
        seen.counted += trial.figures!.length;
      }),
      { numRuns: RUNS },
    );
    // the runs went down every path: records applied, met again, quarantined, and counted
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(0);
  });
});

// ---- national replies ----------------------------------------------------------------------

const STATS_FIELDS = [
  'Madonvi',
  'MaTTHC',
  'SoNhanTrongKy',
  'SoTonKyTruoc',
  'TongSoXuLy',
  'TongDaXuLy',
  'TongXuLyDungHan',
  'TongXuLyTreHan',
  'TongChuaXuLy',
  'TongChuaXuLyTrongHan',
  'TongChuaXuLyTreHan',
  'SoTrucTuyen',
  'SoBuuChinh',
  'SoCoSoHoa',
];
const statsRow = fc
  .tuple(
    fc.integer({ min: 0, max: 99 }),
    fc.array(fc.tuple(fc.constantFrom(...STATS_FIELDS), hostileValue), { maxLength: 2 }),
  )
  .map(([n, r]) => ({
    ...Object.fromEntries(STATS_FIELDS.map((f) => [f, String(n)])),
    Madonvi: '000.00.12.H49',
    MaTTHC: '1.004776',
    ...Object.fromEntries(r),
  }));

describe('fuzz national replies', () => {
  it('ThongKeHoSo rows with anything in any field: figures, or an error naming the row and field, never a crash', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 5, arbitrary: statsRow }, { weight: 1, arbitrary: hostileValue }), {
          maxLength: 6,
        }),
        (rows) => {
          let figures: Figures[];
          try {
            figures = parseStatsRows(rows, 'national');
          } catch (err) {
            expect(err).toBeInstanceOf(TransientError);
            expect((err as Error).message).toMatch(/^national: ThongKeHoSo row \d+: /);
            return;
          }
          expect(figures).toHaveLength(rows.length);
          for (const f of figures)
            for (const m of METRICS) expect(Number.isSafeInteger(f.counts[m]) && f.counts[m] >= 0).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('DanhSachHoSo / TraCuuHoSo items with anything in any field: a dossier or a reason (as the drill-down reads them)', () => {
    const dates = new DateBounds(DEFAULT_DATE_LIMITS, () => NOW);
    fc.assert(
      fc.property(hostileItem(DIALECTS[0]!), (raw) => {
        const n = normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP, agency: '000.00.12.H49', dates });
        if (n.ok) expect(canonicalDossier.safeParse(n.dossier).success).toBe(true);
        else expect(n.reason).toMatch(/^[\w.]+: \S/);
      }),
      { numRuns: 300 },
    );
  });

  it('a national reply that cannot be read is an error naming the service, not a crash', async () => {
    let reply = '';
    const server = await startServer((req, _body, res) => {
      const text = req.url?.endsWith('/auth/login') ? JSON.stringify({ error_code: 0, session: 's' }) : reply;
      res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    });
    try {
      const national = new NationalClient(
        { baseUrl: server.url },
        new HttpClient({ name: 'national', timeoutMs: 5000, retries: 0 }),
        { username: 'u', password: 'p' },
      );
      const body = fc.oneof(
        hostileValue.map((data) => JSON.stringify({ error_code: 0, data })),
        fc
          .array(hostileItem(DIALECTS[0]!), { maxLength: 5 })
          .map((data) => JSON.stringify({ error_code: 0, tongSo: data.length, data })),
        hostileValue.map((v) => JSON.stringify(v)),
        hostileString,
      );
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          reply = text;
          const services = [
            async () => void (await national.stats('000.00.00.H49', PERIOD, { agency: true, procedure: true })),
            async () => void (await national.lookup('000.00.00.H49', ['000.00.12.H49-261002-0001'])),
            async () => {
              for await (const page of national.list('000.00.12.H49', PERIOD, 'TiepNhan', 5))
                expect(Array.isArray(page)).toBe(true);
            },
          ];
          for (const call of services) {
            const err = await call().then(
              () => undefined,
              (e: unknown) => e,
            );
            if (err === undefined) continue;
            expect(err).toBeInstanceOf(Error);
            expect((err as Error).message).toMatch(/^national(: | DanhSachHoSo )/);
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await server.close();
    }
  });
});
