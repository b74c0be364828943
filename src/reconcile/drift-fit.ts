/**
 * Whether a variant of the counting rules fits an agency (docs/domain.md, Definition drift),
 * judged on what the comparison sees, for `explainByRules` (src/reconcile/drift.ts).
 *
 * A key the comparison reports (a mismatch: beyond the tolerance on some side) has both figures
 * known, so what its dossiers leave unexplained is known: the variant's delta there must equal
 * it. A key it does not report agrees within the metric's tolerance: with exact tolerances its
 * figures are equal (gap 0), so the delta is judged the same way; with a non-exact tolerance its
 * national figure is not known, only that it is within the tolerance of the local one. There the
 * variant is judged by what it predicts: the portal's figure counted by the variant (the local
 * figure, plus what the differing dossiers contribute, plus the delta) must stay within the
 * tolerance. And an agency's total is the sum of its procedures: what the variant leaves
 * unexplained at the total must be what it leaves at the procedures the comparison reports (the
 * others taken as explained), so that a variant cannot account for a total with records of
 * procedures whose own figures say otherwise.
 */
import type { Mismatch } from '../../schemas/report.js';
import type { Metric } from '../domain/figures.js';
import type { TupleKey } from '../util/tuple-key.js';
import { differs, type Tolerances } from './compare.js';
import { VARIANTS, switchCount } from './variants.js';

/** One variant at one agency: its delta per key (with the key's procedure and metric). */
export interface KeyDelta {
  procedure: string | null;
  metric: Metric;
  d: number;
}

/** What the comparison and the dossiers say at one agency's keys. */
export interface Evidence {
  /** The keys the comparison reports, by key. */
  mismatchOf: Map<TupleKey, Mismatch>;
  /** The reported procedure keys of each agency total (agency, null, metric). */
  procedureKeysOf: Map<TupleKey, TupleKey[]>;
  /** The examined keys left with a residual. */
  open: Set<TupleKey>;
  /** What a key's dossiers leave unexplained: its residual, or its gap less their contributions (gap 0 where not reported). */
  expected(k: TupleKey): number;
  /** The store's figure at a key. */
  local(k: TupleKey): number;
  /** The agency total of a key. */
  totalOf(agency: string, metric: Metric): TupleKey;
  tol: Tolerances;
}

const exactFor = (tol: Tolerances, m: Metric) => {
  const t = tol.metrics[m] ?? tol.default;
  return t.absolute === 0 && t.percent === 0;
};

/** Whether the portal's figure at a key not reported, counted by the variant, stays within the tolerance. */
function agrees(ev: Evidence, k: TupleKey, metric: Metric, unexplained: number): boolean {
  const local = ev.local(k);
  // national − local = contributions + delta + what is left: (delta − expected) + what is left
  return !differs(local, local + unexplained, metric, ev.tol);
}

/** Whether a variant (its deltas at an agency) fits, and how many open keys it explains (0: it does not fit). */
export function explains(agency: string, delta: Map<TupleKey, KeyDelta>, ev: Evidence): number {
  let count = 0;
  const tolerant = new Set<Metric>();
  for (const [k, { metric, procedure, d }] of delta) {
    if (d === 0) continue;
    if (ev.mismatchOf.has(k) || exactFor(ev.tol, metric)) {
      if (d !== ev.expected(k)) return 0;
      if (ev.open.has(k)) count++;
    } else {
      if (procedure !== null && !agrees(ev, k, metric, d - ev.expected(k))) return 0;
    }
    if (!exactFor(ev.tol, metric)) tolerant.add(metric);
  }
  // the total against its procedures, for each metric where a tolerance hides figures
  for (const metric of tolerant) {
    const total = ev.totalOf(agency, metric);
    const dOf = (k: TupleKey) => delta.get(k)?.d ?? 0;
    let left = 0; // what the variant leaves unexplained at the reported procedure keys
    for (const p of ev.procedureKeysOf.get(total) ?? []) left += ev.expected(p) - dOf(p);
    const atTotal = ev.expected(total) - dOf(total);
    if (ev.mismatchOf.has(total) ? atTotal !== left : !agrees(ev, total, metric, left - atTotal)) return 0;
  }
  return count;
}

/** The variant that fits an agency best (see src/reconcile/drift.ts), if any. */
export function bestFit(
  agency: string,
  byVariant: Map<number, Map<TupleKey, KeyDelta>>,
  ev: Evidence,
): number | undefined {
  let best: { variant: number; explains: number } | undefined;
  for (const variant of VARIANTS) {
    const delta = byVariant.get(variant);
    if (!delta) continue;
    const n = explains(agency, delta, ev);
    if (n === 0) continue;
    if (!best || n > best.explains || (n === best.explains && switchCount(variant) < switchCount(best.variant)))
      best = { variant, explains: n };
  }
  return best?.variant;
}
