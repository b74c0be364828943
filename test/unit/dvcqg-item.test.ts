/**
 * `parseDvcqgItem`'s shortcut for the usual wire form gives what the schema gives: the same
 * verdict, the same values, whatever the item holds (known fields of any type, unknown fields,
 * absent, null or undefined values, objects that are not plain).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dvcqgItem, parseDvcqgItem } from '../../schemas/dvcqg.js';

const KNOWN = [
  'MaHoSo',
  'MaTTHC',
  'TrangThaiHoSo',
  'NgayCapNhat',
  'DonViXuLy',
  'NgayTiepNhan',
  'NgayNopHoSo',
  'HinhThuc',
];
const value = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }) },
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
);
const item = fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN), fc.string({ maxLength: 4 })), value, {
  maxKeys: 10,
});
/** The usual form, about half the time: every required field a string. */
const usual = item.map((o) => ({ MaHoSo: 'A-1', MaTTHC: '1.1', TrangThaiHoSo: '4', NgayCapNhat: '2026', ...o }));

describe('parseDvcqgItem', () => {
  it('gives what the schema gives, shortcut or not', () => {
    fc.assert(
      fc.property(fc.oneof(item, usual, fc.constant(null), fc.string()), (raw) => {
        const fast = parseDvcqgItem(raw);
        const schema = dvcqgItem.safeParse(raw);
        expect(fast.success).toBe(schema.success);
        if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the shortcut only for a plain object (the schema reads one with a prototype too)', () => {
    const plain = { MaHoSo: 'A-1', MaTTHC: '1.1', TrangThaiHoSo: '4', NgayCapNhat: '2026', NgayTra: null };
    const parsed = parseDvcqgItem(plain);
    expect(parsed.success && parsed.data).toBe(plain); // as it stands, no copy
    const inherited = Object.assign(Object.create({ MaTTHC: 7 }), { MaHoSo: 'A-1' }) as unknown;
    expect(parseDvcqgItem(inherited).success).toBe(dvcqgItem.safeParse(inherited).success);
    const numbers = { ...plain, NgayTra: 20261002 };
    const read = parseDvcqgItem(numbers);
    expect(read.success && read.data.NgayTra).toBe('20261002'); // a number read as text, by the schema
  });
});
