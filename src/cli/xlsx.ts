/**
 * A run report as a spreadsheet (`report --format xlsx`), for the teams that hand reports on
 * in Excel: a summary per province, every mismatch line, every finding with both sides'
 * evidence as columns. Headers in the chosen language; figures as numbers, times in Vietnam time.
 */
import type { Workbook, Worksheet } from 'exceljs';
import type { Finding, RunReport } from '../../schemas/report.js';
import type { Metric } from '../domain/figures.js';
import { provinceLabel } from '../normalise/units.js';
import { vnTime } from '../server/pages/layout.js';
import { accountOf, COUNTER_COLUMNS, counterCells, sortMismatches } from '../report/account.js';
import { driftKeyText, driftSheet, ruleText } from '../report/drift.js';
import { indexSheet } from './index-section.js';
import { EVIDENCE_FIELDS, LABELS, type Lang } from '../report/labels.js';

type Cell = string | number | null;

/** A sheet with a bold, frozen, filterable header row and columns as wide as their content (within reason). */
function addSheet(wb: Workbook, name: string, head: string[], rows: Cell[][], above: string[] = []): Worksheet {
  const ws = wb.addWorksheet(name);
  for (const line of above) ws.addRow([line]).font = { bold: true };
  if (above.length) ws.addRow([]);
  const header = ws.addRow(head);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE5E7EB' } };
  for (const r of rows) ws.addRow(r.map((c) => c ?? ''));
  ws.views = [{ state: 'frozen', ySplit: header.number }];
  if (rows.length)
    ws.autoFilter = { from: { row: header.number, column: 1 }, to: { row: header.number, column: head.length } };
  head.forEach((h, i) => {
    const widest = Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length));
    ws.getColumn(i + 1).width = Math.min(60, Math.max(8, widest + 2));
  });
  return ws;
}

const time = (t: string | null | undefined): string => (t ? vnTime(t) : '');

/** One row per province: its totals, coverage and account, under the run's title. */
function summarySheet(wb: Workbook, r: RunReport, lang: Lang): void {
  const L = LABELS[lang];
  const c = L.columns;
  const X = L.xlsx;
  addSheet(
    wb,
    X.sheets.summary,
    [X.headers.code, c.province, c.coverage, X.headers.why, ...COUNTER_COLUMNS.map((k) => c[k]), X.headers.account],
    r.provinces.map((p) => {
      const a = accountOf(p);
      return [
        p.province,
        provinceLabel(p.province),
        L.coverage[p.coverage.status],
        p.coverage.why,
        ...counterCells(p),
        p.coverage.status === 'complete' || p.mismatches.length ? L.account(a) : null,
      ];
    }),
    [
      `${L.run} ${r.runId}`,
      `${L.period} ${r.period.from} .. ${r.period.to} · ${L.status[r.status]} · ${X.headers.started} ${time(r.startedAt)} · ${X.headers.finished} ${time(r.finishedAt)}`,
    ],
  );
}

const metricOf = (L: (typeof LABELS)[Lang]) => (m: string) => L.metric[m as Metric] ?? m;

/** Every mismatch line of every province. */
function mismatchesSheet(wb: Workbook, r: RunReport, lang: Lang): void {
  const L = LABELS[lang];
  const c = L.columns;
  const X = L.xlsx;
  const metric = metricOf(L);
  addSheet(
    wb,
    X.sheets.mismatches,
    [
      X.headers.code,
      c.agency,
      c.procedure,
      c.metric,
      c.local,
      c.national,
      c.provincial,
      c.diff,
      c.verdict,
      c.residual,
      c.explainedBy,
      X.headers.explainedCodes,
    ],
    r.provinces.flatMap((p) =>
      sortMismatches(p.mismatches).map((m) => [
        p.province,
        m.agency,
        m.procedure,
        metric(m.metric),
        m.local,
        m.national,
        m.provincial,
        m.national - m.local,
        m.verdict ? L.verdict[m.verdict] : null,
        m.residual ?? null,
        m.explainedBy?.count ?? null,
        m.explainedBy?.codes.join(', ') ?? null,
      ]),
    ),
  );
}

/** Every finding, with both sides' evidence as columns. */
function findingsSheet(wb: Workbook, r: RunReport, lang: Lang): void {
  const L = LABELS[lang];
  const c = L.columns;
  const X = L.xlsx;
  const R = driftSheet(lang);
  const metric = metricOf(L);
  const evidence = (f: Finding, side: 'local' | 'national'): Cell[] => {
    const e = f.evidence[side];
    return EVIDENCE_FIELDS.map((k) => (e ? (k.endsWith('At') ? time(e[k] as string | null) : (e[k] ?? null)) : null));
  };
  const sideHeads = (side: 'local' | 'national') =>
    EVIDENCE_FIELDS.map((k) => `${X.sides[side]} · ${L.evidenceField[k]}`);
  addSheet(
    wb,
    X.sheets.findings,
    [
      X.headers.code,
      c.dossier,
      c.agency,
      c.procedure,
      c.kind,
      c.metrics,
      ...sideHeads('local'),
      ...sideHeads('national'),
      c.residual,
      X.headers.examined,
      R.headers.rule,
    ],
    r.provinces.flatMap((p) =>
      p.findings.map((f) => [
        p.province,
        f.dossierCode || null,
        f.agency,
        f.key?.procedure ?? f.evidence.local?.procedure ?? f.evidence.national?.procedure ?? null,
        L.kind[f.kind] ?? f.kind,
        (f.key ? [f.key.metric] : f.metrics).map(metric).join(', '),
        ...evidence(f, 'local'),
        ...evidence(f, 'national'),
        f.key?.residual ?? null,
        f.key?.examined ?? null,
        f.rule ? ruleText(f.rule, lang) : null,
      ]),
    ),
  );
}

function rulesSheet(wb: Workbook, r: RunReport, lang: Lang): void {
  const X = LABELS[lang].xlsx;
  const R = driftSheet(lang);
  // the counting rules the portal follows where ours differ, one row each
  const rules = r.provinces.flatMap((p) => (p.driftRules ?? []).map((d) => ({ p, d })));
  if (rules.length)
    addSheet(
      wb,
      R.name,
      [X.headers.code, R.headers.rule, R.headers.agencies, R.headers.figures, R.headers.dossiers, R.headers.codes],
      rules.map(({ p, d }) => [
        p.province,
        ruleText(d.rule, lang),
        d.agencies.join(', '),
        d.keys.map((k) => driftKeyText(k, lang)).join('; '),
        d.dossiers.length,
        d.dossiers.join(', '),
      ]),
    );
}

/** exceljs takes seconds to load on a busy machine: loaded when a workbook is asked for, not by every command. */
export async function reportWorkbook(r: RunReport, lang: Lang): Promise<Workbook> {
  const { default: ExcelJS } = await import('exceljs');
  const X = LABELS[lang].xlsx;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'dossier-sync';
  summarySheet(wb, r, lang);
  mismatchesSheet(wb, r, lang);
  findingsSheet(wb, r, lang);
  rulesSheet(wb, r, lang);
  const index = indexSheet(r, lang, X.headers.code);
  if (index.rows.length) addSheet(wb, index.name, index.head, index.rows, index.above);
  return wb;
}

export async function reportXlsx(r: RunReport, lang: Lang): Promise<Buffer> {
  return Buffer.from(await (await reportWorkbook(r, lang)).xlsx.writeBuffer());
}
