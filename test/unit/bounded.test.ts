/** Raw items measured and written without recursion: the same text as JSON.stringify, any depth, capped. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedJson, itemLimitsReason } from '../../src/normalise/bounded.js';
import { keepRaw, QUARANTINE_RAW_MAX } from '../../src/normalise/personal.js';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('boundedJson', () => {
  it('writes what JSON.stringify writes, and hashes all of it', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: false,
          withBigInt: false,
          withMap: false,
          withSet: false,
          withTypedArray: false,
          withSparseArray: false,
          withDate: false,
          withObjectString: false,
          withBoxedValues: false,
        }),
        (v) => {
          const want = JSON.stringify(v);
          const got = boundedJson(v, 1e9);
          if (want === undefined) expect(got.text).toBe('');
          else expect(got).toEqual({ text: want, truncated: false, sha1: sha1(want) });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps at most maxChars, marks the cut, and still hashes the whole text', () => {
    const v = { a: 'x'.repeat(100), b: [1, 2, 3] };
    const whole = JSON.stringify(v);
    expect(boundedJson(v, 10)).toEqual({ text: whole.slice(0, 10), truncated: true, sha1: sha1(whole) });
  });

  it('any depth: 10^5 nested levels, where JSON.stringify overflows the stack', () => {
    const v = deep(100_000);
    expect(() => JSON.stringify(v)).toThrow(RangeError);
    const out = boundedJson(v, 100);
    expect(out.truncated).toBe(true);
    expect(out.text).toBe('{"a":['.repeat(17).slice(0, 100));
  });
});

describe('itemLimitsReason', () => {
  const limits = { maxDepth: 5, maxBytes: 1000 };
  it('names the limit crossed: depth or size', () => {
    expect(itemLimitsReason(deep(5), limits)).toBeUndefined();
    expect(itemLimitsReason(deep(6), limits)).toBe('item: nested deeper than 5 levels (maxItemDepth)');
    expect(itemLimitsReason(deep(100_000), limits)).toBe('item: nested deeper than 5 levels (maxItemDepth)');
    expect(itemLimitsReason({ a: 'x'.repeat(900) }, limits)).toBeUndefined();
    expect(itemLimitsReason({ a: 'x'.repeat(1000) }, limits)).toBe(
      'item: larger than 1000 characters of JSON (maxItemBytes)',
    );
    expect(itemLimitsReason({ a: Array.from({ length: 300 }, () => 1) }, limits)).toBe(
      'item: larger than 1000 characters of JSON (maxItemBytes)',
    );
  });

  it('never more than the JSON text: an item it refuses for size is larger as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        if (itemLimitsReason(v, { maxDepth: 1000, maxBytes: 1024 })?.includes('maxItemBytes'))
          expect(JSON.stringify(v).length).toBeGreaterThan(1024);
      }),
      { numRuns: 300 },
    );
  });
});

describe('keepRaw', () => {
  it('keeps a small item as it is, personal fields redacted', () => {
    expect(keepRaw({ MaHoSo: 'A', ChuHoSo: 'Nguyễn Văn A' })).toMatchObject({
      raw: { MaHoSo: 'A', ChuHoSo: '[redacted]' },
      truncated: false,
    });
  });
  it('keeps the first 8 KB of a larger one, marked truncated', () => {
    const k = keepRaw({ MaHoSo: 'A', ChuHoSo: 'Nguyễn Văn A', TenTTHC: 'x'.repeat(100_000) });
    expect(k.truncated).toBe(true);
    expect(k.raw).toBe(
      JSON.stringify({ MaHoSo: 'A', ChuHoSo: '[redacted]', TenTTHC: 'x'.repeat(100_000) }).slice(0, QUARANTINE_RAW_MAX),
    );
  });
});
