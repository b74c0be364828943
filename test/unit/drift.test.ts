/**
 * Rules that explain counts (src/reconcile/drift.ts), on hand-built dossiers the two sides hold
 * alike, the portal counting them by another rule: each variant alone, two together, one
 * agency's rule and not another's, with dossier-level causes beside it, and figures no variant
 * reproduces.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Mismatch } from '../../schemas/report.js';
import { compareCounts, type Tolerances } from '../../src/reconcile/compare.js';
import { DEFAULT_RULES, Tally, metricsOf, type CountingRules } from '../../src/reconcile/counting.js';
import type { Figures } from '../../src/domain/figures.js';
import { makePeriod } from '../../src/domain/period.js';
import { explainByRules } from '../../src/reconcile/drift.js';
import { explain, type Gathered } from '../../src/reconcile/explain.js';
import { narrow } from '../../src/reconcile/join.js';
import {
  SWITCHES,
  VARIANTS,
  VariantCounter,
  affecting,
  variantName,
  variantRules,
} from '../../src/reconcile/variants.js';
import { groupKey, parseGroupKey, type GroupKey } from '../../src/domain/group.js';
import { vn } from '../helpers/fixtures.js';
import { gatheredOf } from '../helpers/gathered.js';

const period = makePeriod('2026-10-01', '2026-10-31');
const X = '000.00.12.H49';
const Y = '000.00.14.H49';
const P1 = '1.000100';
const P2 = '1.000200';

let seq = 0;
function dossier(agency: string, procedure: string, over: Partial<CanonicalDossier>): CanonicalDossier {
  seq++;
  return {
    code: `${agency}-2610${String(10 + (seq % 20)).padStart(2, '0')}-${String(seq).padStart(4, '0')}`,
    agency,
    procedure,
    status: 9,
    channel: 1,
    digitised: false,
    paidOnline: false,
    receivedAt: vn('2026-10-05T09:00:00') + seq * 60_000,
    dueAt: vn('2026-10-20T17:00:00'),
    finishedAt: vn('2026-10-12T10:00:00'),
    returnedAt: vn('2026-10-12T10:00:00'),
    updatedAt: vn('2026-10-12T10:00:00'),
    ...over,
  };
}

/** Dossiers each variant counts differently, at both agencies, among ordinary ones. */
const special = (a: string, p: string) => [
  // finished on its due day after the due hour
  dossier(a, p, {
    dueAt: vn('2026-10-10T11:00:00'),
    finishedAt: vn('2026-10-10T15:00:00'),
    returnedAt: vn('2026-10-10T15:00:00'),
  }),
  // finished at the period's end, returned after it
  dossier(a, p, {
    status: 10,
    finishedAt: vn('2026-10-29T10:00:00'),
    returnedAt: vn('2026-11-02T09:00:00'),
    dueAt: vn('2026-11-05T17:00:00'),
  }),
  // withdrawn during the period
  dossier(a, p, { status: 7, finishedAt: vn('2026-10-15T10:00:00'), returnedAt: null }),
  // received on the last day
  dossier(a, p, {
    status: 4,
    receivedAt: vn('2026-10-31T09:00:00'),
    finishedAt: null,
    returnedAt: null,
    dueAt: vn('2026-11-10T17:00:00'),
  }),
  // submitted the day before the period, accepted on its first
  dossier(a, p, {
    status: 4,
    submittedAt: vn('2026-09-30T20:00:00'),
    receivedAt: vn('2026-10-01T08:00:00'),
    finishedAt: null,
    returnedAt: null,
    dueAt: vn('2026-11-10T17:00:00'),
  }),
];
const ordinary = (a: string, p: string, n: number) => Array.from({ length: n }, () => dossier(a, p, {}));
const dossiers = [
  ...ordinary(X, P1, 6),
  ...special(X, P1),
  ...special(X, P2),
  ...ordinary(Y, P1, 4),
  ...special(Y, P1),
];

/** Counts per agency and per procedure. */
function figures(
  list: CanonicalDossier[],
  rulesOf: (d: CanonicalDossier) => CountingRules = () => DEFAULT_RULES,
): Figures[] {
  const tallies = new Map<CountingRules, Tally>();
  const groups = new Map<GroupKey, Figures>();
  for (const d of list) {
    const rules = rulesOf(d);
    let t = tallies.get(rules);
    if (!t) tallies.set(rules, (t = new Tally(period, rules)));
    t.add(groupKey(d.agency, null), d);
    t.add(groupKey(d.agency, d.procedure), d);
  }
  for (const t of tallies.values())
    for (const [k, counts] of t.groups) {
      const f = groups.get(k as GroupKey);
      if (!f) groups.set(k as GroupKey, { ...parseGroupKey(k as GroupKey), counts: { ...counts } });
      else for (const m of Object.keys(counts) as (keyof typeof counts)[]) f.counts[m] += counts[m];
    }
  return [...groups.values()];
}

const gathered = (local: CanonicalDossier[], national: CanonicalDossier[], over: Partial<Gathered> = {}): Gathered =>
  gatheredOf(period, local, national, over);

function run(local: CanonicalDossier[], national: CanonicalDossier[], nationalFigures: Figures[]) {
  const mismatches = compareCounts(figures(local), nationalFigures);
  const g = gathered(local, national);
  return { mismatches, out: explainByRules(g, explain(narrow(g), mismatches)) };
}

/** The codes a variant counts differently from the rules, among `list`. */
const differentUnder = (list: CanonicalDossier[], rules: CountingRules) =>
  list
    .filter((d) => metricsOf(d, period, rules) !== metricsOf(d, period, DEFAULT_RULES))
    .map((d) => d.code)
    .sort();

const residuals = (ms: Mismatch[]) => ms.map((m) => m.residual);

describe('variants', () => {
  it('names each switch the way the portal counts', () => {
    expect(SWITCHES.map((_, i) => variantName(DEFAULT_RULES, 1 << i))).toEqual([
      'due compared with time of day',
      'processed keyed on the return date',
      'withdrawn counted as processed',
      'period end exclusive (its last day left out)',
      'received keyed on submission (NgayNopHoSo)',
    ]);
    expect(variantName({ ...DEFAULT_RULES, processedOn: 'returned' }, 2)).toBe('processed keyed on the finish date');
    expect(variantName(DEFAULT_RULES, 1 | 4)).toBe('due compared with time of day + withdrawn counted as processed');
    expect(VARIANTS).toHaveLength(31);
  });

  it('a switch that does not affect a dossier never changes its counts, whatever the others say', () => {
    for (const d of dossiers)
      for (const v of VARIANTS) {
        const mask = affecting(d, period);
        const bits = metricsOf(d, period, variantRules(DEFAULT_RULES, v));
        expect(bits, `${d.code} ${v}`).toBe(metricsOf(d, period, variantRules(DEFAULT_RULES, v & mask)));
      }
  });

  it('finds the combination effect no single switch has', () => {
    // finished before the due hour, returned after it on the same day: late only by return date with time of day
    const d = dossier(X, P1, {
      status: 10,
      dueAt: vn('2026-10-10T11:00:00'),
      finishedAt: vn('2026-10-10T09:00:00'),
      returnedAt: vn('2026-10-10T15:00:00'),
    });
    const c = new VariantCounter(period, DEFAULT_RULES);
    expect([...c.differing(d).keys()].filter((v) => v === 1 || v === 2)).toEqual([]);
    expect(c.differing(d).has(1 | 2)).toBe(true);
    expect(c.sensitive(d)).toBe(true);
    expect(c.sensitive(dossier(X, P1, {}))).toBe(false);
  });
});

describe('explainByRules: the portal counts by another rule, the records agree', () => {
  const singles = SWITCHES.map((_, i) => 1 << i);
  const cases: [string, number][] = [
    ...singles.map((v): [string, number] => [variantName(DEFAULT_RULES, v), v]),
    ...([1 | 4, 2 | 8, 4 | 16] as const).map((v): [string, number] => [variantName(DEFAULT_RULES, v), v]),
  ];

  it.each(cases)('%s: named once, its dossiers listed, every key explained', (name, variant) => {
    const rules = variantRules(DEFAULT_RULES, variant);
    const { mismatches, out } = run(
      dossiers,
      dossiers,
      figures(dossiers, () => rules),
    );
    expect(mismatches.length).toBeGreaterThan(0);
    const expected = differentUnder(dossiers, rules);
    expect(out.driftRules).toEqual([
      {
        rule: name,
        agencies: [X, Y].filter((a) => expected.some((c) => c.startsWith(a))),
        keys: mismatches.map((m) => ({ agency: m.agency, procedure: m.procedure, metric: m.metric })),
        dossiers: expected,
      },
    ]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
    expect(out.findings.map((f) => [f.dossierCode, f.kind, f.rule])).toEqual(
      expected.map((c) => [c, 'definition_drift', name]),
    );
    for (const m of out.mismatches) expect(m.explainedBy!.count).toBeGreaterThan(0);
  });

  it('per agency: a rule one agency counts by and the other does not is reported for the one; the other stays unexplained', () => {
    const time = variantRules(DEFAULT_RULES, 1);
    const national = figures(dossiers, (d) => (d.agency === X ? time : DEFAULT_RULES));
    const y = national.find((f) => f.agency === Y && f.procedure === P1)!;
    y.counts.received += 1; // a figure no dossier and no rule explains
    national.find((f) => f.agency === Y && f.procedure === null)!.counts.received += 1;
    const { out } = run(dossiers, dossiers, national);
    expect(out.driftRules.map((r) => [r.rule, r.agencies])).toEqual([['due compared with time of day', [X]]]);
    expect(out.driftRules[0]!.dossiers).toEqual(
      differentUnder(
        dossiers.filter((d) => d.agency === X),
        time,
      ),
    );
    const open = out.mismatches.filter((m) => m.residual !== 0);
    expect(open.map((m) => [m.agency, m.procedure, m.metric, m.residual])).toEqual([
      [Y, null, 'received', 1],
      [Y, P1, 'received', 1],
    ]);
    expect(out.findings.filter((f) => f.kind === 'unexplained')).toHaveLength(2);
  });

  it('two agencies, two rules: each named for its agency', () => {
    const national = figures(dossiers, (d) => variantRules(DEFAULT_RULES, d.agency === X ? 1 : 4));
    const { out } = run(dossiers, dossiers, national);
    expect(out.driftRules.map((r) => [r.rule, r.agencies])).toEqual([
      ['due compared with time of day', [X]],
      ['withdrawn counted as processed', [Y]],
    ]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });

  it('beside dossier-level causes: those keep their kind, the rule accounts for the rest', () => {
    const missing = dossier(X, P1, {});
    const lagging = dossier(X, P1, { dueAt: vn('2026-10-10T11:00:00'), finishedAt: vn('2026-10-10T15:00:00') }); // also due-day sensitive
    const local = [...dossiers, missing, lagging];
    const laggingCopy = { ...lagging, status: 4, finishedAt: null, returnedAt: null, updatedAt: lagging.receivedAt! };
    const national = [...dossiers, laggingCopy];
    const time = variantRules(DEFAULT_RULES, 1);
    const { out } = run(
      local,
      national,
      figures(national, () => time),
    );
    expect(out.findings.find((f) => f.dossierCode === missing.code)?.kind).toBe('missing_national');
    expect(out.findings.find((f) => f.dossierCode === lagging.code)?.kind).toBe('status_lag');
    expect(out.driftRules.map((r) => [r.rule, r.dossiers])).toEqual([
      ['due compared with time of day', differentUnder(dossiers, time)],
    ]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });

  it('figures no variant reproduces: the keys stay unexplained, no rule named', () => {
    const national = figures(dossiers);
    for (const f of national.filter((f) => f.agency === X)) f.counts.onTime += 1;
    const { out } = run(dossiers, dossiers, national);
    expect(out.driftRules).toEqual([]);
    expect(out.findings.every((f) => f.kind === 'unexplained')).toBe(true);
    expect(out.mismatches.every((m) => m.residual === 1)).toBe(true);
  });

  it('nothing to explain: no rule', () => {
    const { out } = run(dossiers, dossiers, figures(dossiers));
    expect(out.driftRules).toEqual([]);
    expect(out.findings).toEqual([]);
  });
});

describe("a province that counts the portal's way (counting: in the configuration)", () => {
  const time: CountingRules = { ...DEFAULT_RULES, dueCompare: 'time' };
  const runWith = (rules: CountingRules, nationalRules: CountingRules) => {
    const mismatches = compareCounts(
      figures(dossiers, () => rules),
      figures(dossiers, () => nationalRules),
    );
    const g = { ...gathered(dossiers, dossiers), rules };
    return { mismatches, out: explainByRules(g, explain(narrow(g), mismatches)) };
  };

  it("adopting the portal's rule leaves nothing to explain", () => {
    expect(runWith(time, time).mismatches).toEqual([]);
  });

  it('a portal counting by our default then is the variant, named the other way', () => {
    const { out } = runWith(time, DEFAULT_RULES);
    expect(out.driftRules.map((r) => r.rule)).toEqual(['due compared by calendar day']);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });
});

describe('lag or mapping, through the explanation', () => {
  it('withdrawn locally, finished nationally: a mapping named by its rule; an earlier, older status: a lag', () => {
    const withdrawn = dossier(X, P1, { status: 7, finishedAt: vn('2026-10-15T10:00:00'), returnedAt: null });
    const lagging = dossier(Y, P1, {}); // at another agency: the two would cancel out in one
    const local = [...ordinary(X, P1, 3), withdrawn, lagging];
    const national = [
      ...local.filter((d) => d !== withdrawn && d !== lagging),
      { ...withdrawn, status: 9 },
      { ...lagging, status: 4, finishedAt: null, returnedAt: null, updatedAt: lagging.receivedAt! },
    ];
    const { out } = run(local, national, figures(national));
    expect(out.findings.map((f) => [f.dossierCode, f.kind, f.rule])).toEqual(
      [
        [withdrawn.code, 'definition_drift', 'withdrawn counted as processed'],
        [lagging.code, 'status_lag', undefined],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(out.driftRules).toEqual([]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });
});

describe('under non-exact tolerances: the variant judged on what the comparison sees', () => {
  const time = variantRules(DEFAULT_RULES, 1);
  const tolerance = (absolute: number, percent: number) => ({ absolute, percent });
  const runTol = (
    local: CanonicalDossier[],
    national: CanonicalDossier[],
    nationalFigures: Figures[],
    tol: Tolerances,
  ) => {
    const mismatches = compareCounts(figures(local), nationalFigures, tol);
    const g = gathered(local, national);
    const ex = explain(narrow(g), mismatches);
    return { mismatches, ex, g, out: explainByRules(g, ex, tol) };
  };
  const keyText = (m: { agency: string; procedure: string | null; metric: string }) =>
    `${m.agency} ${m.procedure ?? '*'} ${m.metric}`;

  const cases: [string, Tolerances][] = [
    ['1 dossier', { default: tolerance(1, 0), metrics: {} }],
    ['50%', { default: tolerance(0, 50), metrics: {} }],
    [
      '1 dossier on late, 10% on onTime',
      { default: tolerance(0, 0), metrics: { late: tolerance(1, 0), onTime: tolerance(0, 10) } },
    ],
  ];
  it.each(cases)(
    'tolerance %s: keys the rule moves within it hide nothing, the rule is named for every key it explains',
    (_, tol) => {
      const { mismatches, ex, g, out } = runTol(
        dossiers,
        dossiers,
        figures(dossiers, () => time),
        tol,
      );
      const all = compareCounts(
        figures(dossiers),
        figures(dossiers, () => time),
      );
      expect(mismatches.length).toBeGreaterThan(0);
      expect(mismatches.length, 'some keys the rule moves are within the tolerance').toBeLessThan(all.length);
      const open = ex.mismatches.filter((m) => m.residual !== 0).map(keyText);
      expect(open.length).toBeGreaterThan(0);
      expect(out.driftRules.map((r) => r.rule)).toEqual(['due compared with time of day']);
      expect(out.driftRules[0]!.keys.map(keyText).sort()).toEqual(open.sort());
      expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
      const agencies = [...new Set(mismatches.map((m) => m.agency))];
      expect(out.driftRules[0]!.dossiers).toEqual(
        differentUnder(
          dossiers.filter((d) => agencies.includes(d.agency)),
          time,
        ),
      );
      // judged as if the figures the tolerance hides were equal, the rule is not found
      expect(explainByRules(g, ex).driftRules).toEqual([]);
    },
  );

  /** Dossiers received on the day after the period, submitted on its last day: received in it only keyed on submission. */
  const lateIntake = (p: string) =>
    dossier(X, p, {
      status: 4,
      channel: 2,
      submittedAt: vn('2026-10-31T20:00:00'),
      receivedAt: vn('2026-11-01T08:00:00'),
      finishedAt: null,
      returnedAt: null,
      dueAt: vn('2026-11-10T17:00:00'),
    });
  const P3 = '1.000300';
  const base = [...ordinary(X, P1, 4), ...ordinary(X, P2, 4), ...ordinary(X, P3, 4)];
  const intakes = [lateIntake(P2), lateIntake(P3)];
  const oneDossier: Tolerances = { default: tolerance(1, 0), metrics: {} };
  const receivedAt = (list: Figures[], procedure: string | null, delta: number) =>
    (list.find((f) => f.agency === X && f.procedure === procedure)!.counts.received += delta);

  it('the true rule, its moves within the tolerance: named', () => {
    const list = [...base, ...intakes];
    const national = figures(list, () => variantRules(DEFAULT_RULES, 16));
    const { out } = runTol(list, list, national, oneDossier);
    expect(out.driftRules.map((r) => [r.rule, r.dossiers])).toEqual([
      ['received keyed on submission (NgayNopHoSo)', intakes.map((d) => d.code).sort()],
    ]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });

  it("an agency's total the rule would account for with records of other procedures than the one whose figure moved: no rule", () => {
    const list = [...base, ...intakes];
    const national = figures(list, () => variantRules(DEFAULT_RULES, 16));
    // the portal counts received by intake after all: its two more are at P1, where no record says why
    receivedAt(national, P2, -1);
    receivedAt(national, P3, -1);
    receivedAt(national, P1, +2);
    const { out } = runTol(list, list, national, oneDossier);
    expect(out.driftRules).toEqual([]);
    const left = out.mismatches.filter((m) => m.metric === 'received').map((m) => [keyText(m), m.residual]);
    expect(left).toEqual([
      [`${X} * received`, 2],
      [`${X} ${P1} received`, 2],
    ]);
    expect(out.findings.some((f) => f.kind === 'definition_drift')).toBe(false);
  });

  it('a figure shaped like a rule on one metric and not on the others it moves: no rule', () => {
    // late moved as "due compared with time of day" would, onTime not
    const national = figures(dossiers);
    for (const f of national.filter((f) => f.agency === X)) f.counts.late += f.procedure === null ? 2 : 1;
    const { out } = runTol(dossiers, dossiers, national, oneDossier);
    expect(out.driftRules).toEqual([]);
    expect(out.mismatches.map((m) => [keyText(m), m.residual])).toEqual([[`${X} * late`, 2]]);
  });

  it('keys whose dossiers account for the gap are never named, nor given the rule', () => {
    // two dossiers the portal lacks (missing_national) beside the rule, at X's P1
    const lost = [dossier(X, P1, {}), dossier(X, P1, {})];
    const local = [...dossiers, ...lost];
    const { ex, out } = runTol(
      local,
      dossiers,
      figures(dossiers, () => time),
      oneDossier,
    );
    const accounted = ex.mismatches.filter((m) => m.residual === 0).map(keyText);
    expect(accounted.length).toBeGreaterThan(0);
    expect(out.driftRules.map((r) => r.rule)).toEqual(['due compared with time of day']);
    for (const r of out.driftRules) for (const k of r.keys) expect(accounted).not.toContain(keyText(k));
    for (const m of out.mismatches.filter((m) => accounted.includes(keyText(m))))
      expect(m.explainedBy!.codes.sort()).toEqual(lost.map((d) => d.code).sort());
    expect(lost.map((d) => out.findings.find((f) => f.dossierCode === d.code)?.kind)).toEqual([
      'missing_national',
      'missing_national',
    ]);
    expect(residuals(out.mismatches).every((r) => r === 0)).toBe(true);
  });
});
