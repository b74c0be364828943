/**
 * Three-way comparison: local (the store) against national and the province's own figures,
 * with a verdict per mismatch; unreported provincial metrics are never compared.
 */
import { describe, expect, it } from 'vitest';
import { REST_STATS_METRICS } from '../../schemas/rest.js';
import { mismatch, provinceReport } from '../../schemas/report.js';
import { examinable } from '../../src/reconcile/explain.js';
import { EXACT, compareCounts, verdictOf, type Tolerances } from '../../src/reconcile/compare.js';
import { METRICS } from '../../schemas/metrics.js';
import { zeroCounts, type Counts, type Figures, type Metric } from '../../src/domain/figures.js';

const A = '000.00.12.H49';
const B = '000.00.13.H49';

function fig(agency: string, counts: Partial<Counts>, procedure: string | null = null): Figures {
  return { agency, procedure, counts: { ...zeroCounts(), ...counts } };
}
const all = (list: Figures[]) => ({ figures: list, reported: METRICS });

describe('verdictOf', () => {
  it('names the one side that is off when the other two agree', () => {
    expect(verdictOf(10, 10, 12, 'received')).toBe('province_misreports');
    expect(verdictOf(10, 8, 10, 'received')).toBe('national_behind');
    expect(verdictOf(10, 12, 10, 'received')).toBe('national_ahead'); // a dossier only the portal holds, a duplicate
    expect(verdictOf(8, 10, 10, 'received')).toBe('records_lost');
    expect(verdictOf(12, 10, 10, 'received')).toBe('records_lost'); // local above both: still the odd one out
  });

  it('when all three differ: records_lost if local is below provincial, otherwise undetermined', () => {
    expect(verdictOf(5, 7, 9, 'received')).toBe('records_lost');
    expect(verdictOf(9, 7, 5, 'received')).toBe('undetermined');
    expect(verdictOf(9, 5, 7, 'received')).toBe('undetermined');
  });

  it('is undetermined without a provincial figure', () => {
    expect(verdictOf(10, 8, null, 'received')).toBe('undetermined');
  });
});

describe('compareCounts', () => {
  it('two-way (no provincial figures): as before, verdict null and provincial null', () => {
    const out = compareCounts([fig(A, { received: 5 })], [fig(A, { received: 4 })]);
    expect(out).toEqual([
      { agency: A, procedure: null, metric: 'received', local: 5, national: 4, provincial: null, verdict: null },
    ]);
  });

  it('gives each verdict from the three figures', () => {
    const local = [fig(A, { received: 10, processed: 10, late: 8, online: 5 })];
    const national = [fig(A, { received: 10, processed: 8, late: 10, online: 7 })];
    const provincial = [fig(A, { received: 12, processed: 10, late: 10, online: 9 })];
    const out = compareCounts(local, national, EXACT, all(provincial));
    const by = Object.fromEntries(out.map((m) => [m.metric, m]));
    expect(by.received).toMatchObject({ local: 10, national: 10, provincial: 12, verdict: 'province_misreports' });
    expect(by.processed).toMatchObject({ local: 10, national: 8, provincial: 10, verdict: 'national_behind' });
    expect(by.late).toMatchObject({ local: 8, national: 10, provincial: 10, verdict: 'records_lost' });
    expect(by.online).toMatchObject({ local: 5, national: 7, provincial: 9, verdict: 'records_lost' });
    expect(out).toHaveLength(4); // all three agree (zero) on every other metric
    for (const m of out) expect(mismatch.parse(m)).toEqual(m);
  });

  it('three-way with everything agreeing gives no mismatch', () => {
    const f = [fig(A, { received: 3, toProcess: 3 })];
    expect(compareCounts(f, f, EXACT, all(f))).toEqual([]);
  });

  it('never compares a metric the province does not report, and never takes it as 0', () => {
    const local = [fig(A, { received: 4, toProcess: 4, unprocessedNotDue: 4, unprocessed: 4 })];
    const provincial = { figures: [fig(A, { received: 4, unprocessed: 4 })], reported: REST_STATS_METRICS };
    // Local and national agree: the province's absent toProcess / unprocessedNotDue raise nothing.
    expect(compareCounts(local, local, EXACT, provincial)).toEqual([]);
    // Local and national differ on an unreported metric: compared two-way, no provincial figure.
    const national = [fig(A, { received: 4, toProcess: 6, unprocessedNotDue: 4, unprocessed: 4 })];
    expect(compareCounts(local, national, EXACT, provincial)).toEqual([
      {
        agency: A,
        procedure: null,
        metric: 'toProcess',
        local: 4,
        national: 6,
        provincial: null,
        verdict: 'undetermined',
      },
    ]);
  });

  it('a key present on one side only counts as zero on the others (for reported metrics)', () => {
    const local = [fig(A, { received: 2 }), fig(A, { received: 2 }, 'P1')];
    const national = [fig(A, { received: 2 })];
    const provincial = [fig(A, { received: 2 }), fig(A, { received: 2 }, 'P1'), fig(B, { received: 1 })];
    const out = compareCounts(local, national, EXACT, all(provincial));
    expect(out).toEqual([
      {
        agency: A,
        procedure: 'P1',
        metric: 'received',
        local: 2,
        national: 0,
        provincial: 2,
        verdict: 'national_behind',
      },
      {
        agency: B,
        procedure: null,
        metric: 'received',
        local: 0,
        national: 0,
        provincial: 1,
        verdict: 'province_misreports',
      },
    ]);
    // Only in the national figures, not reported by the province at all: two-way only.
    const onlyNational = compareCounts([], [fig(B, { toProcess: 3 })], EXACT, {
      figures: [],
      reported: REST_STATS_METRICS,
    });
    expect(onlyNational).toEqual([
      {
        agency: B,
        procedure: null,
        metric: 'toProcess',
        local: 0,
        national: 3,
        provincial: null,
        verdict: 'undetermined',
      },
    ]);
  });

  it('absolute tolerance: gaps within it are agreement, for mismatches and verdicts alike', () => {
    const tol: Tolerances = { default: { absolute: 2, percent: 0 }, metrics: {} };
    // local 100 vs national 102 agree; provincial 110 is beyond: province misreports.
    expect(
      compareCounts([fig(A, { received: 100 })], [fig(A, { received: 102 })], tol, all([fig(A, { received: 110 })])),
    ).toEqual([
      {
        agency: A,
        procedure: null,
        metric: 'received',
        local: 100,
        national: 102,
        provincial: 110,
        verdict: 'province_misreports',
      },
    ]);
    // All within tolerance: nothing.
    expect(
      compareCounts([fig(A, { received: 100 })], [fig(A, { received: 102 })], tol, all([fig(A, { received: 98 })])),
    ).toEqual([]);
    // local agrees with provincial within tolerance, national beyond.
    expect(verdictOf(100, 95, 101, 'received', tol)).toBe('national_behind');
  });

  it('percent tolerance, per metric, of the larger figure', () => {
    const tol: Tolerances = {
      default: { absolute: 0, percent: 0 },
      metrics: { processed: { absolute: 0, percent: 5 } },
    };
    // 100 vs 104: 4 ≤ 5% of 104 → agree; 100 vs 110: beyond.
    const out = compareCounts(
      [fig(A, { processed: 100, received: 100 })],
      [fig(A, { processed: 104, received: 101 })],
      tol,
      all([fig(A, { processed: 110, received: 100 })]),
    );
    expect(out).toEqual([
      {
        agency: A,
        procedure: null,
        metric: 'received',
        local: 100,
        national: 101,
        provincial: 100,
        verdict: 'national_ahead',
      },
      {
        agency: A,
        procedure: null,
        metric: 'processed',
        local: 100,
        national: 104,
        provincial: 110,
        verdict: 'province_misreports',
      },
    ]);
  });

  it('only local≠national mismatches are examined, never those of a province that misreports', () => {
    const tol: Tolerances = { default: { absolute: 2, percent: 0 }, metrics: {} };
    const out = compareCounts(
      [fig(A, { received: 100, processed: 50 })],
      [fig(A, { received: 101, processed: 40 })],
      tol,
      all([fig(A, { received: 120, processed: 50 })]),
    );
    expect(out.map((m) => [m.metric, m.verdict])).toEqual([
      ['received', 'province_misreports'],
      ['processed', 'national_behind'],
    ]);
    expect(out.filter(examinable).map((m) => m.metric)).toEqual(['processed']);
  });
});

describe('report schema', () => {
  it('reads a province report stored before three-way comparison: provincialStats defaults, verdict absent', () => {
    const old = {
      province: 'H49',
      coverage: { status: 'complete', why: null },
      sources: [],
      agencies: 1,
      mismatches: [
        { agency: A, procedure: null, metric: 'received' satisfies Metric, local: 1, national: 0, provincial: null },
      ],
      findings: [],
    };
    const parsed = provinceReport.parse(old);
    expect(parsed.provincialStats).toEqual({ status: 'not offered', why: null });
    expect(parsed.mismatches[0]!.verdict).toBeUndefined();
  });
});
