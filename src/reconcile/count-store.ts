/**
 * A province's counts for a period without reading its whole history: only the dossiers the
 * store's layout says can count in it (`Store.readPeriod`: the open hash and the buckets of the
 * months the period overlaps), counted by the same rules and grouping as `countStore`, which
 * reads every stored dossier and stays as the reference.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Store } from '../store/store.js';
import { countStore } from './compare.js';
import type { CountingRules } from './counting.js';
import type { Figures } from '../domain/figures.js';
import type { Period } from '../domain/period.js';

export function countPeriod(
  store: Store,
  province: string,
  period: Period,
  rules: CountingRules,
  each?: (d: CanonicalDossier, bits: number) => void,
): Promise<Figures[]> {
  return countStore(store, province, period, rules, store.readPeriod(province, period), each);
}
