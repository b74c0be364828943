import { describe, expect, it } from 'vitest';
import { nightlyPeriods, makePeriod, monthPeriod, type Period } from '../../src/domain/period.js';
import {
  DEFAULT_RULES,
  Tally,
  addBits,
  hasMetric,
  metricsOf,
  type Countable,
  type CountingRules,
} from '../../src/reconcile/counting.js';
import { METRICS } from '../../schemas/metrics.js';
import { zeroCounts, type Counts, type Metric } from '../../src/domain/figures.js';

/** Vietnam local time `YYYY-MM-DD HH:mm[:ss]`, written with its explicit offset. */
const vn = (local: string): number => {
  const [d, t = '00:00'] = local.split(' ');
  const ms = Date.parse(`${d}T${t.length === 5 ? `${t}:00` : t}+07:00`);
  if (Number.isNaN(ms)) throw new Error(`bad fixture ${local}`);
  return ms;
};

const DAY = 86_400_000;
const OCT: Period = monthPeriod('2026-10');

function dossier(fields: Partial<Countable> = {}): Countable {
  return {
    status: 4,
    channel: 1,
    digitised: false,
    receivedAt: vn('2026-10-10 09:00'),
    dueAt: vn('2026-11-20 17:00'),
    finishedAt: null,
    returnedAt: null,
    ...fields,
  };
}

/** The metrics a dossier counts in, in METRICS order. */
function metrics(d: Countable, p: Period = OCT, rules: CountingRules = DEFAULT_RULES): Metric[] {
  const bits = metricsOf(d, p, rules);
  return METRICS.filter((m) => hasMetric(bits, m));
}

const OPEN_RECEIVED: Metric[] = ['received', 'toProcess', 'unprocessed', 'unprocessedNotDue'];
const OPEN_CARRIED: Metric[] = ['carriedOver', 'toProcess', 'unprocessed', 'unprocessedNotDue'];
const DONE_RECEIVED: Metric[] = ['received', 'toProcess', 'processed', 'onTime'];
const DONE_CARRIED: Metric[] = ['carriedOver', 'toProcess', 'processed', 'onTime'];

describe('makePeriod', () => {
  it('spans Vietnam calendar days from..to inclusive, as [local midnight, next local midnight)', () => {
    expect(makePeriod('2026-10-01', '2026-10-31')).toStrictEqual({
      from: '2026-10-01',
      to: '2026-10-31',
      start: Date.parse('2026-09-30T17:00:00Z'),
      end: Date.parse('2026-10-31T17:00:00Z'),
    });
  });

  it('accepts yyyyMMdd and writes YYYY-MM-DD', () => {
    expect(makePeriod('20261001', '20261031')).toStrictEqual(makePeriod('2026-10-01', '2026-10-31'));
  });

  it('allows a single day', () => {
    const p = makePeriod('2026-11-01', '2026-11-01');
    expect(p.start).toBe(vn('2026-11-01 00:00'));
    expect(p.end - p.start).toBe(DAY);
  });

  it.each([
    ['2026-02-30', '2026-03-01', /period start "2026-02-30"/],
    ['2026-13-01', '2026-12-31', /period start/],
    ['', '2026-10-31', /period start/],
    ['2026/10/01', '2026-10-31', /period start/],
    ['2026-10-01', '2026-10-32', /period end "2026-10-32"/],
    ['2026-10-01', 'yesterday', /period end/],
    ['2026-10-31', '2026-10-01', /period end 2026-10-01 is before its start 2026-10-31/],
    ['2026-10-02', '2026-10-01', /before its start/],
  ])('rejects %j..%j', (from, to, message) => {
    expect(() => makePeriod(from, to)).toThrow(message);
  });
});

describe('monthPeriod', () => {
  it('covers a 31-day month', () => {
    expect(OCT).toStrictEqual({
      from: '2026-10-01',
      to: '2026-10-31',
      start: vn('2026-10-01 00:00'),
      end: vn('2026-11-01 00:00'),
    });
  });

  it('covers 29 days of February in a leap year', () => {
    const p = monthPeriod('2024-02');
    expect(p).toStrictEqual({
      from: '2024-02-01',
      to: '2024-02-29',
      start: vn('2024-02-01 00:00'),
      end: vn('2024-03-01 00:00'),
    });
    expect(p.end - p.start).toBe(29 * DAY);
  });

  it('covers 28 days of February otherwise (including century years not divisible by 400)', () => {
    expect(monthPeriod('2026-02').to).toBe('2026-02-28');
    expect(monthPeriod('2100-02').to).toBe('2100-02-28');
    expect(monthPeriod('2000-02').to).toBe('2000-02-29');
  });

  it('covers December up to the new year', () => {
    const p = monthPeriod('2026-12');
    expect(p.to).toBe('2026-12-31');
    expect(p.end).toBe(vn('2027-01-01 00:00'));
  });

  it.each(['2026-13', '2026-00', '2026-1', '202610', '2026-10-01', ''])('rejects %j', (m) => {
    expect(() => monthPeriod(m)).toThrow();
  });
});

describe('metricsOf: received', () => {
  it('counts an accepted dossier received in the period', () => {
    expect(metrics(dossier({ status: 2 }))).toStrictEqual(OPEN_RECEIVED);
    for (const status of [4, 5, 6, 7, 8]) expect(metrics(dossier({ status }))).toStrictEqual(OPEN_RECEIVED);
  });

  it('excludes status 1 (not yet accepted) and 3 (refused)', () => {
    expect(metricsOf(dossier({ status: 1 }), OCT)).toBe(0);
    expect(metricsOf(dossier({ status: 3 }), OCT)).toBe(0);
    // even when they carry other dates
    expect(metricsOf(dossier({ status: 3, finishedAt: vn('2026-10-11 09:00') }), OCT)).toBe(0);
    expect(metricsOf(dossier({ status: 1, receivedAt: vn('2026-09-01 09:00') }), OCT)).toBe(0);
  });

  it('excludes a dossier with no received date', () => {
    expect(metricsOf(dossier({ receivedAt: null }), OCT)).toBe(0);
  });

  it('uses Vietnam midnight as the period boundary', () => {
    expect(metrics(dossier({ receivedAt: vn('2026-10-31 23:59') }))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(dossier({ receivedAt: vn('2026-10-31 23:59:59') }))).toStrictEqual(OPEN_RECEIVED);
    expect(metricsOf(dossier({ receivedAt: vn('2026-11-01 00:00') }), OCT)).toBe(0);
    expect(metrics(dossier({ receivedAt: vn('2026-10-01 00:00') }))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(dossier({ receivedAt: vn('2026-09-30 23:59:59') }))).toStrictEqual(OPEN_CARRIED);
  });

  it('is in November, not October, when received at 2026-11-01 00:00 local (2026-10-31 17:00 UTC)', () => {
    const d = dossier({ receivedAt: Date.parse('2026-10-31T17:00:00Z'), dueAt: vn('2026-12-20 17:00') });
    expect(metricsOf(d, OCT)).toBe(0);
    expect(metrics(d, monthPeriod('2026-11'))).toStrictEqual(OPEN_RECEIVED);
  });

  it('ignores dossiers received after the period', () => {
    expect(metricsOf(dossier({ receivedAt: vn('2026-12-01 08:00') }), OCT)).toBe(0);
  });
});

describe('metricsOf: carried over', () => {
  const before = vn('2026-09-20 09:00');

  it('counts a dossier accepted before the start and still open', () => {
    expect(metrics(dossier({ receivedAt: before }))).toStrictEqual(OPEN_CARRIED);
    expect(metrics(dossier({ receivedAt: vn('2025-01-01 08:00') }))).toStrictEqual(OPEN_CARRIED);
  });

  it('excludes one finished before the start', () => {
    expect(metricsOf(dossier({ receivedAt: before, status: 9, finishedAt: vn('2026-09-25 10:00') }), OCT)).toBe(0);
    expect(metricsOf(dossier({ receivedAt: before, status: 10, finishedAt: vn('2026-09-30 23:59:59') }), OCT)).toBe(0);
  });

  it('counts one finished in the period as carried over and processed', () => {
    expect(metrics(dossier({ receivedAt: before, status: 9, finishedAt: vn('2026-10-01 00:00') }))).toStrictEqual(
      DONE_CARRIED,
    );
    expect(metrics(dossier({ receivedAt: before, status: 10, finishedAt: vn('2026-10-31 23:59') }))).toStrictEqual(
      DONE_CARRIED,
    );
  });

  it('counts one received in the period but finished before it started (impossible, but sent) as received and unprocessed', () => {
    const early = { receivedAt: vn('2026-10-05 09:00'), status: 9, finishedAt: vn('2026-09-25 10:00') };
    expect(metrics(dossier({ ...early, dueAt: vn('2026-11-20 17:00') }))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(dossier({ ...early, dueAt: vn('2026-10-10 17:00') }))).toStrictEqual([
      'received',
      'toProcess',
      'unprocessed',
      'overdue',
    ]);
  });

  it('counts one finished after the period as carried over and unprocessed', () => {
    expect(metrics(dossier({ receivedAt: before, status: 9, finishedAt: vn('2026-11-01 00:00') }))).toStrictEqual(
      OPEN_CARRIED,
    );
  });

  it('does not treat a non-finished status as finished, whatever its finish date', () => {
    for (const status of [2, 4, 5, 6, 7, 8]) {
      expect(metrics(dossier({ receivedAt: before, status, finishedAt: vn('2026-09-25 10:00') }))).toStrictEqual(
        OPEN_CARRIED,
      );
    }
  });

  it('treats withdrawn as finished when configured', () => {
    const rules: CountingRules = { ...DEFAULT_RULES, withdrawnIsProcessed: true };
    expect(metricsOf(dossier({ receivedAt: before, status: 7, finishedAt: vn('2026-09-25 10:00') }), OCT, rules)).toBe(
      0,
    );
  });
});

describe('metricsOf: processed', () => {
  const finished = vn('2026-10-15 10:00');

  it('counts statuses 9 and 10 finished in the period', () => {
    expect(metrics(dossier({ status: 9, finishedAt: finished }))).toStrictEqual(DONE_RECEIVED);
    expect(metrics(dossier({ status: 10, finishedAt: finished, returnedAt: vn('2026-10-16 10:00') }))).toStrictEqual(
      DONE_RECEIVED,
    );
  });

  it('does not count other statuses with a finish date in the period', () => {
    for (const status of [2, 4, 5, 6, 8]) {
      expect(metrics(dossier({ status, finishedAt: finished }))).toStrictEqual(OPEN_RECEIVED);
    }
  });

  it('does not count withdrawn (7) unless withdrawnIsProcessed', () => {
    const d = dossier({ status: 7, finishedAt: finished });
    expect(metrics(d)).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(d, OCT, { withdrawnIsProcessed: true, processedOn: 'finished' })).toStrictEqual(DONE_RECEIVED);
  });

  it('does not count a finished status without a finish date', () => {
    expect(metrics(dossier({ status: 9, finishedAt: null }))).toStrictEqual(OPEN_RECEIVED);
  });

  it('does not count a dossier finished at or after the end', () => {
    expect(metrics(dossier({ status: 9, finishedAt: vn('2026-11-01 00:00') }))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(dossier({ status: 9, finishedAt: vn('2026-10-31 23:59:59') }))).toStrictEqual(DONE_RECEIVED);
  });

  describe("processedOn: 'returned'", () => {
    const returned: CountingRules = { withdrawnIsProcessed: false, processedOn: 'returned' };

    it('keys on the return date, not the finish date', () => {
      const d = dossier({ status: 10, finishedAt: vn('2026-10-30 10:00'), returnedAt: vn('2026-11-02 09:00') });
      expect(metrics(d)).toStrictEqual(DONE_RECEIVED);
      expect(metrics(d, OCT, returned)).toStrictEqual(OPEN_RECEIVED);
    });

    it('carries over a dossier finished before the start but returned in the period', () => {
      const d = dossier({
        status: 10,
        receivedAt: vn('2026-09-20 09:00'),
        finishedAt: vn('2026-09-28 10:00'),
        returnedAt: vn('2026-10-02 09:00'),
      });
      expect(metricsOf(d, OCT)).toBe(0);
      expect(metrics(d, OCT, returned)).toStrictEqual(DONE_CARRIED);
    });

    it('leaves a finished dossier with no return date unprocessed', () => {
      expect(metrics(dossier({ status: 9, finishedAt: vn('2026-10-15 10:00') }), OCT, returned)).toStrictEqual(
        OPEN_RECEIVED,
      );
    });

    it('judges on-time on the return date', () => {
      const d = dossier({
        status: 10,
        dueAt: vn('2026-10-20 17:00'),
        finishedAt: vn('2026-10-20 10:00'),
        returnedAt: vn('2026-10-21 08:00'),
      });
      expect(metrics(d)).toStrictEqual(DONE_RECEIVED);
      expect(metrics(d, OCT, returned)).toStrictEqual(['received', 'toProcess', 'processed', 'late']);
    });
  });
});

describe('metricsOf: on time and late, by calendar date', () => {
  const due = vn('2026-10-20 08:00');
  const done = (finishedAt: number, dueAt: number | null = due) => dossier({ status: 9, dueAt, finishedAt });
  const LATE: Metric[] = ['received', 'toProcess', 'processed', 'late'];

  it('is on time when finished early', () => {
    expect(metrics(done(vn('2026-10-12 10:00')))).toStrictEqual(DONE_RECEIVED);
  });

  it('is on time when finished later on the due day than the due time', () => {
    expect(metrics(done(vn('2026-10-20 08:00')))).toStrictEqual(DONE_RECEIVED);
    expect(metrics(done(vn('2026-10-20 17:30')))).toStrictEqual(DONE_RECEIVED);
    expect(metrics(done(vn('2026-10-20 23:59:59')))).toStrictEqual(DONE_RECEIVED);
  });

  it('is late when finished the next day', () => {
    expect(metrics(done(vn('2026-10-21 00:00')))).toStrictEqual(LATE);
    expect(metrics(done(vn('2026-10-28 09:00')))).toStrictEqual(LATE);
  });

  it('compares Vietnam calendar days, not UTC days', () => {
    // due 2026-10-20 20:00 local (13:00 UTC), finished 2026-10-21 02:00 local (still 2026-10-20 UTC): late
    expect(metrics(done(vn('2026-10-21 02:00'), vn('2026-10-20 20:00')))).toStrictEqual(LATE);
    // due 2026-10-21 06:00 local (2026-10-20 23:00 UTC), finished 2026-10-21 07:00 local: same local day, on time
    expect(metrics(done(vn('2026-10-21 07:00'), vn('2026-10-21 06:00')))).toStrictEqual(DONE_RECEIVED);
  });

  it('is on time with no due date', () => {
    expect(metrics(done(vn('2026-10-28 09:00'), null))).toStrictEqual(DONE_RECEIVED);
  });
});

describe('metricsOf: unprocessed, overdue or not yet due', () => {
  const OVERDUE: Metric[] = ['received', 'toProcess', 'unprocessed', 'overdue'];
  const open = (dueAt: number | null) => dossier({ status: 4, dueAt });

  it('is overdue when due before the end of the period', () => {
    expect(metrics(open(vn('2026-10-15 17:00')))).toStrictEqual(OVERDUE);
    expect(metrics(open(vn('2026-10-31 10:00')))).toStrictEqual(OVERDUE);
    expect(metrics(open(vn('2026-10-31 23:59:59')))).toStrictEqual(OVERDUE);
  });

  it('is not yet due when due at or after the end', () => {
    expect(metrics(open(vn('2026-11-01 00:00')))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(open(vn('2026-11-05 17:00')))).toStrictEqual(OPEN_RECEIVED);
  });

  it('is not yet due with no due date', () => {
    expect(metrics(open(null))).toStrictEqual(OPEN_RECEIVED);
  });

  it('applies to carried-over dossiers too', () => {
    expect(metrics(dossier({ receivedAt: vn('2026-08-01 09:00'), dueAt: vn('2026-08-20 17:00') }))).toStrictEqual([
      'carriedOver',
      'toProcess',
      'unprocessed',
      'overdue',
    ]);
  });

  it('applies to a dossier finished after the end', () => {
    expect(
      metrics(dossier({ status: 9, dueAt: vn('2026-10-25 17:00'), finishedAt: vn('2026-11-03 10:00') })),
    ).toStrictEqual(OVERDUE);
  });
});

describe('metricsOf: by channel and digitised, among received only', () => {
  it('counts channel 2 as online and 3 as postal', () => {
    expect(metrics(dossier({ channel: 2 }))).toStrictEqual([...OPEN_RECEIVED, 'online']);
    expect(metrics(dossier({ channel: 3 }))).toStrictEqual([...OPEN_RECEIVED, 'postal']);
    expect(metrics(dossier({ channel: 1 }))).toStrictEqual(OPEN_RECEIVED);
    expect(metrics(dossier({ channel: null }))).toStrictEqual(OPEN_RECEIVED);
  });

  it('counts digitised', () => {
    expect(metrics(dossier({ channel: 2, digitised: true }))).toStrictEqual([...OPEN_RECEIVED, 'online', 'digitised']);
  });

  it('does not count carried-over dossiers by channel or digitisation', () => {
    const d = dossier({ receivedAt: vn('2026-09-20 09:00'), channel: 2, digitised: true });
    expect(metrics(d)).toStrictEqual(OPEN_CARRIED);
    const p = dossier({ receivedAt: vn('2026-09-20 09:00'), channel: 3, digitised: true });
    expect(metrics(p)).toStrictEqual(OPEN_CARRIED);
  });

  it('does not count refused or unaccepted dossiers by channel', () => {
    expect(metricsOf(dossier({ status: 3, channel: 2, digitised: true }), OCT)).toBe(0);
    expect(metricsOf(dossier({ status: 1, channel: 3, digitised: true }), OCT)).toBe(0);
  });
});

describe('zeroCounts, addBits, hasMetric', () => {
  it('zeroCounts has every metric at 0', () => {
    expect(zeroCounts()).toStrictEqual({
      received: 0,
      carriedOver: 0,
      toProcess: 0,
      processed: 0,
      onTime: 0,
      late: 0,
      unprocessed: 0,
      unprocessedNotDue: 0,
      overdue: 0,
      online: 0,
      postal: 0,
      digitised: 0,
    });
  });

  it('addBits increments exactly the metrics set', () => {
    const c = zeroCounts();
    addBits(c, metricsOf(dossier({ channel: 2, digitised: true }), OCT));
    addBits(c, 0);
    expect(c).toStrictEqual({
      ...zeroCounts(),
      received: 1,
      toProcess: 1,
      unprocessed: 1,
      unprocessedNotDue: 1,
      online: 1,
      digitised: 1,
    });
  });

  it('hasMetric is false for every metric of an empty set', () => {
    for (const m of METRICS) expect(hasMetric(0, m)).toBe(false);
  });
});

describe('Tally', () => {
  it('counts a small fixed set exactly, per key', () => {
    const t = new Tally(OCT);
    const A = '000.00.21.H49';
    const B = '000.00.22.H49';
    t.add(A, dossier({ channel: 2, digitised: true })); // received, open, not due
    t.add(A, dossier({ status: 9, dueAt: vn('2026-10-20 17:00'), finishedAt: vn('2026-10-20 18:00'), channel: 3 })); // on time
    t.add(A, dossier({ status: 10, dueAt: vn('2026-10-20 17:00'), finishedAt: vn('2026-10-22 09:00') })); // late
    t.add(A, dossier({ receivedAt: vn('2026-09-01 09:00'), dueAt: vn('2026-09-15 17:00') })); // carried, overdue
    t.add(A, dossier({ status: 3 })); // refused: nothing
    t.add(A, dossier({ receivedAt: vn('2026-09-01 09:00'), status: 9, finishedAt: vn('2026-09-10 09:00') })); // closed: nothing
    t.add(B, dossier({ status: 7, finishedAt: vn('2026-10-12 09:00') })); // withdrawn: open
    t.add('nothing', dossier({ status: 1 }));

    expect(t.get(A)).toStrictEqual({
      received: 3,
      carriedOver: 1,
      toProcess: 4,
      processed: 2,
      onTime: 1,
      late: 1,
      unprocessed: 2,
      unprocessedNotDue: 1,
      overdue: 1,
      online: 1,
      postal: 1,
      digitised: 1,
    });
    expect(t.get(B)).toStrictEqual({
      ...zeroCounts(),
      received: 1,
      toProcess: 1,
      unprocessed: 1,
      unprocessedNotDue: 1,
    });
    expect(t.groups.has('nothing')).toBe(false);
    expect(t.get('nothing')).toStrictEqual(zeroCounts());
    expect([...t.groups.keys()].sort()).toStrictEqual([A, B]);

    const w = new Tally(OCT, { withdrawnIsProcessed: true, processedOn: 'finished' });
    w.add(B, dossier({ status: 7, finishedAt: vn('2026-10-12 09:00') }));
    expect(w.get(B)).toStrictEqual({ ...zeroCounts(), received: 1, toProcess: 1, processed: 1, onTime: 1 });
  });

  /** Deterministic PRNG (mulberry32). */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function generate(n: number, seed: number): Array<{ key: string; d: Countable }> {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const from = vn('2026-07-01 00:00');
    const span = vn('2027-01-31 00:00') - from;
    const out: Array<{ key: string; d: Countable }> = [];
    for (let i = 0; i < n; i++) {
      const status = Math.floor(r() * 10) + 1;
      const receivedAt = r() < 0.05 ? null : from + Math.floor((r() * span) / 1000) * 1000;
      const base = receivedAt ?? from;
      const dueAt = r() < 0.15 ? null : base + Math.floor(r() * 30 * DAY);
      const finishedAt = r() < 0.3 ? null : base + Math.floor(r() * 40 * DAY);
      const returnedAt = finishedAt === null || r() < 0.2 ? null : finishedAt + Math.floor(r() * 5 * DAY);
      out.push({
        key: pick(['000.00.21.H49', '000.00.22.H49', '000.00.23.H49']),
        d: {
          status,
          channel: pick([null, 1, 2, 3] as const),
          digitised: r() < 0.6,
          receivedAt,
          dueAt,
          finishedAt,
          returnedAt,
        },
      });
    }
    return out;
  }

  function checkIdentities(c: Counts): void {
    expect(c.toProcess).toBe(c.received + c.carriedOver);
    expect(c.processed).toBe(c.onTime + c.late);
    expect(c.unprocessed).toBe(c.toProcess - c.processed);
    expect(c.unprocessed).toBe(c.overdue + c.unprocessedNotDue);
    expect(c.online + c.postal).toBeLessThanOrEqual(c.received);
    expect(c.digitised).toBeLessThanOrEqual(c.received);
  }

  const ruleSets: CountingRules[] = [
    DEFAULT_RULES,
    { withdrawnIsProcessed: true, processedOn: 'finished' },
    { withdrawnIsProcessed: false, processedOn: 'returned' },
    { withdrawnIsProcessed: true, processedOn: 'returned' },
    { ...DEFAULT_RULES, dueCompare: 'time', periodEnd: 'exclusive' },
    {
      withdrawnIsProcessed: true,
      processedOn: 'returned',
      dueCompare: 'time',
      periodEnd: 'exclusive',
      receivedOn: 'submitted',
    },
  ];

  it.each(ruleSets)('keeps the identities over 600 generated dossiers (%j)', (rules) => {
    const items = generate(600, 20261031);
    for (const p of [
      OCT,
      monthPeriod('2026-11'),
      makePeriod('2026-07-15', '2026-12-15'),
      makePeriod('2026-10-31', '2026-10-31'),
    ]) {
      const end = rules.periodEnd === 'exclusive' ? p.end - DAY : p.end;
      const t = new Tally(p, rules);
      const manual = new Map<string, Counts>();
      for (const { key, d } of items) {
        t.add(key, d);
        const bits = metricsOf(d, p, rules);
        // each counted dossier is exactly one of received/carried over, processed/unprocessed, ...
        if (bits !== 0) {
          expect(Number(hasMetric(bits, 'received')) + Number(hasMetric(bits, 'carriedOver'))).toBe(1);
          expect(hasMetric(bits, 'toProcess')).toBe(true);
          expect(Number(hasMetric(bits, 'processed')) + Number(hasMetric(bits, 'unprocessed'))).toBe(1);
          expect(Number(hasMetric(bits, 'onTime')) + Number(hasMetric(bits, 'late'))).toBe(
            Number(hasMetric(bits, 'processed')),
          );
          expect(Number(hasMetric(bits, 'overdue')) + Number(hasMetric(bits, 'unprocessedNotDue'))).toBe(
            Number(hasMetric(bits, 'unprocessed')),
          );
        }
        // received is exactly: accepted and received in [start, end)
        const expectReceived =
          d.status !== 1 && d.status !== 3 && d.receivedAt !== null && d.receivedAt >= p.start && d.receivedAt < end;
        expect(hasMetric(bits, 'received')).toBe(expectReceived);
        let c = manual.get(key);
        if (!c) manual.set(key, (c = zeroCounts()));
        addBits(c, bits);
      }
      const total = zeroCounts();
      for (const [key, c] of t.groups) {
        expect(c).toStrictEqual(manual.get(key));
        checkIdentities(c);
        for (const m of METRICS) total[m] += c[m];
      }
      checkIdentities(total);
      if (end > p.start) expect(total.received).toBeGreaterThan(0); // a one-day period with its end exclusive is empty
    }
  });

  it('generated data exercises every metric in October', () => {
    const t = new Tally(OCT);
    for (const { key, d } of generate(600, 20261031)) t.add(key, d);
    const total = zeroCounts();
    for (const c of t.groups.values()) for (const m of METRICS) total[m] += c[m];
    for (const m of METRICS) expect(total[m], m).toBeGreaterThan(0);
  });
});

describe('nightlyPeriods', () => {
  const at = (iso: string) => Date.parse(iso);
  it('is the current month up to yesterday in the middle of a month', () => {
    expect(nightlyPeriods(at('2026-11-23T01:00:00+07:00'), 5).map((p) => [p.from, p.to])).toEqual([
      ['2026-11-01', '2026-11-22'],
    ]);
  });
  it('adds the previous month first during the first days of a month', () => {
    expect(nightlyPeriods(at('2026-11-04T01:00:00+07:00'), 5).map((p) => [p.from, p.to])).toEqual([
      ['2026-10-01', '2026-10-31'],
      ['2026-11-01', '2026-11-03'],
    ]);
  });
  it('on the 1st only the previous month has a full day', () => {
    expect(nightlyPeriods(at('2026-01-01T01:00:00+07:00'), 5).map((p) => [p.from, p.to])).toEqual([
      ['2025-12-01', '2025-12-31'],
    ]);
  });
  it('reads the day in Vietnam time: 2026-10-31T18:00Z is already 1 November there', () => {
    expect(nightlyPeriods(at('2026-10-31T18:00:00Z'), 0).map((p) => [p.from, p.to])).toEqual([
      ['2026-10-01', '2026-10-31'],
    ]);
  });
});

describe('metricsOf: the variants a portal may count by', () => {
  const LATE_RECEIVED: Metric[] = ['received', 'toProcess', 'processed', 'late'];

  describe("dueCompare: 'time'", () => {
    const time: CountingRules = { ...DEFAULT_RULES, dueCompare: 'time' };
    const due = vn('2026-10-20 11:00');

    it('a finish on the due day after the due hour: on time by calendar day, late with time of day', () => {
      const d = dossier({ status: 9, dueAt: due, finishedAt: vn('2026-10-20 11:00:01') });
      expect(metrics(d)).toStrictEqual(DONE_RECEIVED);
      expect(metrics(d, OCT, time)).toStrictEqual(LATE_RECEIVED);
    });

    it('a finish at the due instant itself, or earlier that day, is on time either way', () => {
      for (const finishedAt of [due, vn('2026-10-20 00:00')]) {
        expect(metrics(dossier({ status: 9, dueAt: due, finishedAt }), OCT, time)).toStrictEqual(DONE_RECEIVED);
      }
    });

    it('a finish on a later day is late, an earlier day on time, and no due date on time, either way', () => {
      expect(metrics(dossier({ status: 9, dueAt: due, finishedAt: vn('2026-10-21 08:00') }), OCT, time)).toStrictEqual(
        LATE_RECEIVED,
      );
      expect(metrics(dossier({ status: 9, dueAt: due, finishedAt: vn('2026-10-19 23:00') }), OCT, time)).toStrictEqual(
        DONE_RECEIVED,
      );
      expect(metrics(dossier({ status: 9, dueAt: null, finishedAt: vn('2026-10-21 08:00') }), OCT, time)).toStrictEqual(
        DONE_RECEIVED,
      );
    });

    it('does not change overdue: an unprocessed dossier due on the last day is overdue either way', () => {
      const d = dossier({ dueAt: vn('2026-10-31 08:00') });
      expect(metrics(d, OCT, time)).toStrictEqual(metrics(d));
    });
  });

  describe("periodEnd: 'exclusive'", () => {
    const exclusive: CountingRules = { ...DEFAULT_RULES, periodEnd: 'exclusive' };

    it('leaves out a dossier received on the last day, counts one received the day before', () => {
      expect(metrics(dossier({ receivedAt: vn('2026-10-31 00:00') }))).toStrictEqual(OPEN_RECEIVED);
      expect(metricsOf(dossier({ receivedAt: vn('2026-10-31 00:00') }), OCT, exclusive)).toBe(0);
      expect(metrics(dossier({ receivedAt: vn('2026-10-30 23:59:59') }), OCT, exclusive)).toStrictEqual(OPEN_RECEIVED);
    });

    it('a finish on the last day is not processed; a due date on it is not yet overdue', () => {
      const d = dossier({ status: 9, dueAt: vn('2026-11-05 17:00'), finishedAt: vn('2026-10-31 09:00') });
      expect(metrics(d)).toStrictEqual(DONE_RECEIVED);
      expect(metrics(d, OCT, exclusive)).toStrictEqual(OPEN_RECEIVED);
      const dueLast = dossier({ dueAt: vn('2026-10-31 17:00') });
      expect(metrics(dueLast)).toStrictEqual(['received', 'toProcess', 'unprocessed', 'overdue']);
      expect(metrics(dueLast, OCT, exclusive)).toStrictEqual(OPEN_RECEIVED);
      expect(metrics(dossier({ dueAt: vn('2026-10-30 17:00') }), OCT, exclusive)).toStrictEqual([
        'received',
        'toProcess',
        'unprocessed',
        'overdue',
      ]);
    });

    it('a one-day period is empty', () => {
      const day = makePeriod('2026-10-15', '2026-10-15');
      expect(metricsOf(dossier({ receivedAt: vn('2026-10-15 09:00') }), day, exclusive)).toBe(0);
    });
  });

  describe("receivedOn: 'submitted'", () => {
    const submitted: CountingRules = { ...DEFAULT_RULES, receivedOn: 'submitted' };

    it('keys received on the submission date: submitted before the start, accepted in the period, is carried over', () => {
      const d = dossier({ submittedAt: vn('2026-09-30 23:59:59'), receivedAt: vn('2026-10-01 08:00') });
      expect(metrics(d)).toStrictEqual(OPEN_RECEIVED);
      expect(metrics(d, OCT, submitted)).toStrictEqual(OPEN_CARRIED);
    });

    it('submitted on the last day, accepted after the period: received in it', () => {
      const d = dossier({ submittedAt: vn('2026-10-31 22:00'), receivedAt: vn('2026-11-02 08:00') });
      expect(metricsOf(d, OCT)).toBe(0);
      expect(metrics(d, OCT, submitted)).toStrictEqual(OPEN_RECEIVED);
    });

    it('no submission date known: the intake date', () => {
      const d = dossier({ receivedAt: vn('2026-10-01 00:00') });
      expect(metrics(d, OCT, submitted)).toStrictEqual(metrics(d));
      expect(metrics({ ...d, submittedAt: null }, OCT, submitted)).toStrictEqual(metrics(d));
    });

    it('never counts a dossier not accepted, whatever its submission date', () => {
      expect(metricsOf(dossier({ status: 1, submittedAt: vn('2026-10-05 08:00') }), OCT, submitted)).toBe(0);
      expect(metricsOf(dossier({ status: 3, submittedAt: vn('2026-10-05 08:00') }), OCT, submitted)).toBe(0);
    });
  });
});
