/**
 * The simulators' counting oracle (src/sim/oracle.ts) against the project's counting module
 * (src/reconcile/counting.ts): two implementations of the same rules, held equal dossier by
 * dossier and group by group over many random dossier sets and periods, with the instants
 * drawn mostly from the rules' boundaries. Named boundary cases are also checked against
 * what the rules say.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { METRICS } from '../../schemas/metrics.js';
import { Tally, hasMetric, metricsOf, type CountingRules } from '../../src/reconcile/counting.js';
import { makePeriod, type Period } from '../../src/domain/period.js';
import { ORACLE_METRICS, oracleCounts, oracleMetrics, type OracleMetric } from '../../src/sim/oracle.js';
import { fullDossier, vn } from '../helpers/fixtures.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const BASE = '2026-10-01';

type D = CanonicalDossier;

/** A period of 1..45 days starting 0..60 days after BASE (months, leap days and year ends aside, any span). */
const periodArb = fc
  .record({ offset: fc.integer({ min: 0, max: 60 }), length: fc.integer({ min: 1, max: 45 }) })
  .map(({ offset, length }) => {
    const day = (n: number) => new Date(Date.parse(`${BASE}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
    return makePeriod(day(offset), day(offset + length - 1));
  });

const rulesArb: fc.Arbitrary<CountingRules> = fc.record({
  withdrawnIsProcessed: fc.boolean(),
  processedOn: fc.constantFrom('finished' as const, 'returned' as const),
  dueCompare: fc.constantFrom('day' as const, 'time' as const, undefined),
  periodEnd: fc.constantFrom('inclusive' as const, 'exclusive' as const, undefined),
  receivedOn: fc.constantFrom('received' as const, 'submitted' as const, undefined),
});

/**
 * An instant, mostly on a boundary of the period: its first and last instants, the second
 * before and after each, the last second of its last day, a due day late in the day, and
 * whole-second instants anywhere from two months before to a month after.
 */
function instantArb(p: Period): fc.Arbitrary<number> {
  const last = p.end - SECOND; // 23:59:59 on the last day
  const boundaries = [
    p.start,
    p.start - SECOND,
    p.start + SECOND,
    last,
    p.end,
    p.end + SECOND,
    p.start + 17 * HOUR,
    last - 7 * HOUR,
    p.end + 7 * HOUR,
    p.start - 7 * HOUR,
  ];
  const anywhere = fc.integer({ min: -60 * 24 * 3600, max: 30 * 24 * 3600 }).map((s) => p.start + s * SECOND);
  const sameDay = fc
    .record({
      day: fc.integer({ min: -3, max: 3 }),
      at: fc.integer({ min: 0, max: 24 * 3600 - 1 }),
      onEnd: fc.boolean(),
    })
    .map(({ day, at, onEnd }) => (onEnd ? p.end : p.start) + day * DAY + at * SECOND);
  return fc.oneof(fc.constantFrom(...boundaries), sameDay, anywhere);
}

/** A dossier with dates around `p`. Dates keep their life's order (due, finish and return after receipt) when `ordered`. */
function dossierArb(p: Period, ordered: boolean): fc.Arbitrary<D> {
  const t = instantArb(p);
  const maybe = (a: fc.Arbitrary<number>) => fc.option(a, { nil: null, freq: 4 });
  return fc
    .record({
      agency: fc.constantFrom('000.00.00.H49', '000.00.11.H49', '000.00.12.H49'),
      procedure: fc.constantFrom('1.000001', '1.000002'),
      status: fc.integer({ min: 1, max: 10 }),
      channel: fc.constantFrom(1 as const, 2 as const, 3 as const, null),
      digitised: fc.boolean(),
      receivedAt: maybe(t),
      dueAt: maybe(t),
      finishedAt: maybe(t),
      returnedAt: maybe(t),
      submittedAt: fc.option(t, { nil: undefined, freq: 2 }),
    })
    .map((r) => {
      const d: D = { ...fullDossier, ...r, code: 'x', updatedAt: 0 };
      if (ordered && d.receivedAt !== null) {
        const after = (x: number | null) => (x === null ? null : Math.max(x, d.receivedAt!));
        d.dueAt = after(d.dueAt);
        if (d.submittedAt !== undefined) d.submittedAt = Math.min(d.submittedAt!, d.receivedAt);
        d.finishedAt = after(d.finishedAt);
        d.returnedAt = after(
          d.returnedAt === null || d.finishedAt === null ? d.returnedAt : Math.max(d.returnedAt, d.finishedAt),
        );
      }
      return d;
    });
}

const worldArb = (ordered: boolean) =>
  periodArb.chain((p) =>
    fc.record({
      period: fc.constant(p),
      rules: rulesArb,
      dossiers: fc.array(dossierArb(p, ordered), { maxLength: 60 }),
    }),
  );

const days = (p: Period) => ({ from: p.from, to: p.to });

function projectMetrics(d: D, p: Period, rules: CountingRules): Record<OracleMetric, boolean> {
  const bits = metricsOf(d, p, rules);
  return Object.fromEntries(METRICS.map((m) => [m, hasMetric(bits, m)])) as Record<OracleMetric, boolean>;
}

describe("the simulators' counting oracle", () => {
  it('names the same metrics as the counting module', () => {
    expect([...ORACLE_METRICS]).toEqual([...METRICS]);
  });

  it('agrees with the counting module dossier by dossier and per agency and procedure, over random dossier sets and periods', () => {
    fc.assert(
      fc.property(worldArb(true), ({ period, rules, dossiers }) => {
        for (const d of dossiers)
          expect(oracleMetrics(d, days(period), rules), JSON.stringify(d)).toEqual(projectMetrics(d, period, rules));
        const tally = new Tally(period, rules);
        for (const d of dossiers) tally.add(`${d.agency}|${d.procedure}`, d);
        const oracle = oracleCounts(dossiers, days(period), (d) => `${d.agency}|${d.procedure}`, rules);
        expect(new Map(oracle)).toEqual(tally.groups);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on dossiers whose dates are out of order too, one finished before it was received included', () => {
    // received in the period and finished before the period started: "processed = finished in
    // the period" says not processed, on both sides
    let finishedBeforeReceived = 0;
    fc.assert(
      fc.property(worldArb(false), ({ period, rules, dossiers }) => {
        for (const d of dossiers) {
          const f = rules.processedOn === 'returned' ? d.returnedAt : d.finishedAt;
          const r = rules.receivedOn === 'submitted' ? (d.submittedAt ?? d.receivedAt) : d.receivedAt;
          if (r !== null && r >= period.start && f !== null && f < period.start) finishedBeforeReceived++;
          expect(oracleMetrics(d, days(period), rules), JSON.stringify(d)).toEqual(projectMetrics(d, period, rules));
        }
      }),
      { numRuns: 1000 },
    );
    expect(finishedBeforeReceived).toBeGreaterThan(0); // the case occurred
  });
});

describe("the oracle on the rules' boundary cases", () => {
  const october = makePeriod('2026-10-01', '2026-10-31');
  const DEFAULT: CountingRules = { withdrawnIsProcessed: false, processedOn: 'finished' };
  /** A dossier of the fixture's shape, accepted and in progress unless told otherwise. */
  const dossier = (over: Partial<D>): D => ({ ...fullDossier, status: 4, finishedAt: null, returnedAt: null, ...over });
  const metricsIn = (d: D, rules: CountingRules = DEFAULT) => {
    const m = oracleMetrics(d, days(october), rules);
    expect(m, 'the counting module agrees').toEqual(projectMetrics(d, october, rules));
    return ORACLE_METRICS.filter((k) => m[k]);
  };

  const cases: [string, D, OracleMetric[], CountingRules?][] = [
    [
      "received at the period's first instant",
      dossier({
        receivedAt: vn('2026-10-01T00:00:00'),
        dueAt: vn('2026-11-05T17:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
    ],
    [
      "received at the period's last instant",
      dossier({
        receivedAt: vn('2026-10-31T23:59:59'),
        dueAt: vn('2026-11-05T17:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
    ],
    ['received the instant after the period: not counted', dossier({ receivedAt: vn('2026-11-01T00:00:00') }), []],
    [
      'finished on the due day, late in the day: on time',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-20T08:00:00'),
        finishedAt: vn('2026-10-20T23:59:59'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'onTime'],
    ],
    [
      'finished the day after the due day, early in the day: late',
      dossier({
        status: 10,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-20T17:00:00'),
        finishedAt: vn('2026-10-21T00:00:01'),
        returnedAt: vn('2026-10-22T09:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'late'],
    ],
    [
      'no due date: on time',
      dossier({ status: 9, receivedAt: vn('2026-10-05T09:00:00'), dueAt: null, finishedAt: vn('2026-12-01T09:00:00') }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue', 'online', 'digitised'],
    ],
    [
      'no due date, finished in the period: on time',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: null,
        finishedAt: vn('2026-10-09T09:00:00'),
        channel: 3,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'onTime', 'postal'],
    ],
    [
      'withdrawn: not processed by default',
      dossier({
        status: 7,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-10T17:00:00'),
        finishedAt: vn('2026-10-08T09:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'overdue'],
    ],
    [
      'withdrawn, withdrawnIsProcessed: processed',
      dossier({
        status: 7,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-10T17:00:00'),
        finishedAt: vn('2026-10-08T09:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'onTime'],
      { withdrawnIsProcessed: true, processedOn: 'finished' },
    ],
    [
      'finished in the period, returned after it, processedOn returned: unprocessed',
      dossier({
        status: 10,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-11-10T17:00:00'),
        finishedAt: vn('2026-10-31T16:00:00'),
        returnedAt: vn('2026-11-01T08:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
      { withdrawnIsProcessed: false, processedOn: 'returned' },
    ],
    [
      'finished before the period, returned in it, processedOn returned: carried over and processed',
      dossier({
        status: 10,
        receivedAt: vn('2026-09-20T09:00:00'),
        dueAt: vn('2026-09-29T17:00:00'),
        finishedAt: vn('2026-09-29T16:00:00'),
        returnedAt: vn('2026-10-01T08:00:00'),
      }),
      ['carriedOver', 'toProcess', 'processed', 'late'],
      { withdrawnIsProcessed: false, processedOn: 'returned' },
    ],
    [
      'finished on the due day after the due hour, dueCompare time: late',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-20T17:00:00'),
        finishedAt: vn('2026-10-20T17:00:01'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'late'],
      { ...DEFAULT, dueCompare: 'time' },
    ],
    [
      'finished at the due instant, dueCompare time: on time',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-20T17:00:00'),
        finishedAt: vn('2026-10-20T17:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'processed', 'onTime'],
      { ...DEFAULT, dueCompare: 'time' },
    ],
    [
      'received on the last day, periodEnd exclusive: not counted',
      dossier({ receivedAt: vn('2026-10-31T00:00:00') }),
      [],
      { ...DEFAULT, periodEnd: 'exclusive' },
    ],
    [
      'finished on the last day, due on it, periodEnd exclusive: unprocessed, not yet due',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-31T17:00:00'),
        finishedAt: vn('2026-10-31T09:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
      { ...DEFAULT, periodEnd: 'exclusive' },
    ],
    [
      'submitted before the period, received on its first day, receivedOn submitted: carried over',
      dossier({
        submittedAt: vn('2026-09-30T22:00:00'),
        receivedAt: vn('2026-10-01T08:00:00'),
        dueAt: vn('2026-11-05T17:00:00'),
      }),
      ['carriedOver', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
      { ...DEFAULT, receivedOn: 'submitted' },
    ],
    [
      'finished but not returned, processedOn returned: unprocessed',
      dossier({
        status: 9,
        receivedAt: vn('2026-10-05T09:00:00'),
        dueAt: vn('2026-10-10T17:00:00'),
        finishedAt: vn('2026-10-08T09:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'overdue'],
      { withdrawnIsProcessed: false, processedOn: 'returned' },
    ],
    [
      'carried over from before the period, finished in it',
      dossier({
        status: 9,
        receivedAt: vn('2026-09-25T09:00:00'),
        dueAt: vn('2026-10-02T17:00:00'),
        finishedAt: vn('2026-10-01T00:00:00'),
      }),
      ['carriedOver', 'toProcess', 'processed', 'onTime'],
    ],
    [
      'finished the last instant before the period: not counted',
      dossier({ status: 9, receivedAt: vn('2026-09-25T09:00:00'), finishedAt: vn('2026-09-30T23:59:59') }),
      [],
    ],
    [
      'carried over, still open, due on the last day: overdue',
      dossier({ receivedAt: vn('2026-09-25T09:00:00'), dueAt: vn('2026-10-31T23:00:00') }),
      ['carriedOver', 'toProcess', 'unprocessed', 'overdue'],
    ],
    [
      'open, due the first instant after the period: not yet due',
      dossier({
        receivedAt: vn('2026-10-25T09:00:00'),
        dueAt: vn('2026-11-01T00:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
    ],
    [
      'finished after the period: unprocessed, overdue',
      dossier({
        status: 10,
        receivedAt: vn('2026-10-25T09:00:00'),
        dueAt: vn('2026-10-30T17:00:00'),
        finishedAt: vn('2026-11-01T00:00:00'),
        returnedAt: vn('2026-11-02T00:00:00'),
        channel: 1,
        digitised: false,
      }),
      ['received', 'toProcess', 'unprocessed', 'overdue'],
    ],
    [
      'online and digitised, received in the period',
      dossier({ receivedAt: vn('2026-10-10T22:00:00'), dueAt: vn('2026-11-10T17:00:00'), channel: 2, digitised: true }),
      ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue', 'online', 'digitised'],
    ],
    [
      'online and digitised, carried over: neither',
      dossier({ receivedAt: vn('2026-09-10T22:00:00'), dueAt: vn('2026-11-10T17:00:00'), channel: 2, digitised: true }),
      ['carriedOver', 'toProcess', 'unprocessed', 'unprocessedNotDue'],
    ],
    ['submitted (status 1): never counted', dossier({ status: 1, receivedAt: vn('2026-10-10T09:00:00') }), []],
    ['refused at intake (status 3): never counted', dossier({ status: 3, receivedAt: vn('2026-10-10T09:00:00') }), []],
    ['no receive date: never counted', dossier({ receivedAt: null }), []],
  ];
  for (const [name, d, expected, rules] of cases) {
    it(name, () => expect(metricsIn(d, rules)).toEqual(expected));
  }
});
