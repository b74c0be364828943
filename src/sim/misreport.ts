/** Figures a simulated statistics service gets wrong on purpose (both dialects' provincial statistics, the national one's unexplained keys). */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { countsIn, oracleZero, type OracleCounts, type OracleDays, type OracleMetric } from './oracle.js';

/**
 * A figure a province's own statistics get wrong: `delta` added to `metric` of `agency`
 * (clamped at 0). Split by procedure, it goes to `procedure`, or else to the agency's first
 * procedure (in code order) counted in the period, so the agency's total moves with it.
 * Shared by both simulators' provincial statistics, and by the national statistics for the
 * keys a world leaves unexplained.
 */
export interface Misreport {
  agency: string;
  metric: OracleMetric;
  delta: number;
  procedure?: string;
}

/** The procedure row a misreport lands on, split by procedure; undefined when the agency has none. */
export function misreportedProcedure(
  m: Misreport,
  dossiers: readonly CanonicalDossier[],
  days: OracleDays,
): string | undefined {
  if (m.procedure !== undefined) return m.procedure;
  let first: string | undefined;
  for (const d of dossiers) {
    if (d.agency === m.agency && (first === undefined || d.procedure < first) && countsIn(d, days)) first = d.procedure;
  }
  return first;
}

/** Adds a misreport to group `key` of `groups`. */
export function misreportInto(groups: Map<string, OracleCounts>, key: string, m: Misreport): void {
  let counts = groups.get(key);
  if (!counts) groups.set(key, (counts = oracleZero()));
  counts[m.metric] = Math.max(0, counts[m.metric] + m.delta);
}
