/**
 * The join of the gathered sides (src/reconcile/join.ts) against the plain form of the same
 * rule written here: every stored dossier an object, every code's copies in a map. Random
 * sides over a few codes, agencies, procedures and instants (so that codes agree, differ,
 * repeat, and share content), with and without the examined agencies; the stored side also
 * as columns that hold a code twice (a dossier moved while read), where the last row counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { makePeriod } from '../../src/domain/period.js';
import { DEFAULT_RULES, metricsOf } from '../../src/reconcile/counting.js';
import { apart, narrow, narrowSides } from '../../src/reconcile/join.js';
import { LocalSide } from '../../src/reconcile/local-side.js';
import { ColumnWriter } from '../../src/store/columns.js';
import { vn } from '../helpers/fixtures.js';
import { gatheredOf } from '../helpers/gathered.js';

const HOUR = 3_600_000;
const period = makePeriod('2026-10-01', '2026-10-31');
const AGENCIES = ['000.00.12.H49', '000.00.14.H49', '000.00.20.H49'];
const bits = (d: CanonicalDossier) => metricsOf(d, period, DEFAULT_RULES);
const at = (day: number, hour: number) => vn('2026-10-01T00:00:00') + day * 24 * HOUR + hour * HOUR;

const dossierArb = fc
  .record({
    code: fc.integer({ min: 0, max: 24 }).map((i) => `C${i}`),
    agency: fc.constantFrom(...AGENCIES),
    procedure: fc.constantFrom('1.000100', '1.000200'),
    status: fc.integer({ min: 1, max: 10 }),
    channel: fc.constantFrom(1, 2, null),
    // a few instants, some before the period: contents and metrics coincide often
    received: fc.option(fc.constantFrom(-40, -1, 0, 3, 30), { nil: null }),
    finished: fc.option(fc.constantFrom(-5, 2, 10, 35), { nil: null }),
  })
  .map((r): CanonicalDossier => ({
    code: r.code,
    agency: r.agency,
    procedure: r.procedure,
    status: r.status,
    channel: r.channel as 1 | 2 | null,
    digitised: false,
    paidOnline: false,
    receivedAt: r.received === null ? null : at(r.received, 9),
    dueAt: r.received === null ? null : at(r.received + 5, 17),
    finishedAt: r.finished === null ? null : at(r.finished, 10),
    returnedAt: null,
    updatedAt: at(40, 0),
  }));
const examinedArb = fc.option(
  fc.subarray(AGENCIES).map((a) => new Set(a)),
  { nil: undefined },
);
/** Stored dossiers, national copies, and the examined agencies (undefined: every agency). */
const sidesArb = fc.tuple(
  fc.array(dossierArb, { maxLength: 30 }),
  fc.array(dossierArb, { maxLength: 40 }),
  examinedArb,
);

/** The rule as written plainly: each code's copies, then the codes that differ, then their candidates. */
function reference(local: Map<string, CanonicalDossier>, national: CanonicalDossier[], agencies?: Set<string>) {
  const copiesOf = new Map<string, CanonicalDossier[]>();
  for (const n of national) copiesOf.set(n.code, [...(copiesOf.get(n.code) ?? []), n]);
  const counted = (list?: CanonicalDossier[]) => list !== undefined && list.some((n) => bits(n) !== 0);
  const inScope = (l?: CanonicalDossier, list?: CanonicalDossier[]) =>
    agencies === undefined ||
    (l !== undefined && agencies.has(l.agency)) ||
    (list ?? []).some((n) => agencies.has(n.agency));
  const differing = new Set<string>();
  for (const [code, l] of local) {
    const list = copiesOf.get(code);
    if (!inScope(l, list)) continue;
    if (list?.length === 1) {
      const n = list[0]!;
      const differs = bits(n) !== bits(l) || n.agency !== l.agency || n.procedure !== l.procedure;
      if (differs && (bits(l) !== 0 || bits(n) !== 0)) differing.add(code);
    } else if (bits(l) !== 0 || counted(list)) differing.add(code);
  }
  for (const [code, list] of copiesOf)
    if (!local.has(code) && inScope(undefined, list) && counted(list)) differing.add(code);
  const content = (d: CanonicalDossier) => `${d.receivedAt}|${d.dueAt}|${d.channel}|${d.procedure}`;
  const contents = new Set<string>();
  for (const code of differing)
    for (const d of [local.get(code), ...(copiesOf.get(code) ?? [])])
      if (d !== undefined && d.receivedAt !== null) contents.add(content(d));
  const kept = new Set(differing);
  for (const d of [...local.values(), ...national])
    if (d.receivedAt !== null && contents.has(content(d))) kept.add(d.code);
  const out = new Map<string, CanonicalDossier>();
  for (const code of kept) if (local.has(code)) out.set(code, local.get(code)!);
  return { local: [...out], national: national.filter((n) => kept.has(n.code)) };
}

describe('joining the gathered sides', () => {
  it('keeps what the plain rule keeps, in the same order', () => {
    fc.assert(
      fc.property(sidesArb, ([l, n, examined]) => {
        const g = gatheredOf(period, l, n);
        const got = narrow(g, examined);
        expect({ local: [...got.local], national: got.national }).toEqual(reference(g.local, n, examined));
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it('reads a code the columns hold twice as its last row, in the place of its first', () => {
    fc.assert(
      fc.property(sidesArb, ([l, n, examined]) => {
        const w = new ColumnWriter();
        for (const d of l) w.push(d.code, d);
        const side = new LocalSide(w.columns(), Uint16Array.from(l.map(bits)));
        const asMap = new Map(l.map((d) => [d.code, d]));
        expect([...side.toMap()]).toEqual([...asMap]);
        const got = narrowSides(side, n, apart(side, n, bits), bits, examined);
        expect({ local: [...got.local], national: got.national }).toEqual(reference(asMap, n, examined));
      }),
      { numRuns: 500, seed: 5 },
    );
  });

  it('sets apart only the codes that may differ: one agreeing copy per code keeps no list', () => {
    const d = (code: string, over: Partial<CanonicalDossier> = {}): CanonicalDossier => ({
      code,
      agency: AGENCIES[0]!,
      procedure: '1.000100',
      status: 10,
      channel: 1,
      digitised: false,
      paidOnline: false,
      receivedAt: at(3, 9),
      dueAt: at(8, 17),
      finishedAt: at(5, 10),
      returnedAt: null,
      updatedAt: at(40, 0),
      ...over,
    });
    const local = LocalSide.of([d('A'), d('B'), d('C'), d('D')], bits);
    const national = [d('A'), d('B', { agency: AGENCIES[1]! }), d('C'), d('C'), d('E')];
    const { copies } = apart(local, national, bits);
    expect([...copies.keys()].sort()).toEqual(['B', 'C', 'E']);
    expect(copies.get('C')).toHaveLength(2);
  });
});
