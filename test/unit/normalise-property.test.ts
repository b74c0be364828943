/**
 * Property-based: whatever a source sends, normalisation gives either a valid canonical
 * dossier or a quarantine reason, and never throws out of the batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDossier, type CanonicalDossier } from '../../schemas/dossier.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg, toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { DEFAULT_DATE_LIMITS } from '../../schemas/limits.js';
import { DateBounds } from '../../src/normalise/fields.js';

const FIELDS = [
  'MaHoSo',
  'MaTTHC',
  'TrangThaiHoSo',
  'NgayCapNhat',
  'DonViXuLy',
  'KenhThucHien',
  'HoSoCoThanhPhanSoHoa',
  'DuocThanhToanTrucTuyen',
  'NgayTiepNhan',
  'NgayHenTra',
  'NgayKetThucXuLy',
  'NgayTra',
] as const;

const valid = {
  MaHoSo: '000.00.12.H49-261002-0001',
  MaTTHC: '1.001234',
  DonViXuLy: '000.00.12.H49',
  TrangThaiHoSo: '4',
  KenhThucHien: '2',
  HoSoCoThanhPhanSoHoa: '1',
  DuocThanhToanTrucTuyen: '0',
  NgayTiepNhan: '20261002080000',
  NgayHenTra: '20261009170000',
  NgayKetThucXuLy: '',
  NgayTra: '',
  NgayCapNhat: '20261002080000',
};

function holds(raw: unknown): void {
  const n = normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP });
  if (n.ok) expect(canonicalDossier.safeParse(n.dossier).success).toBe(true);
  else expect(n.reason).toMatch(/\S/);
}

describe('normaliseDvcqg on arbitrary input', () => {
  it('any JSON value as a whole item: a dossier or a reason, never a throw', () => {
    fc.assert(fc.property(fc.jsonValue(), holds), { numRuns: 500 });
  });

  it('any JSON value in any field of a valid item: a dossier or a reason that names that field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.jsonValue(), (field, value) => {
        const raw = { ...valid, [field]: value };
        holds(raw);
        const n = normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP });
        if (!n.ok) expect(n.reason.startsWith(field) || n.reason.startsWith('DonViXuLy')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('any strings in every field at once never throw', () => {
    const record = Object.fromEntries(FIELDS.map((f) => [f, fc.oneof(fc.string(), fc.integer(), fc.constant(null))]));
    fc.assert(fc.property(fc.record(record), holds), { numRuns: 500 });
  });

  it('round-trips any canonical dossier through the wire shape', () => {
    // a clock at the end of the generated range, so that every generated date is in range
    const LATE = new DateBounds({ ...DEFAULT_DATE_LIMITS, dueBefore: '2101-01-01' }, () => 4_102_444_800_000);
    const second = fc.integer({ min: 946_684_800, max: 4_102_444_800 }).map((s) => s * 1000);
    const dossier: fc.Arbitrary<CanonicalDossier> = fc.record({
      code: fc.stringMatching(/^000\.00\.\d{2}\.H\d{2}-\d{6}-\d{4}$/),
      agency: fc.stringMatching(/^000\.00\.\d{2}\.H\d{2}$/),
      procedure: fc.stringMatching(/^[12]\.\d{6}$/),
      status: fc.integer({ min: 1, max: 10 }),
      channel: fc.constantFrom(1 as const, 2 as const, 3 as const, null),
      digitised: fc.boolean(),
      paidOnline: fc.boolean(),
      receivedAt: fc.option(second, { nil: null }),
      dueAt: fc.option(second, { nil: null }),
      finishedAt: fc.option(second, { nil: null }),
      returnedAt: fc.option(second, { nil: null }),
      updatedAt: second,
    });
    fc.assert(
      fc.property(dossier, (d) => {
        expect(normaliseDvcqg(toDvcqgItem(d), { statusMap: IDENTITY_STATUS_MAP, dates: LATE })).toEqual({
          ok: true,
          dossier: d,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('maps local procedure codes to national ones, keeping unmapped codes', () => {
    const map = { '1.003560.000.00.00.H56': '1.003560' };
    const mapped = normaliseDvcqg(
      { ...valid, MaTTHC: '1.003560.000.00.00.H56' },
      { statusMap: IDENTITY_STATUS_MAP, procedureMap: map },
    );
    const kept = normaliseDvcqg(
      { ...valid, MaTTHC: '2.002621.H56' },
      { statusMap: IDENTITY_STATUS_MAP, procedureMap: map },
    );
    expect(mapped.ok && mapped.dossier.procedure).toBe('1.003560');
    expect(kept.ok && kept.dossier.procedure).toBe('2.002621.H56');
  });
});
