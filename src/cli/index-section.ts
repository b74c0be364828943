/**
 * The service index section of a report (table, Markdown, CSV, xlsx): per province, each
 * indicator's share and points on both sides, then the points at stake by cause and by agency.
 * Every figure of points is said to be an estimate (docs/domain.md, The national service index).
 */
import type { IndexStake } from '../../schemas/index-points.js';
import type { ProvinceReport, RunReport } from '../../schemas/report.js';
import { round } from '../reconcile/index-points.js';
import {
  INDEX_WORDS,
  fixed,
  indicatorLabel,
  percent,
  signedPoints,
  stakeLine,
  type IndexLang,
} from '../report/index-labels.js';

type Cell = string | number;

export interface IndexBlock {
  title: string;
  /** Header and one row per indicator, then the total. */
  grid: Cell[][];
  byCause: { label: string; lines: string[] };
  byAgency: { label: string; lines: string[] };
  note: string;
}

/** The columns of an indicator's row: its name, its weight, its share and points on each side, the gap. */
function indicatorHead(lang: IndexLang): string[] {
  const W = INDEX_WORDS[lang];
  const side = (name: string) => [`${name} (${W.share})`, `${name} (${W.points})`];
  return [W.indicator, W.max, ...side(W.local), ...side(W.national), W.gap];
}

/** The province's index as the table and Markdown print it; null when the run did not compute one. */
export function indexBlock(p: ProvinceReport, lang: IndexLang): IndexBlock | null {
  const x = p.index;
  if (!x) return null;
  const W = INDEX_WORDS[lang];
  const grid: Cell[][] = [
    indicatorHead(lang),
    ...x.indicators.map((i) => [
      indicatorLabel(i.id, lang),
      fixed(i.max),
      percent(i.local.share),
      fixed(i.local.points),
      percent(i.national.share),
      fixed(i.national.points),
      signedPoints(i.national.points - i.local.points),
    ]),
    [
      W.total,
      fixed(x.total.max),
      '',
      fixed(x.total.local),
      '',
      fixed(x.total.national),
      signedPoints(x.total.national - x.total.local),
    ],
  ];
  const lines = (list: typeof x.byCause) => (list.length ? list.map((s) => stakeLine(s, lang)) : [W.noStake]);
  return {
    title: W.title,
    grid,
    byCause: { label: W.byCause, lines: lines(x.byCause) },
    byAgency: { label: W.byAgency, lines: lines(x.byAgency) },
    note: W.note,
  };
}

/** The CSV columns the index rows fill besides the shared ones (added last: existing positions hold). */
export const INDEX_CSV_COLUMNS = ['points', 'dossiers'] as const;

type CsvRow = (string | number | null)[];

/**
 * The index as CSV rows in the report's columns (run_id … residual, rule, then `points`, `dossiers`):
 * `index` rows (metric: the indicator, local and national: its points on each side, points: the
 * gap, kind: `estimate`) and `index_stake` rows (a cause in `kind`, or an agency in `agency`,
 * with the points regained and the dossiers).
 */
export function indexCsvRows(r: RunReport): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const p of r.provinces) {
    const x = p.index;
    if (!x) continue;
    const head = [r.runId, p.province, p.coverage.status];
    for (const i of x.indicators)
      rows.push([
        ...head,
        'index',
        null,
        null,
        i.id,
        i.local.points,
        i.national.points,
        null,
        null,
        'estimate',
        null,
        null,
        null,
        round(i.national.points - i.local.points),
        null,
      ]);
    // a stake names its cause in `kind`, or its agency in `agency`
    const stake = (agency: string | null, kind: string | null, st: IndexStake): CsvRow => {
      const ids = st.indicators.map((i) => i.id).join(' ');
      return [
        ...head,
        'index_stake',
        agency,
        null,
        ids,
        null,
        null,
        null,
        null,
        kind,
        null,
        null,
        null,
        st.points,
        st.dossiers,
      ];
    };
    for (const st of x.byCause) rows.push(stake(null, st.cause, st));
    for (const st of x.byAgency) rows.push(stake(st.cause, null, st));
  }
  return rows;
}

/** The xlsx sheet of the index: one row per province and indicator, then one per stake. */
export function indexSheet(
  r: RunReport,
  lang: IndexLang,
  codeHeader: string,
): { name: string; head: string[]; rows: (string | number | null)[][]; above: string[] } {
  const W = INDEX_WORDS[lang];
  const head = [codeHeader, ...indicatorHead(lang), W.dossiers];
  const rows: (string | number | null)[][] = [];
  for (const p of r.provinces) {
    const x = p.index;
    if (!x) continue;
    for (const i of x.indicators)
      rows.push([
        p.province,
        indicatorLabel(i.id, lang),
        i.max,
        i.local.share,
        i.local.points,
        i.national.share,
        i.national.points,
        round(i.national.points - i.local.points),
        null,
      ]);
    for (const [label, list] of [
      [W.cause, x.byCause],
      [W.agency, x.byAgency],
    ] as const)
      for (const s of list)
        rows.push([p.province, `${label}: ${s.cause}`, null, null, null, null, null, s.points, s.dossiers]);
  }
  return { name: lang === 'vi' ? 'Chỉ số 766' : 'Service index', head, rows, above: [W.title, W.note] };
}
