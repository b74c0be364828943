/**
 * The counting rules (docs/domain.md, Counting rules), in one place. The store's statistics, the simulators'
 * ground truth, the explanation pass and the reports all count through this module.
 */
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { METRICS } from '../../schemas/metrics.js';
import { zeroCounts, type Counts, type Metric } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import { vnDayNumber } from '../domain/time.js';

const BIT = Object.fromEntries(METRICS.map((m, i) => [m, 1 << i])) as Record<Metric, number>;

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
