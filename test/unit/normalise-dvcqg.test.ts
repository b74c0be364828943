import { describe, expect, it } from 'vitest';
import { canonicalDossier, type CanonicalDossier } from '../../schemas/dossier.js';
import { redactPersonal } from '../../src/normalise/personal.js';
import { agencyOfDossierCode, provinceOfAgency, rootAgency } from '../../src/domain/codes.js';
import {
  IDENTITY_STATUS_MAP,
  normaliseDvcqg,
  toDvcqgItem,
  type DvcqgOptions,
} from '../../src/dialects/dvcqg/normalise.js';
import { fullDossier, vn } from '../helpers/fixtures.js';

const ID: DvcqgOptions = { statusMap: IDENTITY_STATUS_MAP };

function fullItem(): Record<string, unknown> {
  return {
    MaHoSo: '000.00.14.H56-261015-0118',
    MaTTHC: '1.001234',
    TenTTHC: 'Cấp phiếu lý lịch tư pháp',
    MaLinhVuc: 'G09-TP01',
    TenLinhVuc: 'Lý lịch tư pháp',
    DonViXuLy: '000.00.23.H56',
    SoBienNhan: 'BN-0118',
    TrichYeuHoSo: 'Cấp phiếu số 1',
    ChuHoSo: 'Nguyễn Văn A',
    LoaiDoiTuong: '1',
    SoDienThoai: '0900000000',
    Email: 'a@example.invalid',
    TrangThaiHoSo: '10',
    KenhThucHien: '2',
    HinhThuc: '0',
    HoSoCoThanhPhanSoHoa: '1',
    DuocThanhToanTrucTuyen: '0',
    NgayNopHoSo: '20261014160000',
    NgayTiepNhan: '20261015083000',
    NgayHenTra: '20261020170000',
    NgayKetThucXuLy: '20261019101500',
    NgayTra: '20261020090000',
    NgayTuChoi: '',
    NgayCapNhat: '20261020090512',
    TaiLieuNop: [{ TenTepDinhKem: 'don.pdf' }],
    DanhSachLePhi: [],
    DanhSachGiayToKetQua: [],
    DanhSachHoSoBoSung: [],
  };
}

function ok(raw: unknown, opts: DvcqgOptions = ID): CanonicalDossier {
  const r = normaliseDvcqg(raw, opts);
  if (!r.ok) throw new Error(`expected a dossier, got: ${r.reason}`);
  return r.dossier;
}

function reason(raw: unknown, opts: DvcqgOptions = ID): string {
  const r = normaliseDvcqg(raw, opts);
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.dossier)}`);
  return r.reason;
}

const withFields = (fields: Record<string, unknown>): Record<string, unknown> => ({ ...fullItem(), ...fields });
const without = (...fields: string[]): Record<string, unknown> => {
  const item = fullItem();
  for (const f of fields) delete item[f];
  return item;
};

describe('codes', () => {
  it('splits agency and dossier codes', () => {
    expect(agencyOfDossierCode('000.00.14.H56-200203-0118')).toBe('000.00.14.H56');
    expect(agencyOfDossierCode('000.00.14.H56-200203-118')).toBeUndefined();
    expect(agencyOfDossierCode('HS-2026-0001')).toBeUndefined();
    expect(provinceOfAgency('000.00.23.H12')).toBe('H12');
    expect(rootAgency('H49')).toBe('000.00.00.H49');
  });
});

describe('IDENTITY_STATUS_MAP', () => {
  it('maps "1".."10" to 1..10 and nothing else', () => {
    expect(IDENTITY_STATUS_MAP).toStrictEqual({
      '1': 1,
      '2': 2,
      '3': 3,
      '4': 4,
      '5': 5,
      '6': 6,
      '7': 7,
      '8': 8,
      '9': 9,
      '10': 10,
    });
  });
});

describe('normaliseDvcqg: a valid item', () => {
  it('gives the exact canonical dossier', () => {
    const r = normaliseDvcqg(fullItem(), ID);
    expect(r).toStrictEqual({ ok: true, dossier: fullDossier });
  });

  it('gives a dossier the canonical schema accepts, without personal data', () => {
    const d = ok(fullItem());
    expect(canonicalDossier.parse(d)).toStrictEqual(d);
    const text = JSON.stringify(d);
    expect(text).not.toContain('Nguyễn');
    expect(text).not.toContain('0900000000');
    expect(text).not.toContain('example.invalid');
  });

  it('reads dates as Vietnam local time: midnight of 1 November is 17:00 UTC on 31 October', () => {
    const d = ok(withFields({ NgayTiepNhan: '20261101000000' }));
    expect(d.receivedAt).toBe(Date.parse('2026-10-31T17:00:00Z'));
  });

  it('accepts numbers where strings are expected', () => {
    const d = ok(
      withFields({
        MaTTHC: 1.001234,
        TrangThaiHoSo: 9,
        KenhThucHien: 3,
        HoSoCoThanhPhanSoHoa: 0,
        DuocThanhToanTrucTuyen: 1,
        LoaiDoiTuong: 2,
        NgayTiepNhan: 20261015083000,
        NgayHenTra: 20261020170000,
        NgayKetThucXuLy: 20261019101500,
        NgayTra: 20261020090000,
        NgayCapNhat: 20261020090512,
      }),
    );
    expect(d).toStrictEqual({
      ...fullDossier,
      procedure: '1.001234',
      status: 9,
      channel: 3,
      digitised: false,
      paidOnline: true,
    });
  });

  it('reads empty, blank, null and absent dates as null', () => {
    const d = ok(withFields({ NgayTiepNhan: '', NgayHenTra: '   ', NgayKetThucXuLy: null, NgayTra: undefined }));
    expect(d.receivedAt).toBeNull();
    expect(d.dueAt).toBeNull();
    expect(d.finishedAt).toBeNull();
    expect(d.returnedAt).toBeNull();
    expect(d.updatedAt).toBe(fullDossier.updatedAt);
    const e = ok(without('NgayTiepNhan', 'NgayHenTra', 'NgayKetThucXuLy', 'NgayTra'));
    expect([e.receivedAt, e.dueAt, e.finishedAt, e.returnedAt]).toStrictEqual([null, null, null, null]);
  });

  it('reads an empty or absent channel as null, and absent flags as false', () => {
    expect(ok(withFields({ KenhThucHien: '' })).channel).toBeNull();
    expect(ok(without('KenhThucHien')).channel).toBeNull();
    const d = ok(without('HoSoCoThanhPhanSoHoa', 'DuocThanhToanTrucTuyen'));
    expect(d.digitised).toBe(false);
    expect(d.paidOnline).toBe(false);
  });

  it('reads each channel code', () => {
    expect(ok(withFields({ KenhThucHien: '1' })).channel).toBe(1);
    expect(ok(withFields({ KenhThucHien: ' 2 ' })).channel).toBe(2);
    expect(ok(withFields({ KenhThucHien: '3' })).channel).toBe(3);
  });

  it('reads flags written as true/false', () => {
    expect(ok(withFields({ HoSoCoThanhPhanSoHoa: 'true', DuocThanhToanTrucTuyen: 'TRUE' }))).toMatchObject({
      digitised: true,
      paidOnline: true,
    });
    expect(ok(withFields({ HoSoCoThanhPhanSoHoa: 'false', DuocThanhToanTrucTuyen: '' }))).toMatchObject({
      digitised: false,
      paidOnline: false,
    });
  });

  it('does not need the fields the dossier does not keep', () => {
    const d = ok(
      without('TenTTHC', 'MaLinhVuc', 'SoBienNhan', 'LoaiDoiTuong', 'HinhThuc', 'NgayNopHoSo', 'NgayTuChoi'),
    );
    expect(d).toStrictEqual(fullDossier);
  });

  it('normalises code text to NFC and trims it', () => {
    const decomposed = 'Tu\u031B-pha\u0301p-01'; // "Tư-pháp-01" in NFD
    expect(decomposed).not.toBe('Tư-pháp-01');
    const d = ok(
      withFields({
        MaHoSo: '  000.00.14.H56-261015-0118\t',
        MaTTHC: `\n${decomposed} `,
        TrangThaiHoSo: ' 10 ',
        DonViXuLy: ' 000.00.23.H56 ',
      }),
    );
    expect(d.code).toBe('000.00.14.H56-261015-0118');
    expect(d.procedure).toBe('Tư-pháp-01');
    expect(d.procedure.normalize('NFC')).toBe(d.procedure);
    expect(d.status).toBe(10);
    expect(d.agency).toBe('000.00.23.H56');
  });

  it('trims dates', () => {
    expect(ok(withFields({ NgayTiepNhan: ' 20261015083000 ' })).receivedAt).toBe(fullDossier.receivedAt);
  });
});

describe('normaliseDvcqg: the agency', () => {
  it('comes from DonViXuLy when it is an agency code, before the MaHoSo prefix and the option', () => {
    expect(ok(fullItem()).agency).toBe('000.00.23.H56');
    expect(ok(fullItem(), { ...ID, agency: '000.00.99.H56' }).agency).toBe('000.00.23.H56');
  });

  it('comes from the MaHoSo prefix when DonViXuLy is absent, empty or not an agency code, and no option is given', () => {
    expect(ok(without('DonViXuLy')).agency).toBe('000.00.14.H56');
    expect(ok(withFields({ DonViXuLy: '' })).agency).toBe('000.00.14.H56');
    expect(ok(withFields({ DonViXuLy: null })).agency).toBe('000.00.14.H56');
    expect(ok(withFields({ DonViXuLy: 'Sở Tư pháp' })).agency).toBe('000.00.14.H56');
    expect(ok(withFields({ DonViXuLy: '000.00.23' })).agency).toBe('000.00.14.H56');
  });

  // The option is the caller's knowledge of which agency an item was listed under (national
  // drill-down lists carry no DonViXuLy, but always a MaHoSo): it wins over the MaHoSo prefix,
  // which names the receiving agency.
  it('prefers the agency option to the MaHoSo prefix when DonViXuLy names none', () => {
    expect(ok(without('DonViXuLy'), { ...ID, agency: '000.00.99.H56' }).agency).toBe('000.00.99.H56');
    expect(ok(withFields({ DonViXuLy: 'Sở Tư pháp' }), { ...ID, agency: '000.00.99.H56' }).agency).toBe(
      '000.00.99.H56',
    );
  });

  it('comes from the agency option when neither DonViXuLy nor MaHoSo names one', () => {
    const item = withFields({ MaHoSo: 'a8f3c2e1-77', DonViXuLy: 'UBND xã' });
    expect(ok(item, { ...ID, agency: '000.00.00.H56' })).toStrictEqual({
      ...fullDossier,
      code: 'a8f3c2e1-77',
      agency: '000.00.00.H56',
    });
  });

  it('rejects an item that names no agency anywhere, naming DonViXuLy', () => {
    expect(reason(withFields({ MaHoSo: 'a8f3c2e1-77', DonViXuLy: '' }))).toMatch(/^DonViXuLy: /);
    expect(reason(withFields({ MaHoSo: 'a8f3c2e1-77', DonViXuLy: 'UBND xã' }))).toMatch(/^DonViXuLy: /);
  });
});

describe('normaliseDvcqg: the status map', () => {
  const vendor: DvcqgOptions = { statusMap: { DA_XU_LY: 9, DANG_XU_LY: 4, DA_TRA: 10 } };

  it('is applied to the vendor value', () => {
    expect(ok(withFields({ TrangThaiHoSo: 'DA_XU_LY' }), vendor).status).toBe(9);
    expect(ok(withFields({ TrangThaiHoSo: 'DANG_XU_LY' }), vendor).status).toBe(4);
    expect(ok(withFields({ TrangThaiHoSo: ' DA_TRA ' }), vendor).status).toBe(10);
  });

  it('collapses vendor codes as configured (5, 6 and 8 sent as 9)', () => {
    const collapse: DvcqgOptions = { statusMap: { ...IDENTITY_STATUS_MAP, '5': 9, '6': 9, '8': 9 } };
    for (const s of ['5', '6', '8', '9']) expect(ok(withFields({ TrangThaiHoSo: s }), collapse).status).toBe(9);
    expect(ok(withFields({ TrangThaiHoSo: '7' }), collapse).status).toBe(7);
  });

  it('rejects values outside the map, naming TrangThaiHoSo', () => {
    expect(reason(withFields({ TrangThaiHoSo: '9' }), vendor)).toMatch(/^TrangThaiHoSo: /);
    expect(reason(withFields({ TrangThaiHoSo: 'DA_XU_LY' }))).toMatch(/^TrangThaiHoSo: /);
    expect(reason(withFields({ TrangThaiHoSo: 'da_xu_ly' }), vendor)).toMatch(/^TrangThaiHoSo: /);
    for (const s of ['0', '11', '', ' ', '9.0', '-1']) {
      expect(reason(withFields({ TrangThaiHoSo: s }))).toMatch(/^TrangThaiHoSo: /);
    }
  });

  it('does not take inherited object properties for statuses', () => {
    for (const s of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(reason(withFields({ TrangThaiHoSo: s }))).toMatch(/^TrangThaiHoSo: /);
      expect(reason(withFields({ TrangThaiHoSo: s }), vendor)).toMatch(/^TrangThaiHoSo: /);
    }
  });
});

describe('normaliseDvcqg: rejections name the field at fault', () => {
  const dateFields = ['NgayTiepNhan', 'NgayHenTra', 'NgayKetThucXuLy', 'NgayTra', 'NgayCapNhat'] as const;
  const badDates = [
    '20261301000000',
    '20260230000000',
    '2026-10-15 08:30:00',
    '20261015',
    '2026101508300x',
    '20261015083000Z',
  ];

  for (const field of dateFields) {
    it.each(badDates)(`${field} = %j`, (value) => {
      const r = normaliseDvcqg(withFields({ [field]: value }), ID);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toMatch(new RegExp(`^${field}: `));
    });
  }

  it.each([
    [{ TrangThaiHoSo: '42' }, 'TrangThaiHoSo'],
    [{ KenhThucHien: '4' }, 'KenhThucHien'],
    [{ KenhThucHien: '0' }, 'KenhThucHien'],
    [{ KenhThucHien: 'ONLINE' }, 'KenhThucHien'],
    [{ KenhThucHien: '2.0' }, 'KenhThucHien'],
    [{ MaHoSo: '' }, 'MaHoSo'],
    [{ MaHoSo: '   ' }, 'MaHoSo'],
    [{ MaHoSo: '000.00.14.H56 261015 0118' }, 'MaHoSo'],
    [{ MaHoSo: 'x'.repeat(81) }, 'MaHoSo'],
    [{ MaHoSo: {} }, 'MaHoSo'],
    [{ MaHoSo: true }, 'MaHoSo'],
    [{ MaTTHC: '' }, 'MaTTHC'],
    [{ MaTTHC: [] }, 'MaTTHC'],
    [{ NgayCapNhat: '' }, 'NgayCapNhat'],
    [{ NgayCapNhat: '  ' }, 'NgayCapNhat'],
    [{ NgayCapNhat: null }, 'NgayCapNhat'],
    [{ NgayTiepNhan: {} }, 'NgayTiepNhan'],
    [{ HoSoCoThanhPhanSoHoa: '2' }, 'HoSoCoThanhPhanSoHoa'],
    [{ HoSoCoThanhPhanSoHoa: 'yes' }, 'HoSoCoThanhPhanSoHoa'],
    [{ DuocThanhToanTrucTuyen: '-1' }, 'DuocThanhToanTrucTuyen'],
  ])('%j → %s', (fields, field) => {
    const r = normaliseDvcqg(withFields(fields), ID);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(new RegExp(`^${field}: `));
  });

  it.each(['MaHoSo', 'MaTTHC', 'TrangThaiHoSo', 'NgayCapNhat'])('a missing %s', (field) => {
    expect(reason(without(field))).toMatch(new RegExp(`^${field}: `));
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'MaHoSo=000.00.14.H56-261015-0118'],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [fullItem()]],
    ['an empty array', []],
  ])('input that is not an object (%s) → item', (_label, raw) => {
    const r = normaliseDvcqg(raw, ID);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^item: /);
  });

  it('never throws, and keeps reasons short', () => {
    const r = normaliseDvcqg(withFields({ NgayTiepNhan: '9'.repeat(5000) }), ID);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason.length).toBeLessThan(200);
  });
});

describe('toDvcqgItem', () => {
  it('writes the national sync shape', () => {
    expect(toDvcqgItem(fullDossier)).toStrictEqual({
      MaHoSo: '000.00.14.H56-261015-0118',
      MaTTHC: '1.001234',
      DonViXuLy: '000.00.23.H56',
      TrangThaiHoSo: '10',
      KenhThucHien: '2',
      HoSoCoThanhPhanSoHoa: '1',
      DuocThanhToanTrucTuyen: '0',
      NgayTiepNhan: '20261015083000',
      NgayHenTra: '20261020170000',
      NgayKetThucXuLy: '20261019101500',
      NgayTra: '20261020090000',
      NgayCapNhat: '20261020090512',
    });
  });

  it('writes absent dates and channel as empty strings', () => {
    const item = toDvcqgItem({
      ...fullDossier,
      channel: null,
      receivedAt: null,
      dueAt: null,
      finishedAt: null,
      returnedAt: null,
    });
    expect(item.KenhThucHien).toBe('');
    expect([item.NgayTiepNhan, item.NgayHenTra, item.NgayKetThucXuLy, item.NgayTra]).toStrictEqual(['', '', '', '']);
  });

  it('round-trips through normaliseDvcqg', () => {
    const cases: CanonicalDossier[] = [fullDossier];
    const base = vn('2026-10-31T23:59:59');
    for (let i = 0; i < 60; i++) {
      const status = (i % 10) + 1;
      const t = base + (i - 30) * 3_600_000 * 7 + i * 1000;
      cases.push({
        code: `000.00.${String(10 + (i % 5)).padStart(2, '0')}.H49-261031-${String(i).padStart(4, '0')}`,
        agency: `000.00.${String(20 + (i % 3))}.H49`,
        procedure: i % 2 ? '1.001234' : '2.002621.H49',
        status,
        channel: ([null, 1, 2, 3] as const)[i % 4]!,
        digitised: i % 3 === 0,
        paidOnline: i % 5 === 0,
        receivedAt: i % 7 === 0 ? null : t,
        dueAt: i % 4 === 0 ? null : t + 5 * 86_400_000,
        finishedAt: status >= 9 ? t + 86_400_000 : null,
        returnedAt: status === 10 ? t + 2 * 86_400_000 : null,
        updatedAt: t + 3 * 86_400_000,
      });
    }
    for (const d of cases) {
      expect(normaliseDvcqg(toDvcqgItem(d), ID)).toStrictEqual({ ok: true, dossier: d });
    }
  });
});

describe('a quarantined item (personal fields redacted) once its status is mapped', () => {
  it('normalises: the redaction leaves nothing the normaliser needs', () => {
    const kept = redactPersonal({
      ...fullItem(),
      TrangThaiHoSo: '42',
      ChuHoSo: 'Nguyễn Văn A',
      SoDienThoai: '0912345678',
      Email: 'a@example.vn',
    });
    const failed = normaliseDvcqg(kept, ID);
    expect(failed.ok ? null : failed.reason).toBe('TrangThaiHoSo: unknown status "42"');
    const passed = normaliseDvcqg(kept, { statusMap: { ...IDENTITY_STATUS_MAP, '42': 4 } });
    expect(passed.ok && passed.dossier.status).toBe(4);
  });
});
