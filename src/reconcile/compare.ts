/** Compares local, national and (where the source reports them) provincial counts. */
import type { Tolerance } from '../../schemas/config.js';
import type { Mismatch, Verdict } from '../../schemas/report.js';
import type { Store } from '../store/store.js';
import { METRICS } from '../../schemas/metrics.js';
import { GroupTally } from './count-store.js';
import { type CountingRules } from './counting.js';
import { type Figures, type Metric } from '../domain/figures.js';
import { type Period } from '../domain/period.js';
import { compareGroups, groupKey, type GroupKey } from '../domain/group.js';

/**
 * The store's counts for a province's period: per agency, and per agency and procedure, from
 * every stored dossier (the reference `countPeriod` in src/reconcile/count-store.ts is held to).
 */
export async function countStore(
  store: Store,
  province: string,
  period: Period,
  rules: CountingRules,
): Promise<Figures[]> {
  const tally = new GroupTally(period, rules);
  for await (const batch of store.scanDossiers(province)) for (const d of batch) tally.add(d);
  return tally.figures();
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

/** The province's own figures and the metrics it reports (see ReportedStats). */
export interface Provincial {
  figures: Figures[];
  reported: readonly Metric[];
}

/**
 * Which side a mismatch points at, given the three figures of one metric (agreement is
 * "within the metric's tolerance"; see VERDICTS in schemas/report.ts):
 * 1. no provincial figure (not fetched, or the metric not reported) → `undetermined`;
 * 2. local agrees with national, provincial differs → `province_misreports`;
 * 3. local agrees with provincial, national differs → `national_behind` when the portal counts
 *    less, `national_ahead` when it counts more (a dossier only it holds, a duplicate);
 * 4. provincial agrees with national, local differs → `records_lost`;
 * 5. all three differ: local below provincial → `records_lost` (the province counts records
 *    the store does not hold), otherwise `undetermined`.
 * The cases where two sides agree come first: they say which one side is off.
 */
export function verdictOf(
  local: number,
  national: number,
  provincial: number | null,
  metric: Metric,
  tol: Tolerances = EXACT,
): Verdict {
  if (provincial === null) return 'undetermined';
  const ln = !differs(local, national, metric, tol);
  const lp = !differs(local, provincial, metric, tol);
  const pn = !differs(provincial, national, metric, tol);
  if (ln && !lp) return 'province_misreports';
  if (lp && !ln) return national < local ? 'national_behind' : 'national_ahead';
  if (pn && !ln) return 'records_lost';
  if (!ln && !lp && !pn && local < provincial) return 'records_lost';
  return 'undetermined';
}

/**
 * Every (agency, procedure, metric) where the figures differ beyond tolerance: local against
 * national, and, where the province's own figures are given and it reports the metric, local
 * against those. A key missing on one side counts as zero there (a province that reports a
 * metric and has no row for a key reports zero for it); a metric the province does not
 * report is never compared and its `provincial` is null.
 *
 * `verdict`: null when no provincial figures are given at all (the two-way comparison, as
 * before); otherwise `verdictOf` the three figures (`undetermined` for unreported metrics).
 */
export function compareCounts(
  local: Figures[],
  national: Figures[],
  tol: Tolerances = EXACT,
  provincial?: Provincial,
): Mismatch[] {
  const index = (list: Figures[]) => new Map(list.map((f) => [groupKey(f.agency, f.procedure), f]));
  const l = index(local);
  const n = index(national);
  const p = provincial ? index(provincial.figures) : undefined;
  const reported = new Set(provincial?.reported ?? []);
  const groups = new Map<GroupKey, Figures>([...(p ?? []), ...n, ...l]); // one row of each group, for its agency and procedure
  const keys = [...groups].sort(([, a], [, b]) => compareGroups(a, b)).map(([key]) => key);
  const out: Mismatch[] = [];
  for (const key of keys) {
    const any = groups.get(key)!;
    for (const metric of METRICS) {
      const lv = l.get(key)?.counts[metric] ?? 0;
      const nv = n.get(key)?.counts[metric] ?? 0;
      const pv = p && reported.has(metric) ? (p.get(key)?.counts[metric] ?? 0) : null;
      if (differs(lv, nv, metric, tol) || (pv !== null && differs(lv, pv, metric, tol))) {
        const verdict = p ? verdictOf(lv, nv, pv, metric, tol) : null;
        out.push({
          agency: any.agency,
          procedure: any.procedure,
          metric,
          local: lv,
          national: nv,
          provincial: pv,
          verdict,
        });
      }
    }
  }
  return out;
}
