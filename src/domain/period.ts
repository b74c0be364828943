/** Reporting periods: Vietnam calendar days, as instants. */
import { DAY_MS, formatDay, parseDay } from './time.js';

/** A reporting period: Vietnam calendar days `from`..`to` inclusive, as instants [start, end). */
export interface Period {
  from: string; // YYYY-MM-DD
  to: string; // YYYY-MM-DD
  start: number;
  end: number;
}

export function makePeriod(from: string, to: string): Period {
  const start = parseDay(from);
  const last = parseDay(to);
  if (start === undefined) throw new Error(`period start "${from}" is not a date (YYYY-MM-DD)`);
  if (last === undefined) throw new Error(`period end "${to}" is not a date (YYYY-MM-DD)`);
  if (last < start) throw new Error(`period end ${to} is before its start ${from}`);
  return { from: formatDay(start), to: formatDay(last), start, end: last + DAY_MS };
}

/** The calendar month `YYYY-MM` as a period. */
export function monthPeriod(month: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`month "${month}" is not YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const lastDay = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return makePeriod(`${m[1]}-${m[2]}-01`, `${m[1]}-${m[2]}-${String(lastDay).padStart(2, '0')}`);
}

/**
 * The periods a night reconciles when none is named: the current month up to the last full
 * day before `windowTo`, and, during the first `previousMonthDays` days of a month, the
 * previous month too (its late syncs still move its figures). Oldest first.
 */
export function nightlyPeriods(windowTo: number, previousMonthDays: number): Period[] {
  const lastFullDay = parseDay(formatDay(windowTo))! - DAY_MS; // the day windowTo falls in is not over
  const today = formatDay(windowTo);
  const month = today.slice(0, 7);
  const dayOfMonth = Number(today.slice(8, 10));
  const out: Period[] = [];
  if (dayOfMonth <= previousMonthDays + 1) {
    const prev = formatDay(parseDay(`${month}-01`)! - DAY_MS).slice(0, 7);
    out.push(monthPeriod(prev));
  }
  const first = `${month}-01`;
  if (lastFullDay >= parseDay(first)!) out.push(makePeriod(first, formatDay(lastFullDay)));
  return out;
}
