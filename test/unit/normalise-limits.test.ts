/**
 * What both dialects refuse field by field, whatever the rest of the item: dates outside the
 * configured range and codes outside the accepted shape. The clock is injected: these tests
 * do not depend on today's date.
 */
import { describe, expect, it } from 'vitest';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../../src/dialects/dvcqg/normalise.js';
import { DEFAULT_DATE_LIMITS } from '../../schemas/limits.js';
import { DateBounds } from '../../src/normalise/fields.js';
import { normaliseRest, statusMapOf } from '../../src/dialects/rest/normalise.js';
import { DEFAULT_REST_STATUS_NAMES } from '../../src/sim/rest-server.js';
import type { Normalised } from '../../src/domain/normalised.js';
import { vn, restItem } from '../helpers/fixtures.js';

/** The clock stands at 2026-10-21 12:00 Vietnam time. */
const NOW = vn('2026-10-21T12:00:00');
const dates = new DateBounds(DEFAULT_DATE_LIMITS, () => NOW);

const dvcqgItem = (): Record<string, unknown> => ({
  MaHoSo: '000.00.14.H56-261015-0118',
  MaTTHC: '1.001234',
  DonViXuLy: '000.00.23.H56',
  TrangThaiHoSo: '10',
  NgayTiepNhan: '20261015083000',
  NgayHenTra: '20261020170000',
  NgayKetThucXuLy: '20261019101500',
  NgayTra: '20261020090000',
  NgayCapNhat: '20261020090512',
});

interface Dialect {
  name: string;
  item: () => Record<string, unknown>;
  normalise: (raw: unknown, o?: { dates?: DateBounds; procedureMap?: Record<string, string> }) => Normalised;
  /** A Vietnam local time `yyyy-MM-ddTHH:mm:ss` in the dialect's wire form. */
  wire: (local: string) => string;
  dates: { updated: string; received: string; due: string; finished: string; returned: string };
  codes: { dossier: string; procedure: string; agency: string };
}

const DIALECTS: Dialect[] = [
  {
    name: 'dvcqg',
    item: dvcqgItem,
    normalise: (raw, o) => normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP, dates, ...o }),
    wire: (local) => local.replace(/[-T:]/g, ''),
    dates: {
      updated: 'NgayCapNhat',
      received: 'NgayTiepNhan',
      due: 'NgayHenTra',
      finished: 'NgayKetThucXuLy',
      returned: 'NgayTra',
    },
    codes: { dossier: 'MaHoSo', procedure: 'MaTTHC', agency: 'DonViXuLy' },
  },
  {
    name: 'rest',
    item: restItem,
    normalise: (raw, o) => normaliseRest(raw, { statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES), dates, ...o }),
    wire: (local) => `${local}+07:00`,
    dates: {
      updated: 'updatedAt',
      received: 'receivedAt',
      due: 'dueAt',
      finished: 'finishedAt',
      returned: 'returnedAt',
    },
    codes: { dossier: 'code', procedure: 'procedureCode', agency: 'agencyCode' },
  },
];

function reasonOf(n: Normalised): string {
  if (n.ok) throw new Error(`expected a quarantine, got ${JSON.stringify(n.dossier)}`);
  return n.reason;
}

describe.each(DIALECTS)('$name: every date within the configured range', (d) => {
  const past = [d.dates.updated, d.dates.received, d.dates.finished, d.dates.returned];

  it.each(past)(
    '%s in 1960 (before 1970, the probe that jammed a source) is quarantined naming the field and dates.earliest',
    (field) => {
      const reason = reasonOf(d.normalise({ ...d.item(), [field]: d.wire('1960-05-01T08:00:00') }));
      expect(reason).toMatch(
        new RegExp(`^${field}: 1960-05-01 is before the earliest accepted date 2000-01-01 \\(dates\\.earliest\\)`),
      );
    },
  );

  it.each(past)('%s in 2999 is quarantined naming the field and the skew bound', (field) => {
    const reason = reasonOf(d.normalise({ ...d.item(), [field]: d.wire('2999-12-31T00:00:00') }));
    expect(reason).toMatch(
      new RegExp(
        `^${field}: 2999-12-30T17:00:00.000Z is after now \\+ 24 h of clock skew \\(2026-10-22T05:00:00.000Z, dates.skewHours\\)`,
      ),
    );
  });

  it('a time up to now + the skew is accepted, one second more is not', () => {
    expect(d.normalise({ ...d.item(), [d.dates.updated]: d.wire('2026-10-22T12:00:00') }).ok).toBe(true);
    expect(reasonOf(d.normalise({ ...d.item(), [d.dates.updated]: d.wire('2026-10-22T12:00:01') }))).toMatch(
      new RegExp(`^${d.dates.updated}: `),
    );
    expect(d.normalise({ ...d.item(), [d.dates.received]: d.wire('2000-01-01T00:00:00') }).ok).toBe(true);
    expect(reasonOf(d.normalise({ ...d.item(), [d.dates.received]: d.wire('1999-12-31T23:59:59') }))).toMatch(
      new RegExp(`^${d.dates.received}: `),
    );
  });

  it('a due date may be years ahead, but not from dates.dueBefore on', () => {
    expect(d.normalise({ ...d.item(), [d.dates.due]: d.wire('2099-12-31T17:00:00') }).ok).toBe(true);
    expect(reasonOf(d.normalise({ ...d.item(), [d.dates.due]: d.wire('2100-01-01T00:00:00') }))).toBe(
      `${d.dates.due}: 2100-01-01 is not before 2100-01-01 (dates.dueBefore)`,
    );
    expect(reasonOf(d.normalise({ ...d.item(), [d.dates.due]: d.wire('1960-01-01T00:00:00') }))).toMatch(
      new RegExp(`^${d.dates.due}: .*dates\\.earliest`),
    );
  });

  it('the bound moves with the injected clock and the configured limits', () => {
    const later = { ...d.item(), [d.dates.updated]: d.wire('2026-12-01T00:00:00') };
    expect(d.normalise(later).ok).toBe(false);
    const opts = new DateBounds({ earliest: '2026-01-01', skewHours: 0, dueBefore: '2027-01-01' }, () =>
      vn('2026-12-01T00:00:00'),
    );
    expect(d.normalise(later, { dates: opts }).ok).toBe(true);
    const early = { ...later, [d.dates.received]: d.wire('2025-12-31T00:00:00') };
    expect(reasonOf(d.normalise(early, { dates: opts }))).toMatch(
      new RegExp(`^${d.dates.received}: 2025-12-31 is before the earliest accepted date 2026-01-01`),
    );
  });
});

describe.each(DIALECTS)('$name: codes never become syntax', (d) => {
  const bad = [
    '1.004776|x',
    'a:b',
    'x@y',
    'a"b',
    "a'b",
    'a b',
    'a\tb',
    'a\u0000b',
    'a\u001fb',
    'a\u007fb',
    'a\u2028b',
    'x'.repeat(81),
    '`x`',
    'a,b',
    'a;b',
    'a\\b',
  ];

  it.each(bad)('a dossier or procedure code %j is quarantined naming the field', (value) => {
    expect(reasonOf(d.normalise({ ...d.item(), [d.codes.dossier]: value }))).toMatch(
      new RegExp(`^${d.codes.dossier}: `),
    );
    expect(reasonOf(d.normalise({ ...d.item(), [d.codes.procedure]: value }))).toMatch(
      new RegExp(`^${d.codes.procedure}: `),
    );
  });

  it('the accepted shape: letters of any script, digits, . _ - /, up to 80 characters', () => {
    for (const value of [
      '1.004776',
      '000.00.14.H56-261015-0118',
      'Tư-pháp/01_a',
      '9f2c1e4a-0b1d-4c3e-8a5f-0123456789ab',
      'x'.repeat(80),
    ]) {
      const n = d.normalise({ ...d.item(), [d.codes.procedure]: value });
      expect(n.ok && n.dossier.procedure).toBe(value);
    }
  });

  it('an agency code keeps its own shape check', () => {
    const n = d.normalise({ ...d.item(), [d.codes.agency]: '000.00.23.H56:x' });
    // dvcqg falls back to the agency the dossier code names; rest names the field
    if (d.name === 'dvcqg') expect(n.ok && n.dossier.agency).toBe('000.00.14.H56');
    else expect(reasonOf(n)).toMatch(/^agencyCode: /);
  });

  it('a procedure map that maps to a code outside the shape is quarantined too', () => {
    const n = d.normalise(d.item(), { procedureMap: { '1.001234': 'a|b' } });
    expect(reasonOf(n)).toMatch(new RegExp(`^${d.codes.procedure}: "a\\|b" is not a code`));
  });
});
