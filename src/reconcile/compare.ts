/** Compares local, national and (where the source reports them) provincial counts. */
import type { Tolerance } from '../../schemas/config.js';
import type { Mismatch } from '../../schemas/report.js';
import type { Store } from '../store/store.js';
import { METRICS, Tally, type CountingRules, type Figures, type Metric, type Period } from './counting.js';

const keyOf = (agency: string, procedure: string | null) => `${agency}|${procedure ?? ''}`;

/** The store's counts for a province's period: per agency, and per agency and procedure. */
export async function countStore(store: Store, province: string, period: Period, rules: CountingRules): Promise<Figures[]> {
  const tally = new Tally(period, rules);
  for await (const batch of store.scanDossiers(province)) {
    for (const d of batch) {
      tally.add(keyOf(d.agency, null), d);
      tally.add(keyOf(d.agency, d.procedure), d);
    }
  }
  return [...tally.groups].map(([key, counts]) => {
    const [agency, procedure] = key.split('|') as [string, string];
    return { agency, procedure: procedure === '' ? null : procedure, counts };
  });
}

export interface Tolerances {
  default: Tolerance;
  metrics: Record<string, Tolerance>;
}
export const EXACT: Tolerances = { default: { absolute: 0, percent: 0 }, metrics: {} };

/** Whether two figures differ beyond the metric's tolerance. */
export function differs(a: number, b: number, metric: Metric, tol: Tolerances = EXACT): boolean {
  const t = tol.metrics[metric] ?? tol.default;
  const gap = Math.abs(a - b);
  return gap > t.absolute && gap > (Math.max(a, b) * t.percent) / 100;
}

/**
 * Every (agency, procedure, metric) where the figures differ beyond tolerance: local against
 * national, and, where the source reports its own figures, local or national against those.
 * A key missing on one side counts as zero there.
 */
export function compareCounts(local: Figures[], national: Figures[], tol: Tolerances = EXACT, provincial?: Figures[]): Mismatch[] {
  const index = (list: Figures[]) => new Map(list.map((f) => [keyOf(f.agency, f.procedure), f]));
  const l = index(local);
  const n = index(national);
  const p = provincial ? index(provincial) : undefined;
  const keys = [...new Set([...l.keys(), ...n.keys(), ...(p?.keys() ?? [])])].sort();
  const out: Mismatch[] = [];
  for (const key of keys) {
    const any = (l.get(key) ?? n.get(key) ?? p?.get(key))!;
    for (const metric of METRICS) {
      const lv = l.get(key)?.counts[metric] ?? 0;
      const nv = n.get(key)?.counts[metric] ?? 0;
      const pv = p ? (p.get(key)?.counts[metric] ?? 0) : null;
      if (differs(lv, nv, metric, tol) || (pv !== null && differs(lv, pv, metric, tol))) {
        out.push({ agency: any.agency, procedure: any.procedure, metric, local: lv, national: nv, provincial: pv });
      }
    }
  }
  return out;
}
