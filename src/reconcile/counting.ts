/**
 * The counting rules (docs/domain.md, Counting rules), in one place. The store's statistics, the simulators'
 * ground truth, the explanation pass and the reports all count through this module.
 */
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { DAY_MS, formatDay, parseDay, vnDayNumber } from '../normalise/time.js';

export const METRICS = [
  'received',
  'carriedOver',
  'toProcess',
  'processed',
  'onTime',
  'late',
  'unprocessed',
  'unprocessedNotDue',
  'overdue',
  'online',
  'postal',
  'digitised',
] as const;
export type Metric = (typeof METRICS)[number];
export type Counts = Record<Metric, number>;

const BIT = Object.fromEntries(METRICS.map((m, i) => [m, 1 << i])) as Record<Metric, number>;

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

export interface CountingRules {
  /** Count withdrawn dossiers (status 7) as processed. Default false. */
  withdrawnIsProcessed: boolean;
  /** Which date makes a dossier processed: the finish date (default) or the return date. */
  processedOn: 'finished' | 'returned';
}
export const DEFAULT_RULES: CountingRules = { withdrawnIsProcessed: false, processedOn: 'finished' };

export type Countable = Pick<
  CanonicalDossier,
  'status' | 'channel' | 'digitised' | 'receivedAt' | 'dueAt' | 'finishedAt' | 'returnedAt'
>;

/** The metrics one dossier counts in for a period, as a bit set (see `hasMetric`). */
export function metricsOf(d: Countable, p: Period, rules: CountingRules = DEFAULT_RULES): number {
  if (d.status === STATUS.SUBMITTED || d.status === STATUS.REFUSED || d.receivedAt === null) return 0;
  if (d.receivedAt >= p.end) return 0;
  const finishable =
    d.status === STATUS.FINISHED ||
    d.status === STATUS.RETURNED ||
    (rules.withdrawnIsProcessed && d.status === STATUS.WITHDRAWN);
  const finishAt = finishable ? (rules.processedOn === 'returned' ? d.returnedAt : d.finishedAt) : null;
  const received = d.receivedAt >= p.start;
  if (!received && finishAt !== null && finishAt < p.start) return 0; // closed before the period
  let bits = BIT.toProcess | (received ? BIT.received : BIT.carriedOver);
  if (finishAt !== null && finishAt < p.end) {
    bits |= BIT.processed;
    bits |= d.dueAt === null || vnDayNumber(finishAt) <= vnDayNumber(d.dueAt) ? BIT.onTime : BIT.late;
  } else {
    bits |= BIT.unprocessed;
    bits |= d.dueAt !== null && d.dueAt < p.end ? BIT.overdue : BIT.unprocessedNotDue;
  }
  if (received) {
    if (d.channel === 2) bits |= BIT.online;
    if (d.channel === 3) bits |= BIT.postal;
    if (d.digitised) bits |= BIT.digitised;
  }
  return bits;
}

/**
 * The published service-quality indicators of a period: the shares of received dossiers with
 * components digitised and with every component digitised, and the share of processed
 * dossiers resolved on time or early. `digitisedAll` is not part of the national sync shape
 * (docs/domain.md, Channels and flags: only `HoSoCoThanhPhanSoHoa`), so it is counted where it is known.
 */
export interface Indicators {
  received: number;
  digitised: number;
  digitisedAll: number;
  processed: number;
  onTime: number;
  /** Percentages, rounded to two decimals as published. */
  digitisedPercent: number;
  digitisedAllPercent: number;
  onTimePercent: number;
}

export function indicators(dossiers: Iterable<Countable & { digitisedAll?: boolean }>, p: Period, rules: CountingRules = DEFAULT_RULES): Indicators {
  const c = { received: 0, digitised: 0, digitisedAll: 0, processed: 0, onTime: 0 };
  for (const d of dossiers) {
    const bits = metricsOf(d, p, rules);
    if (hasMetric(bits, 'received')) {
      c.received++;
      if (hasMetric(bits, 'digitised')) c.digitised++;
      if (d.digitisedAll) c.digitisedAll++;
    }
    if (hasMetric(bits, 'processed')) c.processed++;
    if (hasMetric(bits, 'onTime')) c.onTime++;
  }
  const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((n / of) * 10_000) / 100);
  return {
    ...c,
    digitisedPercent: pct(c.digitised, c.received),
    digitisedAllPercent: pct(c.digitisedAll, c.received),
    onTimePercent: pct(c.onTime, c.processed),
  };
}

export function hasMetric(bits: number, metric: Metric): boolean {
  return (bits & BIT[metric]) !== 0;
}

export function zeroCounts(): Counts {
  return Object.fromEntries(METRICS.map((m) => [m, 0])) as Counts;
}

/** Counts of one agency (`procedure` null) or of one procedure at an agency. */
export interface Figures {
  agency: string;
  procedure: string | null;
  counts: Counts;
}

/** Procedure rows with their agency totals added (counts are additive across procedures). */
export function withAgencyTotals(rows: Figures[]): Figures[] {
  const totals = new Map<string, Counts>();
  for (const r of rows) {
    if (r.procedure === null) continue;
    let t = totals.get(r.agency);
    if (!t) totals.set(r.agency, (t = zeroCounts()));
    for (const m of METRICS) t[m] += r.counts[m];
  }
  const given = new Set(rows.filter((r) => r.procedure === null).map((r) => r.agency));
  return [...rows, ...[...totals].filter(([a]) => !given.has(a)).map(([agency, counts]) => ({ agency, procedure: null, counts }))];
}

export function addBits(counts: Counts, bits: number): void {
  for (let rest = bits; rest !== 0; rest &= rest - 1) counts[METRICS[31 - Math.clz32(rest & -rest)]!]++; // each set bit, lowest first
}

/** Counts grouped by a key (agency, or agency and procedure), fed one dossier at a time. */
export class Tally {
  readonly groups = new Map<string, Counts>();
  constructor(
    private readonly period: Period,
    private readonly rules: CountingRules = DEFAULT_RULES,
  ) {}

  add(key: string, d: Countable): void {
    this.addBits(key, metricsOf(d, this.period, this.rules));
  }

  /** The metrics a dossier counts in (`metricsOf` under this tally's period and rules), for one more key. */
  metricsOf(d: Countable): number {
    return metricsOf(d, this.period, this.rules);
  }

  addBits(key: string, bits: number): void {
    if (bits === 0) return;
    let c = this.groups.get(key);
    if (!c) this.groups.set(key, (c = zeroCounts()));
    addBits(c, bits);
  }

  get(key: string): Counts {
    return this.groups.get(key) ?? zeroCounts();
  }
}
