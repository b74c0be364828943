/**
 * The counting rules (docs/domain.md, Counting rules), in one place. The store's statistics, the simulators'
 * ground truth, the explanation pass and the reports all count through this module.
 */
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { METRICS } from '../../schemas/metrics.js';
import { zeroCounts, type Counts, type Metric } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import { DAY_MS, vnDayNumber } from '../domain/time.js';

const BIT = Object.fromEntries(METRICS.map((m, i) => [m, 1 << i])) as Record<Metric, number>;

/**
 * The counting rules' switches (docs/domain.md, Counting rules). Each has this project's rule as
 * its default and the other way some portals count as its variant; the three newer switches
 * are optional, absent meaning the default. The explanation pass evaluates the national records
 * under each variant to name the rule a portal counts by (src/reconcile/drift.ts).
 */
export interface CountingRules {
  /** Count withdrawn dossiers (status 7) as processed. Default false. */
  withdrawnIsProcessed: boolean;
  /** Which date makes a dossier processed: the finish date (default) or the return date. */
  processedOn: 'finished' | 'returned';
  /** On time: finished on or before the due calendar day (`day`, default), or at or before the due instant (`time`). */
  dueCompare?: 'day' | 'time';
  /** The period's last day is in it (`inclusive`, default), or the period ends where that day starts (`exclusive`). */
  periodEnd?: 'inclusive' | 'exclusive';
  /** Which date makes a dossier received: intake (`received`, NgayTiepNhan, default) or submission (`submitted`, NgayNopHoSo; intake where none is known). */
  receivedOn?: 'received' | 'submitted';
}
export const DEFAULT_RULES: CountingRules = { withdrawnIsProcessed: false, processedOn: 'finished' };

export type Countable = Pick<
  CanonicalDossier,
  'status' | 'channel' | 'digitised' | 'receivedAt' | 'dueAt' | 'finishedAt' | 'returnedAt' | 'submittedAt'
>;

/** The metrics one dossier counts in for a period, as a bit set (see `hasMetric`). */
export function metricsOf(d: Countable, p: Period, rules: CountingRules = DEFAULT_RULES): number {
  if (d.status === STATUS.SUBMITTED || d.status === STATUS.REFUSED || d.receivedAt === null) return 0;
  const end = rules.periodEnd === 'exclusive' ? p.end - DAY_MS : p.end;
  const receivedAt = rules.receivedOn === 'submitted' ? (d.submittedAt ?? d.receivedAt) : d.receivedAt;
  if (receivedAt >= end) return 0;
  const finishable =
    d.status === STATUS.FINISHED ||
    d.status === STATUS.RETURNED ||
    (rules.withdrawnIsProcessed && d.status === STATUS.WITHDRAWN);
  const finishAt = finishable ? (rules.processedOn === 'returned' ? d.returnedAt : d.finishedAt) : null;
  const received = receivedAt >= p.start;
  if (!received && finishAt !== null && finishAt < p.start) return 0; // closed before the period
  let bits = BIT.toProcess | (received ? BIT.received : BIT.carriedOver);
  // processed = finished in the period: a finish before it (before the receipt, then: impossible
  // in valid data, but sent) leaves the dossier unprocessed, as the rule says
  if (finishAt !== null && finishAt >= p.start && finishAt < end) {
    bits |= BIT.processed;
    bits |= onTime(finishAt, d.dueAt, rules) ? BIT.onTime : BIT.late;
  } else {
    bits |= BIT.unprocessed;
    bits |= d.dueAt !== null && d.dueAt < end ? BIT.overdue : BIT.unprocessedNotDue;
  }
  if (received) {
    if (d.channel === 2) bits |= BIT.online;
    if (d.channel === 3) bits |= BIT.postal;
    if (d.digitised) bits |= BIT.digitised;
  }
  return bits;
}

/** Finished on time: no due date, or not after it (by calendar day, or with time of day under `dueCompare: 'time'`). */
function onTime(finishAt: number, dueAt: number | null, rules: CountingRules): boolean {
  if (dueAt === null) return true;
  return rules.dueCompare === 'time' ? finishAt <= dueAt : vnDayNumber(finishAt) <= vnDayNumber(dueAt);
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

export function indicators(
  dossiers: Iterable<Countable & { digitisedAll?: boolean }>,
  p: Period,
  rules: CountingRules = DEFAULT_RULES,
): Indicators {
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
