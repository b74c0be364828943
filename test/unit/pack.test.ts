/**
 * What counting reads of a stored value in place (`unpackCounted`) is what `unpack` reads of
 * it, for any dossier `pack` writes, for values of the earlier form, and inside a text of
 * newline-joined values as the store reads them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { blankCounted, pack, unpack, unpackCounted, type Counted } from '../../src/store/pack.js';

/** All that `unpack` gives but the code. */
const counted = ({ code: _, ...rest }: CanonicalDossier): Counted => rest;
const blank = blankCounted;

const time = fc.option(fc.integer({ min: -4_000_000_000_000, max: 40_000_000_000_000 }), { nil: null });
const dossier = fc.record({
  code: fc.constantFrom('000.00.12.H49-260305-0042', 'H49.12-260305-0001', 'not-a-standard-code'),
  agency: fc.constantFrom('000.00.12.H49', 'H49.12', '000.00.31.H49'),
  procedure: fc.constantFrom('1.001234', '2.002|with a bar', '', 'thủ tục'),
  status: fc.integer({ min: 1, max: 10 }),
  channel: fc.constantFrom(null, 1 as const, 2 as const, 3 as const),
  digitised: fc.boolean(),
  paidOnline: fc.boolean(),
  receivedAt: time,
  dueAt: time,
  finishedAt: time,
  returnedAt: time,
  updatedAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
});

describe('unpackCounted', () => {
  it('reads what unpack reads of any packed dossier, alone and among others in one text', () => {
    fc.assert(
      fc.property(fc.array(dossier, { minLength: 1, maxLength: 5 }), (list) => {
        const values = list.map(pack);
        const text = values.join('\n');
        let at = 0;
        values.forEach((v, i) => {
          const code = list[i]!.code;
          const agency = list[i]!.agency === '000.00.12.H49' ? '000.00.12.H49' : 'ignored';
          const want = counted(unpack(code, v, agency));
          expect(unpackCounted(v, 0, v.length, agency, blank())).toEqual(want);
          expect(unpackCounted(text, at, at + v.length, agency, blank())).toEqual(want);
          at += v.length + 1;
        });
      }),
    );
  });

  it('reads a version the apply script would not read as unpack does (through it)', () => {
    const tail = '|4d|000.00.12.H49|1.001234|ta2b3c|ta9x00||';
    for (const version of ['', '-', 'ABC', '12345678901', '1a-2', '-0', 'zzzzzzzzzz', '-k3']) {
      const v = `~${version}${tail}`;
      expect(unpackCounted(`x\n${v}\ny`, 2, 2 + v.length, '000.00.12.H49', blank())).toEqual(
        counted(unpack('000.00.12.H49-1', v, '000.00.12.H49')),
      );
    }
  });

  it('reads a value of the earlier form through unpack', () => {
    const v = '1772700000|4|000.00.12.H49|1.001234|2|1|0|1772600000|1773200000|1772700000|';
    expect(unpackCounted(`x\n${v}\ny`, 2, 2 + v.length, 'A', blank())).toEqual(counted(unpack('A-1', v)));
  });
});
