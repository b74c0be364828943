/**
 * What a province's mismatches come to once its findings are counted: the line every report
 * and the dashboard open a province with ("126 mismatches, all explained by 28 dossiers").
 */
import { isDossierFinding, isUnexplained, type Mismatch, type ProvinceReport } from '../../schemas/report.js';
import { METRICS } from '../../schemas/metrics.js';

/** Which findings name a dossier and which mismatches are left unexplained (schemas/report.ts). */
export { isDossierFinding, isUnexplained };

export interface Account {
  mismatches: number;
  /** Distinct dossiers behind the findings (an `unexplained` finding names a key, not a dossier). */
  dossiers: number;
  /** The residuals of the keys the findings leave unexplained (residual ≠ 0), in report order. */
  residuals: number[];
  /** Mismatches without a residual: not examined, or a report stored before residuals existed. */
  unexamined: number;
}

/** A signed figure as people read it: +1, −2 (a true minus sign), 0. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0';
}

const metricOrder = (m: string) => {
  const i = (METRICS as readonly string[]).indexOf(m);
  return i < 0 ? METRICS.length : i;
};

/** Agency by agency: the agency's total first, then its procedures; metrics in the rules' order. */
export function sortMismatches(list: readonly Mismatch[]): Mismatch[] {
  return [...list].sort(
    (a, b) =>
      a.agency.localeCompare(b.agency) ||
      Number(a.procedure !== null) - Number(b.procedure !== null) ||
      (a.procedure ?? '').localeCompare(b.procedure ?? '') ||
      metricOrder(a.metric) - metricOrder(b.metric) ||
      a.metric.localeCompare(b.metric),
  );
}

export function accountOf(p: Pick<ProvinceReport, 'mismatches' | 'findings'>): Account {
  const sorted = sortMismatches(p.mismatches);
  return {
    mismatches: p.mismatches.length,
    dossiers: new Set(p.findings.filter(isDossierFinding).map((f) => f.dossierCode)).size,
    residuals: sorted.filter(isUnexplained).map((m) => m.residual!),
    unexamined: p.mismatches.filter((m) => m.residual === null || m.residual === undefined).length,
  };
}

/** A counter summed over the province's sources (the report's summary rows). */
export function sourcesTotal(
  p: Pick<ProvinceReport, 'sources'>,
  k: 'pulled' | 'applied' | 'unchanged' | 'quarantined' | 'retries',
): number {
  return p.sources.reduce((n, s) => n + (s[k] ?? 0), 0);
}

/** The residuals as listed in the account line: the first ten, then an ellipsis. */
export function residualList(residuals: readonly number[], most = 10): string {
  const shown = residuals.slice(0, most).map(signed).join(', ');
  return residuals.length > most ? `${shown}, …` : shown;
}

/** The province counters both summary grids show (pulled … retries), as the labels name them. */
export const COUNTER_COLUMNS = [
  'pulled',
  'applied',
  'unchanged',
  'quarantined',
  'agencies',
  'mismatches',
  'findings',
  'unexplained',
  'retries',
] as const;

/** A province's counters, in the order of COUNTER_COLUMNS. */
export function counterCells(p: Pick<ProvinceReport, 'sources' | 'agencies' | 'mismatches' | 'findings'>): number[] {
  const a = accountOf(p);
  const sum = (k: Parameters<typeof sourcesTotal>[1]) => sourcesTotal(p, k);
  return [
    sum('pulled'),
    sum('applied'),
    sum('unchanged'),
    sum('quarantined'),
    p.agencies,
    a.mismatches,
    a.dossiers,
    a.residuals.length,
    sum('retries'),
  ];
}
