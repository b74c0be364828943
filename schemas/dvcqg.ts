import { z } from 'zod';

/**
 * The national sync shape (DOMAIN.md), as served by a `dvcqg` source and by the national
 * feed. Values are "mostly strings": numbers are accepted where a string is expected and
 * read as text. Field-level meaning (dates, codes, statuses) is checked by the normaliser,
 * which names the field that is wrong; this schema only fixes the outline.
 */
const text = z.union([z.string(), z.number()]).transform((v) => String(v));
const optionalText = text.optional().nullable();

export const dvcqgItem = z
  .object({
    MaHoSo: text,
    MaTTHC: text,
    TrangThaiHoSo: text,
    NgayCapNhat: text,
    TenTTHC: optionalText,
    MaLinhVuc: optionalText,
    DonViXuLy: optionalText,
    SoBienNhan: optionalText,
    LoaiDoiTuong: optionalText,
    NgayTiepNhan: optionalText,
    NgayHenTra: optionalText,
    NgayKetThucXuLy: optionalText,
    NgayTra: optionalText,
    NgayNopHoSo: optionalText,
    NgayTuChoi: optionalText,
    KenhThucHien: optionalText,
    HinhThuc: optionalText,
    HoSoCoThanhPhanSoHoa: optionalText,
    DuocThanhToanTrucTuyen: optionalText,
  })
  .loose();
export type DvcqgItem = z.input<typeof dvcqgItem>;

/** Login reply of the `dvcqg` envelope (CONTRACTS.md §1, §3). */
export const loginReply = z.object({
  error_code: z.union([z.string(), z.number()]),
  session: z.string().optional(),
  message: z.string().optional(),
});

/** Any `/service` reply: success is error_code 0 or "00". */
export const serviceReply = z
  .object({
    error_code: z.union([z.string(), z.number()]),
    message: z.string().optional(),
    tongSo: z.number().int().nonnegative().optional(),
    data: z.array(z.unknown()).optional(),
  })
  .loose();
export type ServiceReply = z.infer<typeof serviceReply>;

export function isSuccess(code: string | number): boolean {
  return code === 0 || code === '0' || code === '00';
}

/** One row of `ThongKeHoSo` (CONTRACTS.md §3); counts as decimal strings. */
const count = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);
export const statsRow = z.object({
  Madonvi: z.string(),
  MaTTHC: z.string().optional().nullable(),
  SoNhanTrongKy: count,
  SoTonKyTruoc: count,
  TongSoXuLy: count,
  TongDaXuLy: count,
  TongXuLyDungHan: count,
  TongXuLyTreHan: count,
  TongChuaXuLy: count,
  TongChuaXuLyTrongHan: count,
  TongChuaXuLyTreHan: count,
  SoTrucTuyen: count,
  SoBuuChinh: count,
  SoCoSoHoa: count,
});
export type StatsRow = z.input<typeof statsRow>;
