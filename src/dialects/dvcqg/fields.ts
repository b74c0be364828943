/**
 * The field names of a `ThongKeHoSo` statistics row (docs/contracts.md, ThongKeHoSo) for each metric of the
 * counting rules, and the parameters and rows of that service. One mapping, shared by the
 * simulators, the national client and the `dvcqg` source (whose own `ThongKeHoSo` has the same
 * parameters and rows, docs/contracts.md, ThongKeHoSo at a source).
 */
import { statsRow, type StatsRow } from '../../../schemas/dvcqg.js';
import { formatCompactDay } from '../../domain/time.js';
import { METRICS } from '../../../schemas/metrics.js';
import { type Counts, type Figures, type Metric } from '../../domain/figures.js';
import { type Period } from '../../domain/period.js';
import { TransientError } from '../../util/errors.js';
import { firstIssue } from '../../util/zod.js';

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

/** The period and split of a `ThongKeHoSo` call: inclusive Vietnam calendar days. */
export function statsParams(
  period: Pick<Period, 'start' | 'end'>,
  by: { agency: boolean; procedure: boolean },
): Record<string, unknown> {
  return { ...dayParams(period), theoDonVi: by.agency, theoTTHC: by.procedure };
}

/** Periods are sent as inclusive Vietnam calendar days `tuNgay`..`denNgay` (yyyyMMdd). */
export function dayParams(period: Pick<Period, 'start' | 'end'>): { tuNgay: string; denNgay: string } {
  return { tuNgay: formatCompactDay(period.start), denNgay: formatCompactDay(period.end - 1) };
}

/**
 * The `data` of a `ThongKeHoSo` reply (national or provincial) as figures; `who` names the
 * system in the error when a row is not a statistics row.
 */
export function parseStatsRows(data: readonly unknown[], who: string): Figures[] {
  return data.map((raw, i) => {
    const row = statsRow.safeParse(raw);
    if (!row.success) throw new TransientError(`${who}: ThongKeHoSo row ${i}: ${firstIssue(row.error)}`);
    return { agency: row.data.Madonvi, procedure: row.data.MaTTHC ?? null, counts: countsOfStatsRow(row.data) };
  });
}
