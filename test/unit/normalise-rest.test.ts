import { describe, expect, it } from 'vitest';
import { canonicalDossier, type CanonicalDossier } from '../../schemas/dossier.js';
import { redactPersonal } from '../../src/normalise/personal.js';
import {
  formatIsoVn,
  normaliseRest,
  parseIsoInstant,
  statusMapOf,
  toRestItem,
  type RestOptions,
} from '../../src/dialects/rest/normalise.js';
import { DEFAULT_REST_STATUS_NAMES } from '../../src/sim/rest-server.js';
import { fullDossier, vn, restItem } from '../helpers/fixtures.js';

const OPTS: RestOptions = { statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES) };

function reasonOf(item: unknown, opts: RestOptions = OPTS): string {
  const n = normaliseRest(item, opts);
  if (n.ok) throw new Error(`expected a quarantine, got ${JSON.stringify(n.dossier)}`);
  return n.reason;
}

function dossierOf(item: unknown, opts: RestOptions = OPTS): CanonicalDossier {
  const n = normaliseRest(item, opts);
  if (!n.ok) throw new Error(n.reason);
  return n.dossier;
}

describe('normaliseRest', () => {
  it('normalises a valid item exactly, dropping unknown and personal fields', () => {
    const d = dossierOf(restItem());
    expect(d).toEqual(fullDossier);
    expect(canonicalDossier.parse(d)).toEqual(d);
  });

  it('reads +07:00, Z and +00:00 as the instants they name', () => {
    const at = vn('2026-10-15T08:30:00');
    for (const text of [
      '2026-10-15T08:30:00+07:00',
      '2026-10-15T01:30:00Z',
      '2026-10-15T01:30:00+00:00',
      '2026-10-15T01:30:00.000Z',
      '2026-10-15T08:30:00+0700',
      '2026-10-14T20:30:00-05:00',
    ])
      expect(dossierOf({ ...restItem(), receivedAt: text }).receivedAt, text).toBe(at);
  });

  it('reads a date-time without an offset as Vietnam time, not UTC', () => {
    expect(dossierOf({ ...restItem(), receivedAt: '2026-10-15T08:30:00' }).receivedAt).toBe(vn('2026-10-15T08:30:00'));
    expect(dossierOf({ ...restItem(), updatedAt: '2026-10-01T00:30:00' }).updatedAt).toBe(
      Date.UTC(2026, 8, 30, 17, 30),
    );
  });

  it('keeps milliseconds', () => {
    expect(dossierOf({ ...restItem(), updatedAt: '2026-10-20T02:05:12.345Z' }).updatedAt).toBe(
      Date.UTC(2026, 9, 20, 2, 5, 12, 345),
    );
  });

  it('reads null, absent and empty dates as null, and absent flags and channel as false / null', () => {
    const item = restItem();
    delete item.finishedAt;
    delete item.digitised;
    delete item.channel;
    const d = dossierOf({ ...item, returnedAt: null, dueAt: '', paidOnline: null });
    expect(d).toMatchObject({
      finishedAt: null,
      returnedAt: null,
      dueAt: null,
      digitised: false,
      paidOnline: false,
      channel: null,
    });
  });

  it('maps the channels DIRECT, ONLINE and POSTAL to 1, 2 and 3', () => {
    expect(dossierOf({ ...restItem(), channel: 'DIRECT' }).channel).toBe(1);
    expect(dossierOf({ ...restItem(), channel: 'ONLINE' }).channel).toBe(2);
    expect(dossierOf({ ...restItem(), channel: 'POSTAL' }).channel).toBe(3);
    expect(dossierOf({ ...restItem(), channel: ' postal ' }).channel).toBe(3);
  });

  it('maps vendor statuses through the per-source map, and quarantines unknown ones naming the value', () => {
    expect(dossierOf({ ...restItem(), status: 'DANG_XU_LY' }).status).toBe(4);
    expect(dossierOf({ ...restItem(), status: 'DONE' }, { statusMap: { DONE: 9 } }).status).toBe(9);
    // a vendor that collapses 5, 6 and 8 into 9
    expect(dossierOf({ ...restItem(), status: 'BO_SUNG' }, { statusMap: { BO_SUNG: 9 } }).status).toBe(9);
    const reason = reasonOf({ ...restItem(), status: 'HUY_BO' });
    expect(reason).toMatch(/^status:/);
    expect(reason).toContain('HUY_BO');
    expect(reasonOf({ ...restItem(), status: 'toString' })).toMatch(/^status:/); // not inherited keys
    expect(reasonOf({ ...restItem(), status: 'X' }, { statusMap: { X: 11 } })).toMatch(/^status:/);
  });

  it('trims and NFC-normalises codes, and applies the procedure map', () => {
    const decomposed = '1.001234-Đ'.normalize('NFD');
    const d = dossierOf({
      ...restItem(),
      code: ' 000.00.14.H56-261015-0118 ',
      agencyCode: ' 000.00.23.H56',
      procedureCode: decomposed,
    });
    expect(d.code).toBe('000.00.14.H56-261015-0118');
    expect(d.agency).toBe('000.00.23.H56');
    expect(d.procedure).toBe('1.001234-Đ'.normalize('NFC'));
    const mapped = dossierOf(
      { ...restItem(), procedureCode: '1.003560.000.00.00.H56' },
      { ...OPTS, procedureMap: { '1.003560.000.00.00.H56': '1.003560' } },
    );
    expect(mapped.procedure).toBe('1.003560');
  });

  const malformed: [field: string, value: unknown][] = [
    ['code', ''],
    ['code', 'two words'],
    ['code', 42],
    ['procedureCode', '   '],
    ['agencyCode', 'H56'],
    ['agencyCode', '000.00.23.h56'],
    ['channel', 'FAX'],
    ['channel', 2],
    ['status', true],
    ['receivedAt', '15/10/2026 08:30'],
    ['dueAt', '2026-02-30T17:00:00+07:00'],
    ['finishedAt', '2026-10-19T25:15:00Z'],
    ['returnedAt', '2026-10-20T09:00:00+25:00'],
    ['returnedAt', 1760925600000],
    ['updatedAt', ''],
    ['updatedAt', null],
    ['updatedAt', '2026-10-20'],
    ['digitised', 'yes'],
    ['paidOnline', 1],
  ];
  it.each(malformed)('quarantines a malformed %s (%j) with a reason naming it', (field, value) => {
    expect(reasonOf({ ...restItem(), [field]: value })).toMatch(new RegExp(`^${field}:`));
  });

  it('quarantines a missing required field, and items that are not objects', () => {
    for (const field of ['code', 'procedureCode', 'agencyCode', 'status', 'updatedAt']) {
      const item = restItem();
      delete item[field];
      expect(reasonOf(item)).toMatch(new RegExp(`^${field}:`));
    }
    for (const bad of [null, 'x', 3, []]) expect(reasonOf(bad)).toMatch(/^item:/);
  });
});

describe('parseIsoInstant / formatIsoVn', () => {
  it('formats with the +07:00 offset and parses back', () => {
    const t = vn('2026-01-01T00:00:00');
    expect(formatIsoVn(t)).toBe('2026-01-01T00:00:00+07:00');
    expect(formatIsoVn(t + 5)).toBe('2026-01-01T00:00:00.005+07:00');
    expect(parseIsoInstant(formatIsoVn(t + 5))).toBe(t + 5);
  });
});

describe('toRestItem → normaliseRest', () => {
  it('round-trips canonical dossiers, including nulls and every status and channel', () => {
    const cases: CanonicalDossier[] = [fullDossier];
    for (let s = 1; s <= 10; s++)
      cases.push({
        ...fullDossier,
        status: s,
        channel: ([null, 1, 2, 3] as const)[s % 4]!,
        finishedAt: null,
        returnedAt: null,
        digitised: s % 2 === 0,
        paidOnline: s % 3 === 0,
      });
    cases.push({ ...fullDossier, receivedAt: null, dueAt: null, updatedAt: fullDossier.updatedAt + 123 });
    for (const d of cases) {
      const item = toRestItem(d, DEFAULT_REST_STATUS_NAMES);
      expect(item.updatedAt).toMatch(/\+07:00$/);
      expect(dossierOf(JSON.parse(JSON.stringify(item)))).toEqual(d);
    }
  });

  it('serves custom status names that a matching map reads back', () => {
    const names = { ...DEFAULT_REST_STATUS_NAMES, 9: 'XONG' };
    const item = toRestItem({ ...fullDossier, status: 9 }, names);
    expect(item.status).toBe('XONG');
    expect(dossierOf(item, { statusMap: statusMapOf(names) }).status).toBe(9);
  });
});

describe('a quarantined item (personal fields redacted) once its vendor status is mapped', () => {
  it('normalises: the redaction leaves nothing the normaliser needs', () => {
    const kept = redactPersonal({
      ...restItem(),
      status: 'CHO_PHE_DUYET_CAP_3',
      applicantName: 'Nguyễn Văn A',
      phone: '0912345678',
      email: 'a@example.vn',
    });
    expect(reasonOf(kept)).toBe('status: unknown status "CHO_PHE_DUYET_CAP_3"');
    expect(dossierOf(kept, { statusMap: { ...OPTS.statusMap, CHO_PHE_DUYET_CAP_3: 4 } }).status).toBe(4);
  });
});
