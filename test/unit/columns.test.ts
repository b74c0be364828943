/** Dossiers handed between threads as columns (src/store/columns.ts) come back equal, field for field. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { ColumnWriter, fromColumns } from '../../src/store/columns.js';

const instant = fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 });
const dossier: fc.Arbitrary<CanonicalDossier> = fc
  .record({
    code: fc.string({ minLength: 1, maxLength: 30 }),
    updatedAt: instant,
    status: fc.integer({ min: 1, max: 10 }),
    agency: fc.constantFrom('000.00.00.H49', '000.00.12.H49', 'G01.001'),
    procedure: fc.string({ maxLength: 12 }),
    channel: fc.constantFrom(null, 1, 2, 3) as fc.Arbitrary<1 | 2 | 3 | null>,
    digitised: fc.boolean(),
    paidOnline: fc.boolean(),
    receivedAt: fc.option(instant, { nil: null }),
    dueAt: fc.option(instant, { nil: null }),
    finishedAt: fc.option(instant, { nil: null }),
    returnedAt: fc.option(instant, { nil: null }),
    submittedAt: fc.option(instant, { nil: undefined }),
  })
  .map(({ submittedAt, ...d }) => (submittedAt === undefined ? d : { ...d, submittedAt }));

describe('dossier columns', () => {
  it('give back the dossiers written, in order, with nulls and an absent submission date kept', () => {
    fc.assert(
      fc.property(fc.array(dossier, { maxLength: 50 }), (list) => {
        const w = new ColumnWriter();
        for (const d of list) w.push(d.code, d);
        const back: CanonicalDossier[] = [];
        fromColumns(w.columns(), (d) => back.push(d));
        expect(back).toStrictEqual(list);
      }),
    );
  });

  it('grow past their first size and give back every row', () => {
    fc.assert(
      fc.property(fc.array(dossier, { minLength: 1025, maxLength: 5000 }), (list) => {
        const w = new ColumnWriter();
        for (const d of list) w.push(d.code, d);
        const back: CanonicalDossier[] = [];
        fromColumns(w.columns(), (d) => back.push(d));
        expect(back).toStrictEqual(list);
      }),
      { numRuns: 5 },
    );
  });
});
