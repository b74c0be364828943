/** Compares local and national counts per agency and metric. */
import type { Mismatch } from '../../schemas/report.js';
import type { Store } from '../store/store.js';
import { METRICS, Tally, type Counts, type CountingRules, type Period } from './counting.js';

/** The store's counts for a province's period, per agency. */
export async function countStore(store: Store, province: string, period: Period, rules: CountingRules): Promise<Map<string, Counts>> {
  const tally = new Tally(period, rules);
  for await (const batch of store.scanDossiers(province)) for (const d of batch) tally.add(d.agency, d);
  return tally.groups;
}

/** Every (agency, metric) whose local and national figures differ; agencies on either side count. */
export function compareCounts(local: Map<string, Counts>, national: Map<string, Counts>): Mismatch[] {
  const agencies = [...new Set([...local.keys(), ...national.keys()])].sort();
  const out: Mismatch[] = [];
  for (const agency of agencies) {
    const l = local.get(agency);
    const n = national.get(agency);
    for (const metric of METRICS) {
      const lv = l?.[metric] ?? 0;
      const nv = n?.[metric] ?? 0;
      if (lv !== nv) out.push({ agency, procedure: null, metric, local: lv, national: nv, provincial: null });
    }
  }
  return out;
}
