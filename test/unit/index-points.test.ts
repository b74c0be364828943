/**
 * The national service index (src/reconcile/index-points.ts) on hand-computed worlds of a few
 * dozen dossiers: each indicator and threshold rule with its boundaries (exactly 80%, exactly
 * 90%, exactly due, a dossier waiting for a supplement), the points at stake per cause, and a
 * property: correcting every finding brings the national tally, and so every indicator, to the
 * local one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { indexConfig, type IndexTally } from '../../schemas/index-points.js';
import { compareCounts } from '../../src/reconcile/compare.js';
import { DEFAULT_RULES, Tally } from '../../src/reconcile/counting.js';
import type { Figures } from '../../src/domain/figures.js';
import { makePeriod } from '../../src/domain/period.js';
import { explain } from '../../src/reconcile/explain.js';
import {
  emptyTally,
  findingDelta,
  indexInput,
  indicatorsOf,
  provinceIndex,
  tallyOf,
  tallyOfFigures,
} from '../../src/reconcile/index-points.js';
import { stakeLine } from '../../src/report/index-labels.js';
import { figuresOf, vn } from '../helpers/fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const period = makePeriod('2026-10-01', '2026-10-31');
const cfg = indexConfig.parse(undefined);
const X = '000.00.12.H49';
const Y = '000.00.14.H49';

let seq = 0;
/** A dossier of agency X received on an October day (a distinct minute each), due 5 days later at 17:00, finished 2 days after intake. */
function dossier(day: number, over: Partial<CanonicalDossier> = {}): CanonicalDossier {
  const n = seq++;
  const receivedAt = vn('2026-10-01T08:00:00') + (day - 1) * DAY + n * 60_000;
  const dueDay = vn('2026-10-01T17:00:00') + (day + 4) * DAY;
  return {
    code: `${X}-2610${String(day).padStart(2, '0')}-${String(n).padStart(4, '0')}`,
    agency: X,
    procedure: '1.000100',
    status: 10,
    channel: 1,
    digitised: false,
    paidOnline: false,
    receivedAt,
    dueAt: dueDay,
    finishedAt: receivedAt + 2 * DAY,
    returnedAt: receivedAt + 2 * DAY,
    updatedAt: receivedAt + 2 * DAY,
    ...over,
  };
}
const many = (n: number, make: (i: number) => CanonicalDossier) => Array.from({ length: n }, (_, i) => make(i));

const points = (t: IndexTally, expected = t.received) => indicatorsOf(t, expected, cfg);

describe('1.4 synced: received ÷ what should have been synced', () => {
  it('30 held, 27 on the portal, the province reporting 32: 30/32 and 27/32 of 6 points', () => {
    const local = tallyOf(
      many(30, (i) => dossier(1 + (i % 20))),
      period,
      DEFAULT_RULES,
    );
    const national = tallyOf(
      many(27, (i) => dossier(1 + (i % 20))),
      period,
      DEFAULT_RULES,
    );
    expect(points(local, 32)['1.4']).toEqual({ share: 0.9375, points: 5.625 });
    expect(points(national, 32)['1.4']).toEqual({ share: 0.84375, points: 5.0625 });
    // without a reported count the store's stands for it; the portal holding more caps the share at 1
    expect(points(national, 30)['1.4']).toEqual({ share: 0.9, points: 5.4 });
    expect(points(local, 27)['1.4']).toEqual({ share: 1, points: 6 });
  });

  it('a dossier refused at intake, never accepted, or received after the period is not one to sync', () => {
    const counted = many(10, (i) => dossier(1 + i));
    const not = [dossier(3, { status: 3 }), dossier(4, { status: 1 }), dossier(40)];
    expect(tallyOf([...counted, ...not], period, DEFAULT_RULES).received).toBe(10);
  });
});

describe('2.1 on time: (on time + not yet due + waiting for a supplement) ÷ to process', () => {
  // 20 dossiers: 10 finished early, 4 finished on the due day after the due hour (on time: compared
  // by calendar date), 2 finished the day after (late), 2 in progress not yet due at the period's
  // end, 2 in progress past due, one of them waiting for a supplement from the applicant.
  const world = (waitingStatus: number) => [
    ...many(10, () => dossier(2)),
    ...many(4, () => {
      const d = dossier(3);
      return { ...d, finishedAt: d.dueAt! + 3 * HOUR, returnedAt: d.dueAt! + 3 * HOUR };
    }),
    ...many(2, () => {
      const d = dossier(4);
      return { ...d, finishedAt: d.dueAt! + DAY - 3 * HOUR, returnedAt: d.dueAt! + DAY };
    }),
    ...many(2, () => dossier(29, { status: 4, finishedAt: null, returnedAt: null })),
    dossier(5, { status: 4, finishedAt: null, returnedAt: null }),
    dossier(6, { status: waitingStatus, finishedAt: null, returnedAt: null }),
  ];

  it('exactly due is on time; a day later is late; the supplement wait is not counted against it: 17/20 of 20 points', () => {
    const t = tallyOf(world(5), period, DEFAULT_RULES);
    expect(t).toMatchObject({ toProcess: 20, onTime: 14, notDue: 2, overdue: 2, waiting: 1 });
    expect(points(t)['2.1']).toEqual({ share: 0.85, points: 17 });
  });

  it('the same dossier in progress (not waiting) is overdue: 16/20', () => {
    const t = tallyOf(world(4), period, DEFAULT_RULES);
    expect(t.waiting).toBe(0);
    expect(points(t)['2.1']).toEqual({ share: 0.8, points: 16 });
  });

  it('a dossier waiting for a supplement before its due date is simply not yet due', () => {
    const t = tallyOf([dossier(29, { status: 5, finishedAt: null, returnedAt: null })], period, DEFAULT_RULES);
    expect(t).toMatchObject({ notDue: 1, overdue: 0, waiting: 0 });
  });
});

describe('5.4, its overdue part: 1 − overdue ÷ to process, full points from 90%', () => {
  const open = (day: number, status = 4) => dossier(day, { status, finishedAt: null, returnedAt: null });

  it('exactly 90% not overdue is full points; 85% is 85/90 of 6', () => {
    const at90 = tallyOf([...many(18, () => dossier(2)), open(3), open(4)], period, DEFAULT_RULES);
    expect(points(at90)['5.4']).toEqual({ share: 0.9, points: 6 });
    const at85 = tallyOf([...many(17, () => dossier(2)), open(3), open(4), open(5)], period, DEFAULT_RULES);
    expect(points(at85)['5.4']).toEqual({ share: 0.85, points: 5.666667 });
  });

  it('a dossier waiting for a supplement is not overdue in it', () => {
    const t = tallyOf([...many(17, () => dossier(2)), open(3), open(4), open(5, 5)], period, DEFAULT_RULES);
    expect(points(t)['5.4']).toEqual({ share: 0.9, points: 6 });
  });
});

describe('4.3 data reuse and 3.3 online: thresholds and scales', () => {
  const received = (digitised: number, online: number) =>
    tallyOf(
      many(30, (i) => dossier(1 + (i % 28), { digitised: i < digitised, channel: i < online ? 2 : 1 })),
      period,
      DEFAULT_RULES,
    );

  it('4.3: exactly 80% digitised is full points; below, share × 2 ÷ 80%', () => {
    expect(points(received(24, 0))['4.3']).toEqual({ share: 0.8, points: 2 });
    expect(points(received(23, 0))['4.3']).toEqual({ share: 0.766667, points: 1.916667 });
    expect(points(received(30, 0))['4.3']).toEqual({ share: 1, points: 2 });
  });

  it('4.3 all-or-nothing: below the threshold nothing, at it everything', () => {
    const strict = indexConfig.parse({ indicators: { '4.3': { scale: 'all-or-nothing' } } });
    expect(indicatorsOf(received(23, 0), 30, strict)['4.3'].points).toBe(0);
    expect(indicatorsOf(received(24, 0), 30, strict)['4.3'].points).toBe(2);
  });

  it('3.3: online ÷ received times the synced share, full from 50%', () => {
    expect(points(received(0, 15))['3.3']).toEqual({ share: 0.5, points: 2 });
    expect(points(received(0, 12))['3.3']).toEqual({ share: 0.4, points: 1.6 });
    // half of them online, but only 30 of 40 expected synced: 15/40
    expect(points(received(0, 15), 40)['3.3']).toEqual({ share: 0.375, points: 1.5 });
  });

  it('weights and thresholds come from the configuration', () => {
    const custom = indexConfig.parse({ indicators: { '4.3': { max: 4, fullAt: 60 } } });
    expect(indicatorsOf(received(15, 0), 30, custom)['4.3']).toEqual({ share: 0.5, points: 3.333333 });
  });

  it('nothing to count costs nothing: null shares, full points', () => {
    const got = points(emptyTally(), 0);
    for (const id of ['1.4', '2.1', '3.3', '4.3', '5.4'] as const)
      expect(got[id]).toEqual({ share: null, points: cfg.indicators[id].max });
  });
});

describe('points at stake per cause', () => {
  // 30 held: 3 never synced, 1 finished on time whose finish never reached the portal (still in
  // progress there and past due), 1 in agency Y never synced.
  const local = many(29, (i) => dossier(1 + (i % 20)));
  local.push(dossier(2, { agency: Y, code: `${Y}-261002-0900` }));
  const [a, b, c, lagging, inY] = [local[0]!, local[1]!, local[2]!, local[3]!, local[29]!];
  const stale = { ...lagging, status: 4, finishedAt: null, returnedAt: null, updatedAt: lagging.updatedAt - DAY }; // behind and older: a lag
  const nationalDossiers = [...local.filter((d) => ![a, b, c, lagging, inY].includes(d)), stale];
  const { findings } = explainWorld(local, nationalDossiers);
  const input = {
    local: tallyOf(local, period, DEFAULT_RULES),
    national: tallyOf(nationalDossiers, period, DEFAULT_RULES),
    expected: 30,
  };
  const index = provinceIndex(
    { ...input, national: { ...input.national, waiting: 0 } },
    findings,
    period,
    DEFAULT_RULES,
    cfg,
  );

  it('each kind regains what it costs, by hand: 4 unsynced = 4/30 of 1.4 and of 2.1 and 5.4; the lag = 1/30 of 2.1', () => {
    // national: received 26 of 30, to process 26, on time 25 (the lagging one overdue there)
    const [missing, lag] = index.byCause;
    expect(missing!.cause).toBe('missing_national');
    expect(missing!.dossiers).toBe(4);
    // 1.4: 26/30 → 30/30 of 6 = +0.8; 2.1: 25/26 → 29/30 of 20 (the lag still counted against); 5.4 full both
    expect(missing!.indicators).toEqual([
      { id: '1.4', points: 0.8 },
      { id: '2.1', points: +((20 * 29) / 30 - (20 * 25) / 26).toFixed(6) },
    ]);
    expect(lag!.cause).toBe('status_lag');
    // 2.1: 25/26 → 26/26 = +20/26; 5.4: 25/26 not overdue (96%): full either way
    expect(lag!.indicators).toEqual([{ id: '2.1', points: +(20 - (20 * 25) / 26).toFixed(6) }]);
    expect(missing!.points).toBeGreaterThan(lag!.points);
    expect(stakeLine(missing!)).toBe(
      `missing_national: 4 dossiers, +${missing!.points.toFixed(2)} points (1.4 synced, 2.1 on time)`,
    );
    expect(stakeLine(missing!, 'vi')).toBe(
      `missing_national: 4 hồ sơ, +${missing!.points.toFixed(2)} điểm (1.4 đồng bộ lên Cổng, 2.1 đúng hạn)`,
    );
  });

  it('per agency: X holds 4 of the 5 findings', () => {
    expect(index.byAgency.map((s) => [s.cause, s.dossiers])).toEqual([
      [X, 4],
      [Y, 1],
    ]);
  });

  it('both sides and the total are there, labelled as an estimate', () => {
    expect(index.estimate).toBe(true);
    expect(index.note).toMatch(/estimate/);
    expect(index.total.max).toBe(36);
    // none online, none digitised: 3.3 and 4.3 score nothing on either side
    expect(index.total.local).toBe(32);
    expect(index.total.national).toBe(+(5.2 + (20 * 25) / 26 + 6).toFixed(6));
    const i14 = index.indicators.find((i) => i.id === '1.4')!;
    expect([i14.local.points, i14.national.points]).toEqual([6, 5.2]);
  });
});

describe('what should have been synced', () => {
  const held = many(12, (i) => dossier(1 + i));
  const onPortal = held.slice(2);
  it("is the province's own count where its statistics report it, else the store's", () => {
    const [l, n] = [figures(held), figures(onPortal)];
    const reported = figures([...held, dossier(20), dossier(21), dossier(22)]); // the province counts 15
    expect(indexInput(l, n, 0).expected).toBe(12);
    expect(indexInput(l, n, 0, { figures: reported, reported: ['received'] }).expected).toBe(15);
    expect(indexInput(l, n, 0, { figures: reported, reported: ['processed'] }).expected).toBe(12);
    // 1.4 on the portal: 10 of 15 reported
    const x = indexInput(l, n, 0, { figures: reported, reported: ['received'] });
    expect(indicatorsOf(x.national, x.expected, cfg)['1.4']).toEqual({ share: 0.666667, points: 4 });
  });
});

describe('the tally agrees with the counting rules', () => {
  it('from dossiers, and from their per-agency figures (waiting aside)', () => {
    const list = many(40, (i) =>
      dossier(1 + (i % 31), {
        status: [10, 4, 5, 9][i % 4]!,
        finishedAt: i % 4 === 1 || i % 4 === 2 ? null : undefined!,
      }),
    );
    for (const d of list) if (d.finishedAt === undefined) d.finishedAt = d.receivedAt! + DAY;
    const t = new Tally(period);
    for (const d of list) t.add(d.agency, d);
    const figures: Figures[] = [...t.groups].map(([agency, counts]) => ({ agency, procedure: null, counts }));
    expect({ ...tallyOf(list, period, DEFAULT_RULES), waiting: 0 }).toEqual(tallyOfFigures(figures));
  });
});

// ---- property: correcting every finding brings the national side to the local one ----

const op = fc.constantFrom('same', 'same', 'same', 'drop', 'lag', 'shift', 'twice', 'replaced', 'waiting');
const localGen = fc.array(
  fc.record({
    day: fc.integer({ min: -20, max: 31 }),
    agency: fc.constantFrom(X, Y),
    state: fc.constantFrom('returned', 'late', 'open', 'supplement', 'dueLater'),
    channel: fc.constantFrom(1 as const, 2 as const, 3 as const),
    digitised: fc.boolean(),
    op,
  }),
  { minLength: 1, maxLength: 40 },
);

type Spec = { day: number; agency: string; state: string; channel: 1 | 2 | 3; digitised: boolean; op: string }[];

function worldOf(spec: Spec, extra: number) {
  const local: CanonicalDossier[] = [];
  const national: CanonicalDossier[] = [];
  spec.forEach((s, i) => {
    const base = dossier(s.day, {
      agency: s.agency,
      channel: s.channel,
      digitised: s.digitised,
      code: `${s.agency}-261001-${String(i).padStart(4, '0')}`,
    });
    const d =
      s.state === 'late'
        ? { ...base, finishedAt: base.dueAt! + 2 * DAY, returnedAt: base.dueAt! + 2 * DAY }
        : s.state === 'open' || s.state === 'supplement'
          ? { ...base, status: s.state === 'open' ? 4 : 5, finishedAt: null, returnedAt: null }
          : s.state === 'dueLater'
            ? { ...base, status: 4, dueAt: base.receivedAt! + 40 * DAY, finishedAt: null, returnedAt: null }
            : base;
    local.push(d);
    if (s.op === 'same') national.push(d);
    // in progress on both sides, in another status on one (waiting for a supplement, say): no
    // count moves and no statistic shows it, so nothing can find it (the national `waiting` is the store's)
    else if ((s.op === 'lag' || s.op === 'waiting') && d.finishedAt === null) national.push(d);
    else if (s.op === 'lag')
      national.push({ ...d, status: 4, finishedAt: null, returnedAt: null, updatedAt: d.updatedAt - DAY });
    else if (s.op === 'waiting') national.push({ ...d, status: 5, finishedAt: null, returnedAt: null });
    else if (s.op === 'shift') national.push({ ...d, receivedAt: d.receivedAt! - 7 * HOUR });
    else if (s.op === 'twice') national.push(d, { ...d });
    else if (s.op === 'replaced') national.push({ ...d, code: `${d.agency}-261001-9${String(i).padStart(3, '0')}` });
  });
  for (let i = 0; i < extra; i++) national.push(dossier(1 + i, { code: `${X}-261001-8${String(i).padStart(3, '0')}` }));
  return { local, national };
}

const figures = (list: CanonicalDossier[]): Figures[] => figuresOf(list, period);

/** The findings of the explanation pass on a world where everything was gathered. */
function explainWorld(local: CanonicalDossier[], national: CanonicalDossier[]) {
  const codes = new Set([...local, ...national].map((d) => d.code));
  const g = {
    period,
    rules: DEFAULT_RULES,
    local: new Map(local.map((d) => [d.code, d])),
    national,
    asked: { lookups: codes, store: codes },
    unexamined: new Map<string, string>(),
    examined: new Map<string, string>(),
  };
  return explain(g, compareCounts(figures(local), figures(national)));
}

describe('property', () => {
  it('national − the findings of every kind = local, and the indicators agree', () => {
    let held = 0;
    let waitingHeld = 0;
    fc.assert(
      fc.property(localGen, fc.integer({ min: 0, max: 3 }), (spec, extra) => {
        const { local, national } = worldOf(spec, extra);
        const { findings, mismatches: explained } = explainWorld(local, national);
        if (explained.some((m) => m.residual !== 0 && m.residual !== null)) return; // not every gap is accounted for: nothing to hold
        const corrected = tallyOf(national, period, DEFAULT_RULES);
        for (const f of findings) {
          const d = findingDelta(f, period, DEFAULT_RULES);
          for (const k of Object.keys(d) as (keyof IndexTally)[]) corrected[k] -= d[k];
        }
        const want = tallyOf(local, period, DEFAULT_RULES);
        // `waiting` is in no statistic: a dossier whose waiting differs is known only when found
        // (two dossiers of an agency that offset each other in every count are found by nothing)
        const waitingOf = (list: CanonicalDossier[]) => {
          const out = new Map<string, number>();
          for (const d of list) out.set(d.code, (out.get(d.code) ?? 0) + tallyOf([d], period, DEFAULT_RULES).waiting);
          return out;
        };
        const [lw, nw] = [waitingOf(local), waitingOf(national)];
        const found = new Set(findings.map((f) => f.dossierCode));
        const unseen = [...new Set([...lw.keys(), ...nw.keys()])].some(
          (c) => (lw.get(c) ?? 0) !== (nw.get(c) ?? 0) && !found.has(c),
        );
        if (unseen) corrected.waiting = want.waiting;
        else waitingHeld++;
        expect(corrected).toEqual(want);
        expect(indicatorsOf(corrected, want.received, cfg)).toEqual(indicatorsOf(want, want.received, cfg));
        // and through provinceIndex: correcting every cause at once regains the whole gap
        const index = provinceIndex(
          { local: want, national: tallyOfFigures(figures(national)), expected: want.received },
          findings,
          period,
          DEFAULT_RULES,
          cfg,
        );
        const all = provinceIndex(
          { local: want, national: want, expected: want.received },
          [],
          period,
          DEFAULT_RULES,
          cfg,
        );
        expect(index.total.local).toBe(all.total.local);
        held++;
      }),
      { numRuns: 300 },
    );
    expect(held).toBeGreaterThan(200); // most worlds are wholly accounted for
    expect(waitingHeld).toBeGreaterThan(150);
  });
});
