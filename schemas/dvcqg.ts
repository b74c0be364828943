import { z } from 'zod';

/**
 * The national sync shape (docs/contracts.md, The sync-shape item), as served by a `dvcqg` source and by the national
 * feed. Values are "mostly strings": numbers are accepted where a string is expected and
 * read as text. Field-level meaning (dates, codes, statuses) is checked by the normaliser,
 * which names the field that is wrong; this schema only fixes the outline.
 */
const text = z.union([z.string(), z.number()]).transform((v) => String(v));
const optionalText = text.optional().nullable();

/** The fields every item must have, and those it may have (absent or null when not known). */
const REQUIRED = ['MaHoSo', 'MaTTHC', 'TrangThaiHoSo', 'NgayCapNhat'] as const;
const OPTIONAL = [
  'TenTTHC',
  'MaLinhVuc',
  'DonViXuLy',
  'SoBienNhan',
  'LoaiDoiTuong',
  'NgayTiepNhan',
  'NgayHenTra',
  'NgayKetThucXuLy',
  'NgayTra',
  'NgayNopHoSo',
  'NgayTuChoi',
  'KenhThucHien',
  'HinhThuc',
  'HoSoCoThanhPhanSoHoa',
  'DuocThanhToanTrucTuyen',
] as const;

export const dvcqgItem = z
  .object({
    ...(Object.fromEntries(REQUIRED.map((f) => [f, text])) as Record<(typeof REQUIRED)[number], typeof text>),
    ...(Object.fromEntries(OPTIONAL.map((f) => [f, optionalText])) as Record<
      (typeof OPTIONAL)[number],
      typeof optionalText
    >),
  })
  .loose();
export type DvcqgItemData = z.output<typeof dvcqgItem>;

/**
 * `dvcqgItem.safeParse`, with a shortcut for the usual wire form: a plain object whose values
 * are all strings or null, with the required fields strings, is valid as it stands and its
 * output equals the input, so it is returned without a copy. Anything else (numbers to turn
 * into text, missing or mistyped fields) goes through the schema itself, which also words
 * every rejection. Same verdict and same values as the schema, at a fraction of the cost on
 * the sync's hot path. The shortcut walks the item's own keys (`for…in`, which V8 reads from
 * the item's layout) rather than looking each known field up by name: one item of a national
 * list holds about ten of the nineteen.
 */
export function parseDvcqgItem(
  raw: unknown,
): { success: true; data: DvcqgItemData } | { success: false; error: z.ZodError } {
  if (typeof raw === 'object' && raw !== null && Object.getPrototypeOf(raw) === Object.prototype) {
    const item = raw as Record<string, unknown>;
    let plain =
      typeof item.MaHoSo === 'string' &&
      typeof item.MaTTHC === 'string' &&
      typeof item.TrangThaiHoSo === 'string' &&
      typeof item.NgayCapNhat === 'string';
    // any other value (a number, or undefined, never read from JSON) takes the schema's path
    for (const key in item) {
      const v = item[key];
      if (typeof v !== 'string' && v !== null) plain = false;
    }
    if (plain) return { success: true, data: item as DvcqgItemData };
  }
  return dvcqgItem.safeParse(raw);
}
export type DvcqgItem = z.input<typeof dvcqgItem>;

/** Login reply of the `dvcqg` envelope (docs/contracts.md, The session envelope). */
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

/** One row of `ThongKeHoSo` (docs/contracts.md, ThongKeHoSo); counts as decimal strings. */
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
