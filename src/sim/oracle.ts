/**
 * The counting rules, written a second time for the simulators: their statistics (provincial
 * and national) come from here, not from the project's own counting module, so that a
 * counting bug cannot agree with itself in an end-to-end test. A property test
 * (test/unit/sim-oracle.test.ts) holds the two equal.
 *
 * Deliberately plain: one dossier at a time, one metric at a time, every date turned into
 * its Vietnam calendar day (a day number: days since 1970-01-01 on Vietnam's calendar) and
 * compared with the period's first and last day. No bit sets, no shared helpers. The rules,
 * for a period of days
 * `from`..`to` (both included):
 * - only accepted dossiers count: status 1 (submitted) and 3 (refused at intake) never do,
 *   nor a dossier without a receive date;
 * - received: received on a day of the period;
 * - carried over: received before the period and not finished before it;
 * - to process: received or carried over;
 * - finished: status 9 or 10 (and 7, withdrawn, when `withdrawnIsProcessed`), on its finish
 *   date (or its return date when `processedOn` is `returned`);
 * - processed: to process and finished on a day of the period;
 * - on time: processed on or before its due day (no due date: on time); late: after it;
 * - unprocessed: to process and not processed; overdue: unprocessed and due on or before the
 *   period's last day; unprocessed, not due: the other unprocessed ones;
 * - online (channel 2), postal (channel 3), digitised: among the received.
 * The variants a portal may count by (each off by default):
 * - `dueCompare: 'time'`: on time when finished at or before the due instant, not the due day;
 * - `periodEnd: 'exclusive'`: the period's last day is not part of it;
 * - `receivedOn: 'submitted'`: the day that makes a dossier received (or carried over) is its
 *   submission day (its receive day when it has none).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';

export const ORACLE_METRICS = [
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
export type OracleMetric = (typeof ORACLE_METRICS)[number];
export type OracleCounts = Record<OracleMetric, number>;

export interface OracleRules {
  withdrawnIsProcessed: boolean;
  processedOn: 'finished' | 'returned';
  dueCompare?: 'day' | 'time';
  periodEnd?: 'inclusive' | 'exclusive';
  receivedOn?: 'received' | 'submitted';
}
export const ORACLE_DEFAULT_RULES: OracleRules = { withdrawnIsProcessed: false, processedOn: 'finished' };

/** The days of a period, `YYYY-MM-DD`, both included. */
export interface OracleDays {
  from: string;
  to: string;
}

type Countable = Pick<
  CanonicalDossier,
  'status' | 'channel' | 'digitised' | 'receivedAt' | 'dueAt' | 'finishedAt' | 'returnedAt' | 'submittedAt'
>;

const DAY = 24 * 60 * 60 * 1000;

/** The Vietnam (UTC+7, no daylight saving) calendar day of an instant, as a day number. */
function vietnamDay(ms: number): number {
  return Math.floor((ms + 7 * 60 * 60 * 1000) / DAY);
}

const dayNumbers = new Map<string, number>(); // a period's days are asked for once per dossier

/** The day number of a calendar day written `YYYY-MM-DD`. */
function dayNumber(day: string): number {
  let n = dayNumbers.get(day);
  if (n === undefined) {
    const ms = Date.parse(`${day}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms))
      throw new Error(`oracle: "${day}" is not a day YYYY-MM-DD`);
    if (dayNumbers.size > 10_000) dayNumbers.clear();
    dayNumbers.set(day, (n = ms / DAY));
  }
  return n;
}

/** Whether the dossier counts in each metric for the period. */
export function oracleMetrics(
  d: Countable,
  days: OracleDays,
  rules: OracleRules = ORACLE_DEFAULT_RULES,
): Readonly<Record<OracleMetric, boolean>> {
  return metricsBetween(d, dayNumber(days.from), dayNumber(days.to), rules);
}

/** In no metric. */
const NONE: Readonly<Record<OracleMetric, boolean>> = Object.freeze(
  Object.fromEntries(ORACLE_METRICS.map((m) => [m, false])) as Record<OracleMetric, boolean>,
);

/** `oracleMetrics` for the days numbered `first`..`last`. */
function metricsBetween(
  d: Countable,
  first: number,
  lastDay: number,
  rules: OracleRules,
): Readonly<Record<OracleMetric, boolean>> {
  const no = NONE;
  if (d.status === 1 || d.status === 3) return no;
  if (d.receivedAt === null) return no;
  const last = rules.periodEnd === 'exclusive' ? lastDay - 1 : lastDay;

  let receivedAt = d.receivedAt;
  if (rules.receivedOn === 'submitted' && d.submittedAt !== undefined && d.submittedAt !== null)
    receivedAt = d.submittedAt;
  const receivedDay = vietnamDay(receivedAt);
  if (receivedDay > last) return no; // not received yet

  let finishedDay: number | null = null;
  let finishedInstant: number | null = null;
  const finishedStatus = d.status === 9 || d.status === 10 || (d.status === 7 && rules.withdrawnIsProcessed);
  if (finishedStatus) {
    const date = rules.processedOn === 'returned' ? d.returnedAt : d.finishedAt;
    if (date !== null) {
      finishedDay = vietnamDay(date);
      finishedInstant = date;
    }
  }

  const received = receivedDay >= first;
  const finishedBefore = finishedDay !== null && finishedDay < first;
  const carriedOver = receivedDay < first && !finishedBefore;
  if (!received && !carriedOver) return no;

  const processed = finishedDay !== null && finishedDay >= first && finishedDay <= last;
  const dueDay = d.dueAt === null ? null : vietnamDay(d.dueAt);
  let inTime = dueDay === null || finishedDay! <= dueDay;
  if (rules.dueCompare === 'time' && d.dueAt !== null && finishedInstant !== null) inTime = finishedInstant <= d.dueAt;
  const onTime = processed && inTime;
  const late = processed && !inTime;
  const unprocessed = !processed;
  const overdue = unprocessed && dueDay !== null && dueDay <= last;
  const unprocessedNotDue = unprocessed && !overdue;

  return {
    received,
    carriedOver,
    toProcess: true,
    processed,
    onTime,
    late,
    unprocessed,
    unprocessedNotDue,
    overdue,
    online: received && d.channel === 2,
    postal: received && d.channel === 3,
    digitised: received && d.digitised,
  };
}

/** Whether the dossier counts in the period at all (in "to process"). */
export function countsIn(d: Countable, days: OracleDays, rules: OracleRules = ORACLE_DEFAULT_RULES): boolean {
  return oracleMetrics(d, days, rules).toProcess;
}

export function oracleZero(): OracleCounts {
  return Object.fromEntries(ORACLE_METRICS.map((m) => [m, 0])) as OracleCounts;
}

/**
 * The counts of `dossiers` grouped by `keyOf` (a dossier whose key is undefined is left out).
 * Only groups with at least one dossier counted in the period are present.
 */
export function oracleCounts<D extends Countable>(
  dossiers: Iterable<D>,
  days: OracleDays,
  keyOf: (d: D) => string | undefined,
  rules: OracleRules = ORACLE_DEFAULT_RULES,
): Map<string, OracleCounts> {
  const first = dayNumber(days.from);
  const last = dayNumber(days.to);
  const groups = new Map<string, OracleCounts>();
  for (const d of dossiers) {
    const key = keyOf(d);
    if (key === undefined) continue;
    const metrics = metricsBetween(d, first, last, rules);
    if (!metrics.toProcess) continue;
    let counts = groups.get(key);
    if (!counts) groups.set(key, (counts = oracleZero()));
    for (const m of ORACLE_METRICS) if (metrics[m]) counts[m] += 1;
  }
  return groups;
}
