/**
 * A province's counts for a period from the store: per agency, and per agency and procedure.
 * `countPeriod` reads only the dossiers the store's layout says can count in the period
 * (`Store.visitPeriod`: the open buckets, the codes of another shape and the buckets of the
 * months the period overlaps); `countStore` (src/reconcile/compare.ts) reads every stored
 * dossier and stays as the reference. Both group through `GroupTally`.
 */
import type { Store } from '../store/store.js';
import { METRICS } from '../../schemas/metrics.js';
import { hasMetric, metricsOf, type Countable, type CountingRules } from './counting.js';
import { zeroCounts, type Figures } from '../domain/figures.js';
import type { Period } from '../domain/period.js';

/**
 * Counts grouped by agency and by agency and procedure, fed one dossier at a time. Each
 * (agency, procedure) keeps how many of its dossiers count in each combination of metrics (a
 * few dozen combinations occur), turned into counts at the end, and the agency's row is the
 * sum of its procedures'. Rows come in the order their first dossier came, the agency's first.
 */
export class GroupTally {
  private readonly agencies = new Map<string, Map<string, Map<number, number>>>();
  private readonly order: [string, string | null][] = [];

  constructor(
    private readonly period: Period,
    private readonly rules: CountingRules,
  ) {}

  /** Adds a dossier; returns the metrics it counts in (`metricsOf`), 0 when none. */
  add(d: Countable & { agency: string; procedure: string }): number {
    const bits = metricsOf(d, this.period, this.rules);
    if (bits === 0) return 0;
    let procedures = this.agencies.get(d.agency);
    if (!procedures) {
      this.agencies.set(d.agency, (procedures = new Map()));
      this.order.push([d.agency, null]);
    }
    let combos = procedures.get(d.procedure);
    if (!combos) {
      procedures.set(d.procedure, (combos = new Map()));
      this.order.push([d.agency, d.procedure]);
    }
    combos.set(bits, (combos.get(bits) ?? 0) + 1);
    return bits;
  }

  figures(): Figures[] {
    return this.order.map(([agency, procedure]) => {
      const procedures = this.agencies.get(agency)!;
      const counts = zeroCounts();
      for (const combos of procedure === null ? procedures.values() : [procedures.get(procedure)!])
        for (const [bits, n] of combos) for (const m of METRICS) if (hasMetric(bits, m)) counts[m] += n;
      return { agency, procedure, counts };
    });
  }
}

/** `each` sees every dossier that counts, with its metrics, in the same pass. */
export async function countPeriod(
  store: Store,
  province: string,
  period: Period,
  rules: CountingRules,
  each?: (d: Countable, bits: number) => void,
): Promise<Figures[]> {
  const tally = new GroupTally(period, rules);
  await store.visitPeriod(province, period, (d) => {
    const bits = tally.add(d);
    if (bits !== 0) each?.(d, bits);
  });
  return tally.figures();
}
