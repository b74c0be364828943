/** The figures of a period: counts per metric, per agency and procedure. The rules that count them are in src/reconcile/counting.ts. */
import { METRICS } from '../../schemas/metrics.js';

export type Metric = (typeof METRICS)[number];
export type Counts = Record<Metric, number>;

export function zeroCounts(): Counts {
  return Object.fromEntries(METRICS.map((m) => [m, 0])) as Counts;
}

/** Counts of one agency (`procedure` null) or of one procedure at an agency. */
export interface Figures {
  agency: string;
  procedure: string | null;
  counts: Counts;
}

/** Procedure rows with their agency totals added (counts are additive across procedures). */
export function withAgencyTotals(rows: Figures[]): Figures[] {
  const totals = new Map<string, Counts>();
  for (const r of rows) {
    if (r.procedure === null) continue;
    let t = totals.get(r.agency);
    if (!t) totals.set(r.agency, (t = zeroCounts()));
    for (const m of METRICS) t[m] += r.counts[m];
  }
  const given = new Set(rows.filter((r) => r.procedure === null).map((r) => r.agency));
  return [
    ...rows,
    ...[...totals].filter(([a]) => !given.has(a)).map(([agency, counts]) => ({ agency, procedure: null, counts })),
  ];
}

/** What was asked of the portal: service requests sent, and dossier records they returned. */
export interface NationalLoad {
  requests: number;
  records: number;
}
