/** Reading a large reply body a piece of its item array at a time (src/http/json-body.ts) gives what JSON.parse gives. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyText, inPieces, parseItems, parseJsonBody, splitDataArray } from '../../src/http/json-body.js';

const item = (i: number) => ({
  MaHoSo: `000.00.00.H49-260301-${String(i).padStart(4, '0')}`,
  MaTTHC: '1.008429',
  TrangThaiHoSo: '9',
  NgayTiepNhan: '20260301005100',
  KenhThucHien: '2',
});
/** A list reply of `n` items (about 150 bytes each). */
const envelope = (data: unknown[], extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ error_code: 0, tongSo: data.length, data, ...extra }));
const items = (n: number) => Array.from({ length: n }, (_, i) => item(i));

describe('parseJsonBody', () => {
  it('reads a large list reply in pieces, with the same result as JSON.parse', () => {
    const body = envelope(items(3000));
    expect(body.length).toBeGreaterThan(300_000);
    const pieces = inPieces(body);
    expect(pieces).toEqual(JSON.parse(body.toString()));
    expect(parseJsonBody(body)).toEqual(JSON.parse(body.toString()));
  });

  it('keeps fields after the array, non-ASCII text, and an empty or small list', () => {
    const vi = items(2000).map((d) => ({ ...d, TenNguoiNop: 'Nguyễn Văn Ánh — hồ sơ' }));
    for (const body of [
      envelope(vi, { message: 'xong' }),
      envelope([]),
      envelope(items(3)),
      Buffer.from(` \n${envelope(items(2000)).toString()}\n `),
    ])
      expect(parseJsonBody(body)).toEqual(JSON.parse(body.toString()));
    expect(inPieces(envelope(vi, { message: 'xong' }))).toEqual(
      JSON.parse(envelope(vi, { message: 'xong' }).toString()),
    );
  });

  it('leaves to JSON.parse what a cut would break: "},{" inside strings and nested values, "data" inside items', () => {
    const tricky = items(2000).map((d, i) => ({
      ...d,
      GhiChu: i % 7 === 0 ? '},{"MaHoSo":"x"},{' : 'a',
      Sub: i % 11 === 0 ? [{ a: 1 }, { b: 2 }] : [],
      ...(i % 13 === 0 ? { data: [{ c: 3 }] } : {}),
    }));
    const body = envelope(tricky);
    expect(parseJsonBody(body)).toEqual(JSON.parse(body.toString()));
    // data under an item before the envelope's own
    const nestedFirst = Buffer.from(
      JSON.stringify({ error_code: 0, meta: { data: [{ z: 1 }, { z: 2 }] }, data: items(2000) }),
    );
    expect(parseJsonBody(nestedFirst)).toEqual(JSON.parse(nestedFirst.toString()));
  });

  it('drops a UTF-8 byte order mark before the JSON, small or large', () => {
    for (const n of [3, 3000]) {
      const body = envelope(items(n));
      expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]))).toEqual(
        JSON.parse(body.toString()),
      );
    }
    expect(bodyText(Buffer.from('\ufeffok'))).toBe('ok');
  });

  it('refuses a body that is not JSON as JSON.parse does (a truncated reply)', () => {
    const body = envelope(items(3000));
    const cut = body.subarray(0, Math.floor(body.length / 2));
    expect(() => parseJsonBody(cut)).toThrow(SyntaxError);
    expect(inPieces(cut)).toBeUndefined();
    expect(() => parseJsonBody(Buffer.from(`${body.toString()}x`))).toThrow(SyntaxError);
  });

  it('gives what JSON.parse gives for any list of objects with any strings (property)', () => {
    const value = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('},{', '"data":[', ']}', '\\'),
      fc.integer(),
    );
    const obj = fc.dictionary(fc.constantFrom('MaHoSo', 'data', 'a', 'GhiChu'), value, { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(obj, { minLength: 1, maxLength: 40 }), fc.boolean(), (list, tail) => {
        const data: unknown[] = [];
        while (JSON.stringify(data).length < 120_000) data.push(...list, item(data.length));
        const body = envelope(data, tail ? { message: '"data":[x]' } : {});
        expect(parseJsonBody(body)).toEqual(JSON.parse(body.toString()));
      }),
      { numRuns: 40 },
    );
  });
});

describe('splitDataArray and parseItems', () => {
  it('give the envelope and, parsed, the items JSON.parse gives, small or large, with a byte order mark or not', () => {
    const vi = items(2500).map((d) => ({ ...d, TenNguoiNop: 'Nguyễn Văn Ánh — hồ sơ' }));
    for (const data of [[], items(3), vi]) {
      const body = envelope(data, { message: 'xong' });
      for (const b of [body, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body])]) {
        const split = splitDataArray(b)!;
        expect(split.envelope).toEqual({ error_code: 0, tongSo: data.length, data: [], message: 'xong' });
        expect(parseItems(split.items)).toEqual(data);
        expect(parseItems(new Uint8Array(split.items))).toEqual(data); // bytes handed to another thread
      }
    }
  });

  it('leave a body of another shape whole; items that do not parse throw, as JSON.parse does', () => {
    expect(splitDataArray(Buffer.from('{"error_code":"99","message":"no"}'))).toBeUndefined();
    expect(splitDataArray(Buffer.from('{"error_code":0,"data":[1,2],"meta":{"data":[3]}}'))).toBeUndefined();
    // an array after the data array: the split looks right, and its "items" do not parse
    const after = splitDataArray(Buffer.from('{"error_code":0,"data":[{"a":1}],"other":[1]}'))!;
    expect(() => parseItems(after.items)).toThrow(SyntaxError);
    const body = envelope(items(3000));
    const cut = splitDataArray(Buffer.concat([body.subarray(0, body.length / 2), Buffer.from(']}')]))!;
    expect(() => parseItems(cut.items)).toThrow(SyntaxError);
  });
});
