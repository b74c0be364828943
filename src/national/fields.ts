/**
 * The field names of a `ThongKeHoSo` statistics row (CONTRACTS.md §3) for each metric of the
 * counting rules. One mapping, shared by the simulators and the national client.
 */
import type { StatsRow } from '../../schemas/dvcqg.js';
import { METRICS, type Counts, type Metric } from '../reconcile/counting.js';

export type StatsCountField = Exclude<keyof StatsRow, 'Madonvi' | 'MaTTHC'>;

export const NATIONAL_STATS_FIELDS = {
  received: 'SoNhanTrongKy',
  carriedOver: 'SoTonKyTruoc',
  toProcess: 'TongSoXuLy',
  processed: 'TongDaXuLy',
  onTime: 'TongXuLyDungHan',
  late: 'TongXuLyTreHan',
  unprocessed: 'TongChuaXuLy',
  unprocessedNotDue: 'TongChuaXuLyTrongHan',
  overdue: 'TongChuaXuLyTreHan',
  online: 'SoTrucTuyen',
  postal: 'SoBuuChinh',
  digitised: 'SoCoSoHoa',
} as const satisfies Record<Metric, StatsCountField>;

/** Counts as a statistics row, counts as decimal strings. `procedure` adds `MaTTHC`. */
export function toStatsRow(agency: string, counts: Counts, procedure?: string): Record<string, string> {
  const row: Record<string, string> = { Madonvi: agency };
  if (procedure !== undefined) row.MaTTHC = procedure;
  for (const m of METRICS) row[NATIONAL_STATS_FIELDS[m]] = String(counts[m]);
  return row;
}

/** A parsed statistics row (see `statsRow` in schemas/dvcqg.ts) back to counts. */
export function countsOfStatsRow(row: Record<StatsCountField, number>): Counts {
  return Object.fromEntries(METRICS.map((m) => [m, row[NATIONAL_STATS_FIELDS[m]]])) as Counts;
}
