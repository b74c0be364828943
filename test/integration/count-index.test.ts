/**
 * Counting through the store's layout (countPeriod: the open hash and the buckets of the
 * months a period overlaps) gives the same figures as counting every dossier, over random
 * worlds where records move between months and statuses, pages are applied again, quarantined
 * items are released, and part of the store is in the layout before buckets; and the months
 * around a period hold every dossier the explanation of that period reads.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Checkpoint } from '../../schemas/store.js';
import { countStore } from '../../src/reconcile/compare.js';
import { GroupTally, countPeriod } from '../../src/reconcile/count-store.js';
import { StoreThread } from '../../src/reconcile/store-thread.js';
import { fromColumns } from '../../src/store/columns.js';
import { DEFAULT_RULES, Tally, metricsOf, type CountingRules } from '../../src/reconcile/counting.js';
import { makePeriod, monthPeriod, type Period } from '../../src/domain/period.js';
import { type Figures } from '../../src/domain/figures.js';
import { agencyOfBucket, codeIn, monthOfBucket, nearMonths, placeOf } from '../../src/store/layout.js';
import { pack, unpack } from '../../src/store/pack.js';
import { Store } from '../../src/store/store.js';
import { vn } from '../helpers/fixtures.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const DAY = 86_400_000;
const T0 = vn('2026-01-01T00:00:00');
const AGENCIES = ['000.00.00.H49', '000.00.12.H49', '000.00.31.H49'];
const PERIODS: Period[] = [
  monthPeriod('2026-01'),
  monthPeriod('2026-02'),
  monthPeriod('2026-03'),
  monthPeriod('2026-04'),
  makePeriod('2026-02-10', '2026-03-20'),
  makePeriod('2026-03-31', '2026-03-31'),
];
const RULES: CountingRules[] = [DEFAULT_RULES, { withdrawnIsProcessed: true, processedOn: 'returned' }];

const yymmdd = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(2, 10).replaceAll('-', '');

/** A code: well-formed (its day between 2025-12 and 2026-04, often on a month's edge, sequence 0..299 so several buckets per day), or not. */
const codeArb = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .record({
        agency: fc.constantFrom(...AGENCIES),
        // any day, or often a month's first or last day (the edges the explanation reads alone)
        day: fc.oneof(fc.integer({ min: -20, max: 110 }), fc.constantFrom(-1, 0, 30, 31, 58, 59, 89, 90)),
        seq: fc.integer({ min: 0, max: 299 }),
      })
      .map((c) => `${c.agency}-${yymmdd(T0 + c.day * DAY)}-${String(c.seq).padStart(4, '0')}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => `ODD-${n}`) },
);
const at = (base: number, maxDays: number) =>
  fc.option(
    fc.integer({ min: 0, max: maxDays * 24 }).map((h) => base + h * 3_600_000),
    { nil: null },
  );

/** One version of a dossier: its dates near its code's day (or anywhere for an odd code), any status. */
const versionArb = (code: string) =>
  fc
    .record({
      status: fc.integer({ min: 1, max: 10 }),
      shift: fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constant(0)),
      channel: fc.constantFrom(null, 1, 2, 3),
      digitised: fc.boolean(),
      agency: fc.constantFrom(...AGENCIES),
      procedure: fc.constantFrom('1.001234', '2.000111'),
      received: fc.boolean(),
      version: fc.integer({ min: 0, max: 5_000 }),
    })
    .chain((v) => {
      const m = /-(\d\d)(\d\d)(\d\d)-/.exec(code);
      const day = m ? vn(`20${m[1]}-${m[2]}-${m[3]}T08:00:00`) : T0 + 30 * DAY;
      const receivedAt = v.received ? day + v.shift * DAY : null;
      const base = receivedAt ?? day;
      return fc
        .record({ dueAt: at(base, 30), finishedAt: at(base, 60), returnedAt: at(base, 70) })
        .map((t): CanonicalDossier => ({
          code,
          agency: code.startsWith('ODD') ? v.agency : code.slice(0, 13),
          procedure: v.procedure,
          status: v.status,
          channel: v.channel as CanonicalDossier['channel'],
          digitised: v.digitised,
          paidOnline: false,
          receivedAt,
          ...t,
          updatedAt: T0 + v.version * 1000,
        }));
    });

const recordsArb = fc
  .array(codeArb, { minLength: 1, maxLength: 60 })
  .chain((codes) => fc.array(fc.constantFrom(...codes).chain(versionArb), { minLength: 1, maxLength: 200 }));

/** How a record reaches the store: in a page, in the layout before buckets, or as a released quarantined item. */
const routeArb = fc.constantFrom('page', 'page', 'page', 'legacy', 'quarantine');

const cp = (page: number): Checkpoint => ({
  syncedTo: null,
  pending: { runId: 'r1', from: 0, to: T0 * 2, cursor: { page }, pages: page },
});
const sorted = (f: Figures[]) =>
  [...f].sort((a, b) => `${a.agency}|${a.procedure}`.localeCompare(`${b.agency}|${b.procedure}`));

/** The figures of the dossiers as they should be stored: per code, the first record of the latest second. */
function expected(records: CanonicalDossier[], period: Period, rules: CountingRules): Figures[] {
  const latest = new Map<string, CanonicalDossier>();
  for (const d of records) {
    const old = latest.get(d.code);
    if (!old || Math.floor(d.updatedAt / 1000) > Math.floor(old.updatedAt / 1000)) latest.set(d.code, d);
  }
  const tally = new Tally(period, rules);
  for (const d of latest.values()) {
    tally.add(`${d.agency}|`, d);
    tally.add(`${d.agency}|${d.procedure}`, d);
  }
  return [...tally.groups].map(([key, counts]) => {
    const [agency, procedure] = key.split('|') as [string, string];
    return { agency, procedure: procedure === '' ? null : procedure, counts };
  });
}

/** The file's store thread, started with the first count that asks for it. */

let counting: StoreThread | undefined;
const thread = () => (counting ??= StoreThread.start({ kind: 'single', url: redis.url }));
afterAll(() => counting?.close());

/** Counting through the layout, here and in the store thread, gives the figures of every dossier. */
async function expectCounts(store: Store, all: CanonicalDossier[]): Promise<void> {
  for (const rules of RULES)
    for (const period of PERIODS) {
      const want = sorted(expected(all, period, rules));
      expect(sorted(await countStore(store, 'H49', period, rules))).toEqual(want);
      expect(sorted((await countPeriod(store, 'H49', period, rules)).figures())).toEqual(want);
      // half of the buckets in the store thread, whatever their number
      const split = await countPeriod(store, 'H49', period, rules, thread, 1);
      expect(sorted(split.figures())).toEqual(want);
      // every bucket in the thread (no fallback here to hide a thread that counts wrong)
      const there = new GroupTally(period, rules);
      const lists = await store.periodBuckets('H49', period);
      there.merge(await thread().count(store.keys.prefix, 'H49', period, rules, lists));
      await store.visitOdd('H49', (d) => there.add(d));
      expect(sorted(there.figures())).toEqual(want);
    }
}

/**
 * The store as a version before the closed twins left it: their dossiers in the open twins,
 * listed among the open buckets, no list by month, the twins not marked split. Returns a new
 * `Store` on it (a `Store` remembers the provinces it has split).
 */
async function withoutClosedTwins(client: Redis, store: Store): Promise<Store> {
  const L = store.keys.layout('H49');
  for (const key of await client.keys(`${L}:c:*`)) {
    const bucket = key.slice(`${L}:c:`.length);
    await client.hset(`${L}:o:${bucket}`, await client.hgetall(key));
    await client.sadd(`${L}:open-buckets`, bucket);
    await client.del(key);
  }
  await client.del(`${L}:close-months`, ...(await client.keys(`${L}:cm:*`)));
  await client.hdel(`${L}:meta`, 'closed-twins');
  return new Store(client, store.keys.prefix);
}

/**
 * What the explanation reads of a period (`Store.visitNear`; src/reconcile/gather.ts) holds
 * every dossier that counts in it or was received a day either side of it, the store thread
 * keeps exactly those, and the months a day either side reaches are read through their edge
 * lists: each month's lists every bucket holding a dossier received on its first or last day
 * (the applies may list more; a list rebuilt by a reading, when `rebuilt`, exactly those).
 */
async function expectNearReads(client: Redis, store: Store, rebuilt = false): Promise<void> {
  const stored: CanonicalDossier[] = [];
  for await (const b of store.scanDossiers('H49')) stored.push(...b);
  const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : 1);
  const L = store.keys.layout('H49');
  for (const period of PERIODS) {
    const read = new Set<string>();
    await store.visitNear('H49', period, (code) => read.add(code));
    const near = (d: CanonicalDossier) =>
      d.receivedAt !== null && d.receivedAt >= period.start - DAY && d.receivedAt < period.end + DAY;
    const needed = stored.filter((d) => near(d) || RULES.some((rules) => metricsOf(d, period, rules) !== 0));
    expect(needed.filter((d) => !read.has(d.code))).toEqual([]);
    // ... and the store thread keeps exactly those, each with its metrics in the period
    for (const rules of RULES) {
      const here = stored.filter((d) => near(d) || metricsOf(d, period, rules) !== 0).sort(byCode);
      const there: { code: string; d: CanonicalDossier; bits: number }[] = [];
      const days = { start: period.start - DAY, end: period.end + DAY };
      const { columns, bits } = await thread().read(store.keys.prefix, 'H49', { period, rules, near: days });
      fromColumns(columns, (d) => there.push({ code: d.code, d, bits: bits[there.length]! }));
      there.sort(byCode);
      expect(there.map((t) => t.d)).toStrictEqual(here);
      expect(there.map((t) => t.bits)).toEqual(here.map((d) => metricsOf(d, period, rules)));
    }
    // the months a day either side reaches: known complete once read, and read by their edge lists
    const { edges } = nearMonths(period);
    const { lists, whole } = await store.nearBuckets('H49', period);
    expect(whole).toEqual([]);
    const listed = new Set(await Promise.all(edges.map((m) => client.smembers(`${L}:be:${m}`))).then((l) => l.flat()));
    const home = lists.find(([kind]) => kind === `${L}:b`)![1];
    expect(home.filter((b) => edges.includes(monthOfBucket(b)) && !listed.has(b))).toEqual([]);
  }
  for (const m of await client.smembers(`${L}:edge-months`)) {
    const want = new Set<string>();
    for (const d of stored) {
      const p = placeOf(d);
      if (p.edge && p.month === m) want.add(p.bucket!);
    }
    const have = await client.smembers(`${L}:be:${m}`);
    if (rebuilt) expect(have.sort()).toEqual([...want].sort());
    else expect(have).toEqual(expect.arrayContaining([...want]));
  }
}

describe('countPeriod (the store layout) against every dossier', () => {
  it('random worlds: moved records, re-applied pages, released quarantine items, the layout before buckets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(recordsArb, routeArb), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        async (steps, pageSize) => {
          const client = redis.client();
          const store = new Store(client, redis.prefix());
          const all: CanonicalDossier[] = [];
          let page = 0;
          for (const [records, route] of steps) {
            all.push(...records);
            if (route === 'legacy' && page === 0) {
              // a store written before the buckets: one hash of every dossier, the newest record per code
              const legacy = store.keys.dossiers('H49');
              for (const d of records) {
                const old = await client.hget(legacy, d.code);
                if (old === null || Math.floor(d.updatedAt / 1000) > parseInt(old.slice(1, old.indexOf('|')), 36))
                  await client.hset(legacy, d.code, pack(d));
              }
              continue;
            }
            if (route === 'quarantine') {
              const items = records.map((_, i) => ({
                key: `q${page}-${i}`,
                entry: { reason: 'unknown_status', at: 0, raw: {} },
              }));
              await store.applyPage({
                province: 'H49',
                source: 's',
                runId: 'r1',
                dossiers: [],
                quarantined: items as never,
                checkpoint: cp(++page),
              });
              await store.releaseQuarantined(
                'H49',
                's',
                records.map((d, i) => ({ key: items[i]!.key, reason: 'unknown_status', dossier: d })),
              );
              continue;
            }
            for (let i = 0; i < records.length; i += pageSize) {
              const p = {
                province: 'H49',
                source: 's',
                runId: 'r1',
                dossiers: records.slice(i, i + pageSize),
                quarantined: [],
                checkpoint: cp(++page),
              };
              await store.applyPage(p);
              await store.applyPage({ ...p, checkpoint: cp(++page) }); // pulled again: changes nothing
            }
          }
          // written by this version (any page applied): nothing to split, `splitClosedTwins`
          // will read no open twin; a store only in the layout before buckets is marked when moved
          const marked = await client.hget(`${store.keys.layout('H49')}:meta`, 'closed-twins');
          expect(marked).toBe(page > 0 ? '1' : null);
          await expectCounts(store, all);
          // what the explanation reads, with the months' edge lists kept from the start, then
          // rebuilt by a first reading (a store written before they were kept)
          await expectNearReads(client, store);
          const L = store.keys.layout('H49');
          await client.del(`${L}:edge-months`, ...(await client.keys(`${L}:be:*`)));
          await expectNearReads(client, store, true);
          expect(await client.exists(store.keys.dossiers('H49'))).toBe(0); // migrated by the first countPeriod
          // a store whose open twins hold closed dossiers (written before the closed twins):
          // the same counts and reads, and its closed dossiers moved out of the open twins
          const earlier = await withoutClosedTwins(client, store);
          await expectCounts(earlier, all);
          await expectNearReads(client, earlier);
          const open = await client.smembers(`${L}:open-buckets`);
          for (const bucket of open)
            for (const [field, value] of Object.entries(await client.hgetall(`${L}:o:${bucket}`)))
              expect(placeOf(unpack(codeIn(bucket, field), value, agencyOfBucket(bucket))).kind).toBe('o');
          expect(await store.countDossiers('H49')).toBe(new Set(all.map((d) => d.code)).size);
          // each stored dossier found by its code, wherever it is kept (bucket, open or closed twin, odd hash)
          const stored: CanonicalDossier[] = [];
          for await (const b of earlier.scanDossiers('H49')) stored.push(...b);
          const byCode = await earlier.getDossiers('H49', [...stored.map((d) => d.code), 'ODD-none']);
          expect([...byCode.values()]).toEqual(stored);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('a store thread that is gone costs time, not the count: its half is read here', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const period = monthPeriod('2026-03');
    const records = fc.sample(recordsArb, { numRuns: 3, seed: 11 }).flat();
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: records,
      quarantined: [],
      checkpoint: cp(1),
    });
    const gone = StoreThread.start({ kind: 'single', url: redis.url });
    await gone.close();
    await expect(gone.count(store.keys.prefix, 'H49', period, DEFAULT_RULES, [])).rejects.toThrow(/closed/);
    const want = sorted(await countStore(store, 'H49', period, DEFAULT_RULES));
    expect(want.length).toBeGreaterThan(0);
    expect(sorted((await countPeriod(store, 'H49', period, DEFAULT_RULES, () => gone, 1)).figures())).toEqual(want);
  });
});
