/** The national push client against nock: batches, EXISTS / NOT_FOUND resent once, rejections kept with their message. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { PushClient } from '../../src/national/push.js';
import { PERSONAL_FIELDS } from '../../src/normalise/personal.js';
import { EnvelopeClient } from '../../src/dialects/dvcqg/envelope.js';
import { HttpClient } from '../../src/http/client.js';

const BASE = 'http://portal.test';
const ROOT = '000.00.00.H49';

function dossier(code: string): CanonicalDossier {
  return {
    code,
    agency: '000.00.12.H49',
    procedure: '1.001234',
    status: 9,
    channel: 2,
    digitised: true,
    paidOnline: false,
    receivedAt: Date.UTC(2026, 9, 1, 2),
    dueAt: Date.UTC(2026, 9, 10, 2),
    finishedAt: Date.UTC(2026, 9, 5, 2),
    returnedAt: null,
    updatedAt: Date.UTC(2026, 9, 5, 3),
  };
}

function client(): PushClient {
  const http = new HttpClient({ name: 'national', timeoutMs: 2_000, retries: 1, minDelayMs: 5, maxDelayMs: 10 });
  return new PushClient(new EnvelopeClient(http, 'national', BASE, { username: 'u', password: 'p' }));
}

type Item = Record<string, unknown> & { MaHoSo: string; isUpdate: boolean };
/** Records every push's items and answers each with `answer(item)`. */
function portal(answer: (item: Item) => { error_code: string | number; message?: string }) {
  const calls: Item[][] = [];
  nock(BASE).post('/auth/login').reply(200, { error_code: 0, session: 's1' });
  nock(BASE)
    .post('/service')
    .times(20)
    .reply(200, (_uri, body) => {
      const b = body as { service: string; madonvi: string; data: Item[] };
      expect(b.service).toBe('DongBoHoSoMC');
      expect(b.madonvi).toBe(ROOT);
      calls.push(b.data);
      return { error_code: 0, result: b.data.map((it) => ({ MaHoSo: it.MaHoSo, ...answer(it) })) };
    });
  return calls;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('PushClient', () => {
  it('sends at most 100 items a call, in the sync shape with isUpdate, and no personal field', async () => {
    const calls = portal(() => ({ error_code: 0 }));
    const items = Array.from({ length: 230 }, (_, i) => ({
      dossier: dossier(`000.00.12.H49-261001-${String(i).padStart(4, '0')}`),
      isUpdate: i % 2 === 0,
    }));
    const out = await client().push(ROOT, items);
    expect(calls.map((c) => c.length)).toEqual([100, 100, 30]);
    expect(out.every((o) => o.stored && o.code === '0' && !o.resent)).toBe(true);
    const first = calls[0]![0]!;
    expect(first).toMatchObject({
      MaHoSo: '000.00.12.H49-261001-0000',
      MaTTHC: '1.001234',
      DonViXuLy: '000.00.12.H49',
      TrangThaiHoSo: '9',
      isUpdate: true,
    });
    expect(first.NgayTiepNhan).toBe('20261001090000'); // Vietnam time, no offset
    for (const f of PERSONAL_FIELDS) expect(calls.flat().some((it) => f in it)).toBe(false);
  });

  it('resends EXISTS once as an update and NOT_FOUND once as new', async () => {
    const held = new Set(['A-1']);
    const calls = portal((it) => {
      if (!it.isUpdate && held.has(it.MaHoSo)) return { error_code: 'EXISTS', message: 'already held' };
      if (it.isUpdate && !held.has(it.MaHoSo)) return { error_code: 'NOT_FOUND', message: 'not held' };
      return { error_code: 0 };
    });
    const out = await client().push(ROOT, [
      { dossier: dossier('A-1'), isUpdate: false },
      { dossier: dossier('B-2'), isUpdate: true },
      { dossier: dossier('C-3'), isUpdate: false },
    ]);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((it) => [it.MaHoSo, it.isUpdate])).toEqual([
      ['A-1', true],
      ['B-2', false],
    ]);
    expect(out.map((o) => [o.dossierCode, o.stored, o.resent, o.sent.isUpdate])).toEqual([
      ['A-1', true, true, true],
      ['B-2', true, true, false],
      ['C-3', true, false, false],
    ]);
  });

  it('resends only once: a second EXISTS is a rejection with its message', async () => {
    const calls = portal((it) =>
      it.isUpdate ? { error_code: 'EXISTS', message: 'locked' } : { error_code: 'EXISTS', message: 'held' },
    );
    const [o] = await client().push(ROOT, [{ dossier: dossier('A-1'), isUpdate: false }]);
    expect(calls).toHaveLength(2);
    expect(o).toMatchObject({ stored: false, code: 'EXISTS', message: 'locked', resent: true });
  });

  it('keeps any other rejection with its code and message, without resending', async () => {
    const calls = portal((it) =>
      it.MaHoSo === 'B-2' ? { error_code: 'INVALID', message: 'NgayHenTra before NgayTiepNhan' } : { error_code: '00' },
    );
    const out = await client().push(ROOT, [
      { dossier: dossier('A-1'), isUpdate: true },
      { dossier: dossier('B-2'), isUpdate: true },
    ]);
    expect(calls).toHaveLength(1);
    expect(out[0]).toMatchObject({ stored: true, code: '0', message: null });
    expect(out[1]).toMatchObject({
      stored: false,
      code: 'INVALID',
      message: 'NgayHenTra before NgayTiepNhan',
      resent: false,
    });
  });

  it('fails (to be tried again) when the reply leaves an item unanswered', async () => {
    nock(BASE).post('/auth/login').reply(200, { error_code: 0, session: 's1' });
    nock(BASE).post('/service').reply(200, { error_code: 0, result: [] });
    await expect(client().push(ROOT, [{ dossier: dossier('A-1'), isUpdate: true }])).rejects.toThrow(
      /no result for an item/,
    );
  });
});
