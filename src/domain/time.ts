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
  // the hot path of every national list (several dates per record): each digit read once, in
  // line, with no call per pair
  const c0 = value.charCodeAt(0) - 48;
  const c1 = value.charCodeAt(1) - 48;
  const c2 = value.charCodeAt(2) - 48;
  const c3 = value.charCodeAt(3) - 48;
  const c4 = value.charCodeAt(4) - 48;
  const c5 = value.charCodeAt(5) - 48;
  const c6 = value.charCodeAt(6) - 48;
  const c7 = value.charCodeAt(7) - 48;
  const c8 = value.charCodeAt(8) - 48;
  const c9 = value.charCodeAt(9) - 48;
  const c10 = value.charCodeAt(10) - 48;
  const c11 = value.charCodeAt(11) - 48;
  const c12 = value.charCodeAt(12) - 48;
  const c13 = value.charCodeAt(13) - 48;
  // a character below '0' makes the OR negative; one above '9' is over 9 on its own
  if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13) < 0) return undefined;
  if (c0 > 9 || c1 > 9 || c2 > 9 || c3 > 9 || c4 > 9 || c5 > 9 || c6 > 9) return undefined;
  if (c7 > 9 || c8 > 9 || c9 > 9 || c10 > 9 || c11 > 9 || c12 > 9 || c13 > 9) return undefined;
  return vnToEpoch(
    c0 * 1000 + c1 * 100 + c2 * 10 + c3,
    c4 * 10 + c5,
    c6 * 10 + c7,
    c8 * 10 + c9,
    c10 * 10 + c11,
    c12 * 10 + c13,
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
