/**
 * The stored side's code index (src/reconcile/code-index.ts) finds what a Map of the same
 * codes finds: codes of the usual shape in both built-in agency forms (sequence numbers either
 * side of a table's edge, days of several months), codes of other shapes, codes filed twice
 * (the first row stays), and codes never filed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodeIndex } from '../../src/reconcile/code-index.js';

const usual = fc
  .tuple(
    fc.constantFrom('000.00.12.H49', '000.00.00.H49', 'H49.22', 'H56.7', '000.00.12.H56'),
    fc.constantFrom('260228', '260301', '261014', '261015', '261016', '251231'),
    fc.oneof(fc.constantFrom(0, 1, 63, 64, 65, 127, 128, 999, 1000, 9999), fc.integer({ min: 0, max: 9999 })),
  )
  .map(([a, day, seq]) => `${a}-${day}-${String(seq).padStart(4, '0')}`);
const odd = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('HCM-H79-12-261015-0001', '000.00.12.H49-261015-001', 'x-261015-0001', '000.00.12.H49-2610150001'),
);
const code = fc.oneof(usual, odd);

describe('the stored side code index', () => {
  it('finds what a map finds, first rows kept', () => {
    fc.assert(
      fc.property(fc.array(code, { maxLength: 60 }), fc.array(code, { maxLength: 30 }), (filed, asked) => {
        const index = new CodeIndex();
        const map = new Map<string, number>();
        filed.forEach((c, row) => {
          expect(index.add(c, row)).toBe(map.get(c));
          if (!map.has(c)) map.set(c, row);
        });
        for (const c of [...filed, ...asked]) expect(index.get(c)).toBe(map.get(c));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives every code of neighbouring days its own place, whatever its sequence number', () => {
    const index = new CodeIndex();
    const codes: string[] = [];
    for (const agency of ['000.00.12.H49', 'H49.22'])
      for (const day of ['261014', '261015', '261016'])
        for (let seq = 0; seq <= 9999; seq++) codes.push(`${agency}-${day}-${String(seq).padStart(4, '0')}`);
    codes.forEach((c, row) => expect(index.add(c, row)).toBeUndefined());
    codes.forEach((c, row) => expect(index.get(c)).toBe(row));
    expect(index.get('000.00.12.H49-261017-0001')).toBeUndefined(); // never filed
    expect(index.get('000.00.14.H49-261015-0001')).toBeUndefined();
  });
});
