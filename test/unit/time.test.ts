import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  VN_OFFSET_MS,
  formatCompact,
  formatCompactDay,
  formatDay,
  parseCompact,
  parseDay,
  vnDayNumber,
} from '../../src/domain/time.js';

/** An instant written with an explicit offset, independent of the code under test. */
const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture ${iso}`);
  return ms;
};

describe('constants', () => {
  it('Vietnam is UTC+7 and a day is 86,400,000 ms', () => {
    expect(VN_OFFSET_MS).toBe(25_200_000);
    expect(DAY_MS).toBe(86_400_000);
  });
});

describe('parseCompact', () => {
  it('reads yyyyMMddHHmmss as Vietnam local time (UTC+7)', () => {
    expect(parseCompact('20261101000000')).toBe(at('2026-10-31T17:00:00Z'));
    expect(parseCompact('20260101070000')).toBe(at('2026-01-01T00:00:00Z'));
    expect(parseCompact('20261015083015')).toBe(at('2026-10-15T01:30:15Z'));
    expect(parseCompact('20261231235959')).toBe(at('2026-12-31T16:59:59Z'));
  });

  it('has no daylight saving: the offset is 7 hours in January and in July', () => {
    expect(parseCompact('20260115120000')).toBe(at('2026-01-15T05:00:00Z'));
    expect(parseCompact('20260715120000')).toBe(at('2026-07-15T05:00:00Z'));
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseCompact('20240229235959')).toBe(at('2024-02-29T16:59:59Z'));
  });

  it.each([
    ['', 'empty'],
    ['2026110100000', '13 digits'],
    ['202611010000000', '15 digits'],
    ['20261101', 'date only'],
    ['20261301000000', 'month 13'],
    ['20260001000000', 'month 0'],
    ['20261100000000', 'day 0'],
    ['20260230000000', '30 February'],
    ['20250229000000', '29 February in a common year'],
    ['20261131000000', '31 November'],
    ['20261101240000', 'hour 24'],
    ['20261101006000', 'minute 60'],
    ['20261101000060', 'second 60'],
    ['2026110100000a', 'a letter'],
    ['abcdefghijklmn', 'letters only'],
    [' 20261101000000', 'a leading space'],
    ['20261101000000 ', 'a trailing space'],
    ['2026-11-01T00:00', 'ISO text'],
    ['-2026110100000', 'a sign'],
    ['2026110100000０', 'a full-width digit'],
  ])('rejects %j (%s)', (value) => {
    expect(parseCompact(value)).toBeUndefined();
  });
});

describe('formatCompact', () => {
  it('writes an instant as Vietnam local time', () => {
    expect(formatCompact(at('2026-10-31T17:00:00Z'))).toBe('20261101000000');
    expect(formatCompact(at('2026-10-31T16:59:59Z'))).toBe('20261031235959');
    expect(formatCompact(0)).toBe('19700101070000');
  });

  it('drops milliseconds', () => {
    expect(formatCompact(at('2026-10-31T17:00:00.999Z'))).toBe('20261101000000');
  });

  it('round-trips with parseCompact, both ways', () => {
    const texts = [
      '20261101000000',
      '20261031235959',
      '20240229120000',
      '20250101000000',
      '19991231235959',
      '20301231165959',
    ];
    for (const t of texts) {
      const ms = parseCompact(t);
      expect(ms).toBeTypeOf('number');
      expect(formatCompact(ms!)).toBe(t);
    }
    // every hour across a month boundary, plus odd seconds
    const base = at('2026-10-30T00:00:00Z');
    for (let i = 0; i < 24 * 4; i++) {
      const ms = base + i * 3_600_000 + (i % 60) * 1000;
      expect(parseCompact(formatCompact(ms))).toBe(ms);
    }
  });
});

describe('parseDay', () => {
  it('reads yyyyMMdd and YYYY-MM-DD as the local midnight of that Vietnam day', () => {
    expect(parseDay('20261101')).toBe(at('2026-10-31T17:00:00Z'));
    expect(parseDay('2026-11-01')).toBe(at('2026-10-31T17:00:00Z'));
    expect(parseDay('2024-02-29')).toBe(at('2024-02-28T17:00:00Z'));
    expect(parseDay('1970-01-01')).toBe(-VN_OFFSET_MS);
  });

  it('agrees with parseCompact at midnight', () => {
    expect(parseDay('2026-10-15')).toBe(parseCompact('20261015000000'));
  });

  it.each([
    '',
    '2026-02-30',
    '20260230',
    '2025-02-29',
    '2026-13-01',
    '20261301',
    '2026-00-10',
    '2026-10-00',
    '2026-1-01',
    '2026/11/01',
    '2026-1101',
    '202611-01',
    '2026-11-01T00:00:00',
    '20261101000000',
    '2026110',
    'yyyy-mm-dd',
    ' 2026-11-01',
  ])('rejects %j', (value) => {
    expect(parseDay(value)).toBeUndefined();
  });
});

describe('formatDay and formatCompactDay', () => {
  it('give the Vietnam calendar day, which changes at 17:00 UTC', () => {
    expect(formatDay(at('2026-10-31T16:59:59Z'))).toBe('2026-10-31');
    expect(formatDay(at('2026-10-31T17:00:00Z'))).toBe('2026-11-01');
    expect(formatCompactDay(at('2026-10-31T16:59:59Z'))).toBe('20261031');
    expect(formatCompactDay(at('2026-10-31T17:00:00Z'))).toBe('20261101');
  });

  it('round-trip with parseDay', () => {
    for (const d of ['2026-11-01', '2024-02-29', '2026-01-01', '2026-12-31']) {
      expect(formatDay(parseDay(d)!)).toBe(d);
      expect(formatCompactDay(parseDay(d)!)).toBe(d.replaceAll('-', ''));
    }
  });
});

describe('vnDayNumber', () => {
  it('changes at Vietnam midnight, not UTC midnight', () => {
    const lastSecond = parseCompact('20261031235959')!;
    const midnight = parseCompact('20261101000000')!;
    const firstSecond = parseCompact('20261031000000')!;
    expect(vnDayNumber(midnight) - vnDayNumber(lastSecond)).toBe(1);
    expect(vnDayNumber(firstSecond)).toBe(vnDayNumber(lastSecond));
    expect(vnDayNumber(midnight - 1)).toBe(vnDayNumber(lastSecond));
    // 2026-11-01 local is day number 20,758 since 1970-01-01
    expect(vnDayNumber(midnight)).toBe(Date.UTC(2026, 10, 1) / DAY_MS);
    expect(vnDayNumber(midnight)).toBe(20_758);
  });

  it('is 0 for the whole Vietnam day 1970-01-01', () => {
    expect(vnDayNumber(-VN_OFFSET_MS)).toBe(0);
    expect(vnDayNumber(-VN_OFFSET_MS - 1)).toBe(-1);
    expect(vnDayNumber(DAY_MS - VN_OFFSET_MS - 1)).toBe(0);
    expect(vnDayNumber(DAY_MS - VN_OFFSET_MS)).toBe(1);
  });

  it('puts two instants on the same UTC date on different Vietnam days', () => {
    // both 2026-10-20 in UTC; 2026-10-20 20:00 and 2026-10-21 02:00 in Vietnam
    expect(vnDayNumber(at('2026-10-20T19:00:00Z')) - vnDayNumber(at('2026-10-20T13:00:00Z'))).toBe(1);
  });
});

/**
 * The helpers do plain arithmetic for speed; these oracles do the same through `Date`, which
 * is slow but obviously right, and every instant and every string must agree with them.
 */
describe('agreement with Date', () => {
  const oracleParts = (ms: number) => {
    const iso = new Date(ms + VN_OFFSET_MS).toISOString();
    return { day: iso.slice(0, 10), compact: iso.slice(0, 19).replace(/[-T:]/g, '') };
  };
  const oracleParse = (y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined => {
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    if (
      y < 100 ||
      h > 23 ||
      mi > 59 ||
      s > 59 ||
      back.getUTCFullYear() !== y ||
      back.getUTCMonth() !== mo - 1 ||
      back.getUTCDate() !== d
    )
      return undefined;
    return ms - VN_OFFSET_MS;
  };
  const p2 = (n: number) => String(n).padStart(2, '0');
  // Years 0100-9999, as the wire's four digits allow (Date.UTC reads years below 100 as 19xx).
  const instant = fc.integer({
    min: Date.UTC(100, 0, 1) - VN_OFFSET_MS,
    max: Date.UTC(9999, 11, 31, 23, 59, 59) - VN_OFFSET_MS,
  });

  it('formats every instant as Date does', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const o = oracleParts(ms);
        expect(formatCompact(ms)).toBe(o.compact);
        expect(formatCompactDay(ms)).toBe(o.compact.slice(0, 8));
        expect(formatDay(ms)).toBe(o.day);
      }),
      { numRuns: 5000 },
    );
  });

  it('parses every digit string as Date does, refusing the same ones', () => {
    // Mostly in range (so most strings are real dates), sometimes any two digits.
    const field = (lo: number, hi: number, max = 99) =>
      fc.oneof(
        { arbitrary: fc.integer({ min: lo, max: hi }), weight: 9 },
        { arbitrary: fc.integer({ min: 0, max }), weight: 1 },
      );
    fc.assert(
      fc.property(
        field(1900, 2100, 9999),
        field(1, 12),
        field(1, 31),
        field(0, 23),
        field(0, 59),
        field(0, 59),
        (y, mo, d, h, mi, s) => {
          const text = `${String(y).padStart(4, '0')}${p2(mo)}${p2(d)}`;
          const expected = oracleParse(y, mo, d, h, mi, s);
          expect(parseCompact(`${text}${p2(h)}${p2(mi)}${p2(s)}`)).toBe(expected);
          const midnight = oracleParse(y, mo, d, 0, 0, 0);
          expect(parseDay(text)).toBe(midnight);
          expect(parseDay(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`)).toBe(midnight);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('round-trips every second in range', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const second = ms - (((ms % 1000) + 1000) % 1000);
        expect(parseCompact(formatCompact(ms))).toBe(second);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what is not all digits and throws on an instant that is not a number', () => {
    for (const bad of [
      '2026110100000 ',
      '+2026110100000',
      '20261101 00000',
      '2026-11-01',
      '２０２６１１０１００００００',
    ])
      expect(parseCompact(bad)).toBeUndefined();
    for (const bad of ['2026-11-1', '2026/11/01', '2026-11-01 ', '20261101T', '2026+1101'])
      expect(parseDay(bad)).toBeUndefined();
    expect(() => formatDay(Number.NaN)).toThrow(RangeError);
  });
});
