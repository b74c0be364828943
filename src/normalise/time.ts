/**
 * Vietnam local time (Asia/Ho_Chi_Minh) is UTC+7 with no daylight saving, so conversions
 * are plain arithmetic. Wire dates without an offset are always read as Vietnam time.
 */
export const VN_OFFSET_MS = 7 * 3600_000;
export const DAY_MS = 86_400_000;

const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const COMPACT_DAY = /^(\d{4})(\d{2})(\d{2})$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function vnToEpoch(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms - VN_OFFSET_MS;
}

/** `yyyyMMddHHmmss` in Vietnam time → epoch ms; undefined when malformed. */
export function parseCompact(value: string): number | undefined {
  const m = COMPACT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return vnToEpoch(y, mo, d, h, mi, s);
}

/** `yyyyMMdd` or `YYYY-MM-DD` (a Vietnam calendar day) → epoch ms of its local midnight. */
export function parseDay(value: string): number | undefined {
  const m = COMPACT_DAY.exec(value) ?? ISO_DAY.exec(value);
  if (!m) return undefined;
  return vnToEpoch(Number(m[1]), Number(m[2]), Number(m[3]));
}

function vnParts(ms: number): string[] {
  const iso = new Date(ms + VN_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
}

/** epoch ms → `yyyyMMddHHmmss` in Vietnam time. */
export function formatCompact(ms: number): string {
  return vnParts(ms).join('');
}

/** epoch ms → `yyyyMMdd` (Vietnam calendar day). */
export function formatCompactDay(ms: number): string {
  return vnParts(ms).slice(0, 3).join('');
}

/** epoch ms → `YYYY-MM-DD` (Vietnam calendar day). */
export function formatDay(ms: number): string {
  return vnParts(ms).slice(0, 3).join('-');
}

/** The Vietnam calendar day of an instant, as a day number (for date-only comparisons). */
export function vnDayNumber(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS);
}
