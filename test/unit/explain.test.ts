/**
 * The explanation of a province's mismatches from gathered data (src/reconcile/explain.ts),
 * on hand-built dossiers: every root cause and every form of national duplicate at once,
 * keys sharing dossiers, the residual of a key the data does not account for, an agency that
 * could not be examined, and what the function asks the gathering for.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding, Mismatch } from '../../schemas/report.js';
import { compareCounts } from '../../src/reconcile/compare.js';
import { makePeriod } from '../../src/domain/period.js';
import { type Figures } from '../../src/domain/figures.js';
import { EXPLAINED_CODES, explain, type Gathered } from '../../src/reconcile/explain.js';
import { narrow } from '../../src/reconcile/join.js';
import { nationalDossier } from '../../src/reconcile/national-items.js';
import { CodeForms } from '../../src/domain/codes.js';
import { toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { figuresOf, vn } from '../helpers/fixtures.js';
import { gatheredOf } from '../helpers/gathered.js';

const HOUR = 3_600_000;
const period = makePeriod('2026-10-01', '2026-10-31');
const ROOT = '000.00.00.H49';
const X = '000.00.12.H49';
const Y = '000.00.14.H49';
const P = '1.000100';

/** A dossier received on an October day at an hour of its own (so no two share content), finished and returned. */
function dossier(
  agency: string,
  code: string,
  day: number,
  hour: number,
  over: Partial<CanonicalDossier> = {},
): CanonicalDossier {
  const at = (d: number, h: number) => vn('2026-10-01T00:00:00') + (d - 1) * 24 * HOUR + h * HOUR;
  return {
    code,
    agency,
    procedure: P,
    status: 10,
    channel: 1,
    digitised: false,
    paidOnline: false,
    receivedAt: at(day, hour),
    dueAt: at(day + 5, 17),
    finishedAt: at(day + 2, 10),
    returnedAt: at(day + 3, 8),
    updatedAt: at(day + 3, 8),
    ...over,
  };
}

const figures = (list: CanonicalDossier[]): Figures[] => figuresOf(list, period);

const gathered = (local: CanonicalDossier[], national: CanonicalDossier[], over: Partial<Gathered> = {}): Gathered =>
  gatheredOf(period, local, national, over);

// Background: the same dossiers on both sides.
const background = [X, Y, ROOT].flatMap((a, i) =>
  [1, 2, 3].map((n) => dossier(a, `${a}-2610${20 + n}-000${i}`, 20 + n, 8 + i)),
);

const L = {
  notSynced: dossier(X, `${X}-261005-0001`, 5, 9),
  statusLag: dossier(X, `${X}-261007-0003`, 7, 9),
  dateShift: dossier(X, `${X}-261001-0004`, 1, 3),
  drift: dossier(X, `${X}-261027-0005`, 27, 9, {
    finishedAt: vn('2026-10-30T10:00:00'),
    returnedAt: vn('2026-11-02T09:00:00'),
    updatedAt: vn('2026-11-02T09:00:00'),
  }),
  unmapped: dossier(Y, `${Y}-261010-0005`, 10, 9),
  replaced: dossier(Y, `${Y}-261011-0006`, 11, 9),
  original: dossier(X, `${X}-261012-0007`, 12, 9),
  listedTwice: dossier(X, `${X}-261013-0008`, 13, 9),
  twoAgencies: dossier(X, `${X}-261014-0009`, 14, 9),
};
const shift = (t: number | null) => (t === null ? null : t - 7 * HOUR);
const N = {
  missingLocal: dossier(X, `${X}-261006-0002`, 6, 9),
  statusLag: { ...L.statusLag, status: 4, finishedAt: null, returnedAt: null, updatedAt: L.statusLag.receivedAt! },
  dateShift: {
    ...L.dateShift,
    receivedAt: shift(L.dateShift.receivedAt),
    dueAt: shift(L.dateShift.dueAt),
    finishedAt: shift(L.dateShift.finishedAt),
    returnedAt: shift(L.dateShift.returnedAt),
  },
  drift: { ...L.drift, finishedAt: L.drift.returnedAt },
  unmapped: { ...L.unmapped, procedure: `${P}.${ROOT}` },
  replaced: { ...L.replaced, code: 'f3a9c2d1-7e4b-0006', agency: ROOT },
  secondCode: { ...L.original, code: `${X}-261012-0099` },
};
const local = [...background, ...Object.values(L)];
const national = [
  ...background,
  N.missingLocal,
  N.statusLag,
  N.dateShift,
  N.drift,
  N.unmapped,
  N.replaced,
  L.original,
  N.secondCode,
  L.listedTwice,
  L.listedTwice,
  L.twoAgencies,
  { ...L.twoAgencies, agency: Y },
];
const mismatches = compareCounts(figures(local), figures(national));
const kindOf = (fs: Finding[]) => Object.fromEntries(fs.map((f) => [f.dossierCode, [f.kind, f.agency]]));

describe('explain: every mismatched key from gathered data', () => {
  const out = explain(gathered(local, national), mismatches);

  it('names every differing dossier once, with its root cause and agency', () => {
    expect(mismatches.length).toBeGreaterThan(20);
    expect(kindOf(out.findings)).toEqual({
      [L.notSynced.code]: ['missing_national', X],
      [N.missingLocal.code]: ['missing_local', X],
      [L.statusLag.code]: ['status_lag', X],
      [L.dateShift.code]: ['date_shift', X],
      [L.drift.code]: ['definition_drift', X],
      [L.unmapped.code]: ['code_divergence', Y],
      [L.replaced.code]: ['code_divergence', Y],
      [N.secondCode.code]: ['duplicate_national', X],
      [L.listedTwice.code]: ['duplicate_national', X],
      [L.twoAgencies.code]: ['duplicate_national', Y],
    });
    // the national code of a replaced code and the original of a duplicate are never findings
    expect(out.findings.map((f) => f.dossierCode)).not.toContain(N.replaced.code);
    expect(out.findings.map((f) => f.dossierCode)).not.toContain(L.original.code);
  });

  it('national duplicates of every form, with the number of copies', () => {
    const by = new Map(out.findings.map((f) => [f.dossierCode, f]));
    expect(by.get(L.listedTwice.code)!.evidence.copies).toBe(2);
    expect(by.get(L.twoAgencies.code)!.evidence.copies).toBe(2);
    expect(by.get(N.secondCode.code)!.evidence).toMatchObject({
      copies: 2,
      local: { code: L.original.code },
      national: { code: N.secondCode.code },
    });
  });

  it('accounts for every examined key: residual 0, explained by the findings that count in it', () => {
    const codes = new Set(out.findings.map((f) => f.dossierCode));
    for (const m of out.mismatches) {
      expect(m.residual).toBe(0);
      expect(m.explainedBy!.count).toBeGreaterThan(0);
      expect(m.explainedBy!.codes.length).toBe(m.explainedBy!.count);
      for (const c of m.explainedBy!.codes) expect(codes.has(c)).toBe(true);
    }
    // keys share dossiers: a finding lists each metric it was found in, once
    const lag = out.findings.find((f) => f.dossierCode === L.statusLag.code)!;
    // (its processed −1 is cancelled at X by the dossiers counted more there: no processed key)
    expect(lag.metrics).toEqual(['overdue', 'unprocessed']);
    const withLag = out.mismatches.filter((m) => m.explainedBy!.codes.includes(L.statusLag.code));
    expect(new Set(withLag.map((m) => m.metric))).toEqual(new Set(lag.metrics));
    expect(withLag.some((m) => m.procedure === null) && withLag.some((m) => m.procedure === P)).toBe(true);
    // the root's keys (a replaced code moved there) are explained by the local code
    const rootReceived = out.mismatches.find(
      (m) => m.agency === ROOT && m.procedure === null && m.metric === 'received',
    )!;
    expect(rootReceived.explainedBy).toEqual({ count: 1, codes: [L.replaced.code] });
    // the per-procedure keys of an unmapped procedure code (the agency's totals agree)
    expect(
      out.mismatches
        .filter((m) => m.agency === Y && m.procedure === `${P}.${ROOT}`)
        .every((m) => m.explainedBy!.codes.includes(L.unmapped.code)),
    ).toBe(true);
    expect(out.findings.some((f) => f.kind === 'unexplained')).toBe(false);
    expect(out.needs).toEqual({ lookups: [], store: [] });
  });

  it('signs contributions: a date shifted across the start moves one count out of received and one into carriedOver', () => {
    const at = (metric: string) =>
      out.mismatches.find((m) => m.agency === X && m.procedure === null && m.metric === metric)!;
    expect(at('carriedOver')).toMatchObject({
      local: 0,
      national: 1,
      residual: 0,
      explainedBy: { count: 1, codes: [L.dateShift.code] },
    });
    const received = at('received');
    // −1 not synced, −1 shifted out, +1 missing locally, +1 second code, +1 listed twice
    expect(received.national - received.local).toBe(1);
    expect(received.explainedBy!.codes).toEqual(
      [L.dateShift.code, N.missingLocal.code, L.notSynced.code, N.secondCode.code, L.listedTwice.code].sort(),
    );
  });

  it('gives the same from the data narrowed to the differences and their candidates, which is much smaller', () => {
    const g = gathered(local, national);
    const small = narrow(g);
    expect(explain(small, mismatches)).toEqual(out);
    expect(small.local.size).toBeLessThan(g.local.size);
    expect(small.local.has(L.original.code)).toBe(true); // a candidate for a match across codes
    expect(small.local.has(background[0]!.code)).toBe(false);
  });

  it('leaves out stored dossiers of an agency with no key and no national copy gathered, whatever their number', () => {
    // an agency whose figures agree: its list is not read, so its stored dossiers have no national copy here
    const Z = '000.00.20.H49';
    const others = Array.from({ length: 200 }, (_, i) =>
      dossier(
        Z,
        `${Z}-2610${String(1 + (i % 25)).padStart(2, '0')}-${String(i).padStart(4, '0')}`,
        1 + (i % 25),
        13 + Math.floor(i / 25),
      ),
    );
    const g = gathered([...local, ...others], national);
    const examined = new Set(mismatches.map((m) => m.agency));
    expect(examined.has(Z)).toBe(false);
    const small = narrow(g, examined);
    expect(others.filter((d) => small.local.has(d.code))).toEqual([]);
    expect(small.local.has(L.original.code)).toBe(true); // still a candidate for a match across codes
    expect(explain(small, mismatches)).toEqual(out);
    expect(explain(g, mismatches)).toEqual(out);
  });

  it('a code counted more than once is never collapsed', () => {
    const once = explain(
      gathered(
        local,
        national.filter((d, i, all) => all.findIndex((e) => e.code === d.code && e.agency === d.agency) === i),
      ),
      mismatches,
    );
    const key = once.mismatches.find((m) => m.agency === X && m.procedure === null && m.metric === 'received')!;
    expect(key.residual).toBe(1); // the key's gap still has the second copy: unaccounted without it
  });
});

describe('explain: what it cannot account for', () => {
  it('a key whose gap the data does not explain has a residual and an unexplained finding saying what was examined', () => {
    // the portal's statistics count a dossier its list does not show
    const hidden = dossier(Y, `${Y}-261016-0010`, 16, 9);
    const ms = compareCounts(figures(local), figures([...national, hidden]));
    const examined = `national list of ${ROOT} (the whole province), 2025-09-29..2026-11-01, 40 records; 0 look-ups`;
    const out = explain(gathered(local, national, { examined: new Map([[Y, examined]]) }), ms);
    const off = out.mismatches.filter((m) => m.residual !== 0);
    expect(off.length).toBeGreaterThan(0);
    for (const m of off) {
      expect(m.agency).toBe(Y);
      expect(m.residual).toBe(1);
    }
    const unexplained = out.findings.filter((f) => f.kind === 'unexplained');
    expect(unexplained).toHaveLength(off.length);
    expect(unexplained[0]).toMatchObject({ dossierCode: '', agency: Y, key: { residual: 1, examined } });
    expect(unexplained.map((f) => `${f.key!.procedure}|${f.key!.metric}`).sort()).toEqual(
      off.map((m) => `${m.procedure}|${m.metric}`).sort(),
    );
  });

  it('an agency that could not be examined: each of its keys unexplained with why, the others explained', () => {
    const why = `national list of ${Y} failed: error_code 400: madonvi unknown`;
    const out = explain(gathered(local, national, { unexamined: new Map([[Y, why]]) }), mismatches);
    for (const m of out.mismatches) {
      if (m.agency === Y) expect(m).toMatchObject({ explainedBy: null, residual: m.national - m.local });
      else expect(m.residual).toBe(0);
    }
    const unexplained = out.findings.filter((f) => f.kind === 'unexplained');
    expect(unexplained.length).toBe(out.mismatches.filter((m) => m.agency === Y).length);
    expect(unexplained.every((f) => f.agency === Y && f.key!.examined === why)).toBe(true);
  });

  it('province_misreports keys are not examined', () => {
    const ms: Mismatch[] = [
      {
        agency: X,
        procedure: null,
        metric: 'received',
        local: 3,
        national: 3,
        provincial: 5,
        verdict: 'province_misreports',
      },
    ];
    expect(explain(gathered(local, national), ms).mismatches).toEqual([
      { ...ms[0], explainedBy: null, residual: null },
    ]);
  });

  it('names at most 50 codes in explainedBy, and counts them all', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      dossier(X, `${X}-2610${String((i % 28) + 1).padStart(2, '0')}-${String(100 + i)}`, (i % 28) + 1, 6 + (i % 11), {
        channel: 3,
      }),
    );
    const out = explain(
      gathered([...local, ...many], national),
      compareCounts(figures([...local, ...many]), figures(national)),
    );
    const postal = out.mismatches.find((m) => m.agency === X && m.procedure === null && m.metric === 'postal')!;
    expect(postal.explainedBy!.count).toBe(60);
    expect(postal.explainedBy!.codes).toHaveLength(EXPLAINED_CODES);
    expect(postal.residual).toBe(0);
  });
});

describe('explain: what it asks the gathering for', () => {
  it('look-ups for local-only codes, stored dossiers for national-only codes', () => {
    const g = gathered(local, national, { asked: { lookups: new Set(), store: new Set() } });
    const { needs } = explain(g, mismatches);
    expect(needs.lookups).toContain(L.notSynced.code);
    expect(needs.store).toContain(N.missingLocal.code);
    expect(needs.store).toContain(N.secondCode.code);
    // the original of a second code: is its own code national? (it is listed: no look-up needed)
    expect(needs.lookups).not.toContain(L.original.code);
    // once answered, nothing more
    const answered = gathered(local, national, {
      asked: { lookups: new Set(needs.lookups), store: new Set(needs.store) },
    });
    expect(explain(answered, mismatches).needs).toEqual({ lookups: [], store: [] });
  });
});

describe('explain: agency codes in a form of codes.agencyPatterns', () => {
  const CUSTOM = new CodeForms([String.raw`HCM-(?<province>H\d{2})-\d+`]);
  const C = 'HCM-H49-12';
  // the portal's record of a dossier of C; the store holds one of X with the same content under
  // its own code, which the portal does not hold
  const theirs = dossier(C, `${C}-261015-0001`, 15, 9);
  const ours = dossier(X, `${X}-261015-0001`, 15, 9);
  const local = [...background, ours];
  const national = [...background, theirs];
  const ms = compareCounts(figures(local), figures(national));

  it('a national item naming its agency in that form is a dossier of that agency, not of the agency listed', () => {
    const item = toDvcqgItem(theirs);
    expect(nationalDossier(item, ROOT, true, CUSTOM)).toMatchObject({ code: theirs.code, agency: C });
    // the built-in forms alone do not take C for an agency: the item stays under the one listed
    expect(nationalDossier(item, ROOT, true)).toMatchObject({ code: theirs.code, agency: ROOT });
  });

  it('a code in that form names its agency: never matched by content with a dossier of another agency', () => {
    expect(ms.map((m) => m.agency)).toContain(C);
    const out = explain(gathered(local, national), ms, CUSTOM);
    expect(kindOf(out.findings)).toEqual({
      [theirs.code]: ['missing_local', C],
      [ours.code]: ['missing_national', X],
    });
    for (const m of out.mismatches) expect(m.residual).toBe(0);
    // to the built-in forms the code names no agency, so it may be any agency's: taken for ours, replaced
    expect(kindOf(explain(gathered(local, national), ms).findings)).toEqual({ [ours.code]: ['code_divergence', X] });
  });
});
