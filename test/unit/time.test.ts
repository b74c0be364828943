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
} from '../../src/normalise/time.js';

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
    const texts = ['20261101000000', '20261031235959', '20240229120000', '20250101000000', '19991231235959', '20301231165959'];
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
