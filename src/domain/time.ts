/**
 * Vietnam local time (Asia/Ho_Chi_Minh) is UTC+7 with no daylight saving, so conversions
 * are plain arithmetic. Wire dates without an offset are always read as Vietnam time.
 */
export const VN_OFFSET_MS = 7 * 3600_000;
export const DAY_MS = 86_400_000;

// Hot paths (every date of every record): plain arithmetic on character codes and day
// numbers, no RegExp, no Date object. Day numbers use the proleptic Gregorian calendar
// (days since 1970-01-01); years before 100 are refused, as `Date.UTC` would misread them.

/** The `n` decimal digits of `s` from `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The two digits of `s` at `at`, known to be digits. */
function twoDigits(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + s.charCodeAt(at + 1) - 48;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days since 1970-01-01 of a valid civil date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The civil date of a day number: [year, month 1-12, day 1-31]. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

function vnToEpoch(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  if (d > (mo === 2 && isLeap(y) ? 29 : MONTH_DAYS[mo - 1]!)) return undefined;
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 - VN_OFFSET_MS;
}

/** `yyyyMMddHHmmss` in Vietnam time → epoch ms; undefined when malformed. */
export function parseCompact(value: string): number | undefined {
  if (value.length !== 14) return undefined;
  for (let i = 0; i < 14; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  // all digits: read two at a time, without a check per call (the hot path of every national list)
  const y = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  return vnToEpoch(
    y,
    twoDigits(value, 4),
    twoDigits(value, 6),
    twoDigits(value, 8),
    twoDigits(value, 10),
    twoDigits(value, 12),
  );
}

/** `yyyyMMdd` or `YYYY-MM-DD` (a Vietnam calendar day) → epoch ms of its local midnight. */
export function parseDay(value: string): number | undefined {
  let y: number, mo: number, d: number;
  if (value.length === 8) [y, mo, d] = [digits(value, 0, 4), digits(value, 4, 2), digits(value, 6, 2)];
  else if (value.length === 10 && value[4] === '-' && value[7] === '-')
    [y, mo, d] = [digits(value, 0, 4), digits(value, 5, 2), digits(value, 8, 2)];
  else return undefined;
  if (y < 0 || mo < 0 || d < 0) return undefined;
  return vnToEpoch(y, mo, d);
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const pad4 = (y: number): string => (y >= 1000 ? String(y) : String(y).padStart(4, '0'));

/** The Vietnam-local parts of an instant: [yyyy, MM, dd, seconds of the day]. */
function vnParts(ms: number): [string, string, string, number] {
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${ms}`);
  const local = Math.floor((ms + VN_OFFSET_MS) / 1000);
  const days = Math.floor(local / 86_400);
  const [y, m, d] = civilFromDays(days);
  return [pad4(y), PAD2[m]!, PAD2[d]!, local - days * 86_400];
}

/** epoch ms → `yyyyMMddHHmmss` in Vietnam time. */
export function formatCompact(ms: number): string {
  const [y, m, d, sec] = vnParts(ms);
  return y + m + d + PAD2[Math.floor(sec / 3600)]! + PAD2[Math.floor(sec / 60) % 60]! + PAD2[sec % 60]!;
}

/** epoch ms → `yyyyMMdd` (Vietnam calendar day). */
export function formatCompactDay(ms: number): string {
  const [y, m, d] = vnParts(ms);
  return y + m + d;
}

/** epoch ms → `YYYY-MM-DD` (Vietnam calendar day). */
export function formatDay(ms: number): string {
  const [y, m, d] = vnParts(ms);
  return `${y}-${m}-${d}`;
}

/** The Vietnam calendar day of an instant, as a day number (for date-only comparisons). */
export function vnDayNumber(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS);
}
