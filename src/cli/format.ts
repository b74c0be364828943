/** Prints a run report: a table or Markdown for people, JSON or CSV for scripts. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  FINDING_KINDS,
  UNEXPLAINED,
  type Finding,
  type Mismatch,
  type ProvinceReport,
  type RunReport,
} from '../../schemas/report.js';
import type { Metric } from '../domain/figures.js';
import { provinceLabel } from '../normalise/units.js';
import { groupBy } from '../util/group.js';
import { accountOf, COUNTER_COLUMNS, counterCells, isUnexplained, signed, sortMismatches } from '../report/account.js';
import { LABELS, LANGS, type Lang } from '../report/labels.js';
import { choice } from './options.js';
import { driftHeading, driftRuleLines, ruleText } from '../report/drift.js';
import { INDEX_CSV_COLUMNS, indexBlock, indexCsvRows } from './index-section.js';
import { reportXlsx } from './xlsx.js';

/** The formats printed as text (the demo's too). */
export const FORMATS = ['table', 'json', 'csv', 'md'] as const;
export type Format = (typeof FORMATS)[number];
/** What `report` and `reconcile` write: the text formats and the spreadsheet. */
export const REPORT_FORMATS = [...FORMATS, 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

type Row = (string | number)[];

function table(rows: Row[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function markdown(rows: Row[]): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${head!.map(esc).join(' | ')} |`,
    `|${head!.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function csvCell(c: string | number | null): string {
  const s = c === null ? '' : String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const metricLabel = (L: (typeof LABELS)[Lang], m: string) => L.metric[m as Metric] ?? m;
const residualCell = (m: Mismatch) => (isUnexplained(m) ? signed(m.residual!) : '');

/** A key left unexplained, in words: where, which figure, by how much, and what was examined. */
function unexplainedLine(L: (typeof LABELS)[Lang], f: Finding): string {
  const k = f.key;
  const where = [f.agency, k?.procedure, metricLabel(L, k?.metric ?? f.metrics[0] ?? '')].filter(Boolean).join(' · ');
  return k
    ? `${where}: ${L.columns.residual.toLowerCase()} ${signed(k.residual)}${k.examined ? ` (${L.examined}: ${k.examined})` : ''}`
    : where;
}

/**
 * A province's findings by kind, in the kinds' order: each with its dossier codes, or for keys
 * left unexplained, the keys. Dossiers counted differently are grouped by the rule they show.
 */
function findingGroups(p: ProvinceReport, lang: Lang) {
  const L = LABELS[lang];
  const byKind = groupBy(
    [...p.findings].sort((a, b) => a.dossierCode.localeCompare(b.dossierCode)),
    (f) => (f.rule ? `${f.kind}\n${f.rule}` : f.kind),
  );
  const kinds = [...FINDING_KINDS, UNEXPLAINED] as string[];
  return [...byKind.keys()]
    .sort((a, b) => kinds.indexOf(a.split('\n')[0]!) - kinds.indexOf(b.split('\n')[0]!) || a.localeCompare(b))
    .map((group) => {
      const [k, rule] = group.split('\n') as [(typeof kinds)[number], string | undefined];
      const list = byKind.get(group)!;
      const label = `${L.kind[k as keyof typeof L.kind]}${rule ? `: ${ruleText(rule, lang)}` : ''}`;
      return {
        kind: k,
        label,
        count: list.length,
        items: k === UNEXPLAINED ? list.map((f) => unexplainedLine(L, f)) : list.map((f) => f.dossierCode),
      };
    });
}

/** The run's summary grid: a header, then one row per province. */
function summaryRows(r: RunReport, L: (typeof LABELS)[Lang]): Row[] {
  const c = L.columns;
  return [
    [c.province, c.coverage, ...COUNTER_COLUMNS.map((k) => c[k])],
    ...r.provinces.map((p) => [provinceLabel(p.province), L.coverage[p.coverage.status], ...counterCells(p)]),
  ];
}

/** A province's mismatch lines as a grid, the procedure column only when a line has one; null when none is shown. */
function mismatchGrid(L: (typeof LABELS)[Lang], shown: Mismatch[], withProcedure: boolean): Row[] | null {
  const c = L.columns;
  const head = [
    c.agency,
    ...(withProcedure ? [c.procedure] : []),
    c.metric,
    c.local,
    c.national,
    c.provincial,
    c.diff,
    c.verdict,
    c.residual,
    c.explainedBy,
  ];
  if (!shown.length) return null;
  return [
    head,
    ...shown.map((m) => [
      m.agency,
      ...(withProcedure ? [m.procedure ?? ''] : []),
      metricLabel(L, m.metric),
      m.local,
      m.national,
      m.provincial ?? '',
      signed(m.national - m.local),
      m.verdict ? L.verdict[m.verdict] : '',
      residualCell(m),
      m.explainedBy?.count ?? '',
    ]),
  ];
}

/** One province's part of the report, shared by the table and Markdown layouts. */
function provinceSection(p: ProvinceReport, lang: Lang, detail: boolean) {
  const L = LABELS[lang];
  const all = sortMismatches(p.mismatches);
  const shown = detail ? all : all.filter((m) => m.procedure === null);
  const withProcedure = shown.some((m) => m.procedure !== null);
  return {
    province: provinceLabel(p.province),
    why: p.coverage.why ? `${L.coverage[p.coverage.status]}: ${p.coverage.why}` : null,
    // Said only where it was tried and failed; a province that was not compared says why above.
    provincialStats:
      p.provincialStats?.status === 'unavailable' && p.coverage.status === 'complete'
        ? `${L.provincialStats.unavailable}${p.provincialStats.why ? `: ${p.provincialStats.why}` : ''}`
        : null,
    // A province that was not compared has no account to give.
    account: p.coverage.status === 'complete' || p.mismatches.length ? L.account(accountOf(p)) : null,
    repairChecks: p.repairChecks?.length
      ? L.repairChecks(
          p.repairChecks.filter((x) => x.status === 'verified').length,
          p.repairChecks.filter((x) => x.status === 'repair_failed').map((x) => x.dossierCode),
        )
      : null,
    findings: findingGroups(p, lang),
    rules: driftRuleLines(p, lang),
    mismatches: mismatchGrid(L, shown, withProcedure),
    hidden: all.length - shown.length,
    index: indexBlock(p, lang),
  };
}

/** The sections of a report as rows, shared by the table and Markdown layouts. */
function sections(r: RunReport, lang: Lang, detail: boolean) {
  const L = LABELS[lang];
  const summary = summaryRows(r, L);
  const perProvince = r.provinces.map((p) => provinceSection(p, lang, detail));
  const title = `${L.run} ${r.runId}   ${L.period} ${r.period.from} .. ${r.period.to}   ${L.status[r.status]}${r.finishedAt ? ` ${r.finishedAt}` : ''}`;
  return { L, title, summary, perProvince };
}

/** How one layout writes what the table and Markdown share. */
interface Style {
  grid(rows: Row[]): string;
  heading(s: string): string;
  /** A kind of finding and its items (dossier codes, or unexplained keys one per line). */
  group(label: string, count: number, items: string[], oneALine: boolean): string;
}

/** Codes separated by commas, wrapped into lines of about `width` characters. */
function wrap(items: string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line ? `${line}, ${item}` : item;
    if (line && next.length > width) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

const TABLE: Style = {
  grid: table,
  heading: (s) => s,
  group: (label, count, items, oneALine) =>
    `  ${label} (${count}):\n${oneALine ? items.map((i) => `    ${i}`).join('\n') : wrap(items, 100, '    ')}`,
};

const MARKDOWN: Style = {
  grid: markdown,
  heading: (s) => `## ${s}`,
  group: (label, count, items, oneALine) => {
    const md = (s: string) => s.replace(/([\\`*_|<>[\]])/g, '\\$1');
    return oneALine
      ? [`- **${md(label)}** (${count}):`, ...items.map((i) => `  - ${md(i)}`)].join('\n')
      : `- **${md(label)}** (${count}): ${items.map((i) => `\`${i.replace(/`/g, "'")}\``).join(', ')}`;
  },
};

/**
 * Per province, the explanation first: the account line, the findings by kind with their
 * dossier codes, then the agency totals that differ (every line with `detail`).
 */
function layout(r: RunReport, lang: Lang, detail: boolean, style: Style): string {
  const { L, title, summary, perProvince } = sections(r, lang, detail);
  const out = [style.heading(title), '', style.grid(summary)];
  for (const p of perProvince) {
    if (p.why) out.push('', `${p.province}: ${p.why}`);
    if (p.provincialStats) out.push('', `${p.province}: ${p.provincialStats}`);
    if (p.account) out.push('', style.heading(`${p.province}: ${p.account}`));
    if (p.rules.length) out.push('', style.group(driftHeading(lang), p.rules.length, p.rules, true));
    if (p.repairChecks) out.push('', `${p.province}: ${p.repairChecks}`);
    if (p.findings.length)
      out.push('', ...p.findings.map((g) => style.group(g.label, g.count, g.items, g.kind === UNEXPLAINED)));
    if (p.mismatches) out.push('', style.heading(`${p.province}: ${L.mismatchesOf}`), style.grid(p.mismatches));
    if (p.hidden) out.push('', L.hiddenLines(p.hidden));
    if (p.index) {
      const x = p.index;
      out.push(
        '',
        style.heading(`${p.province}: ${x.title}`),
        style.grid(x.grid),
        '',
        style.group(x.byCause.label, x.byCause.lines.length, x.byCause.lines, true),
      );
      out.push(style.group(x.byAgency.label, x.byAgency.lines.length, x.byAgency.lines, true), '', x.note);
    }
  }
  return out.join('\n');
}

/** Excel reads a CSV as UTF-8 (and shows Vietnamese as written) only when it starts with a byte order mark. */
export const UTF8_BOM = '\uFEFF';

type CsvRow = (string | number | null)[];

/** A province's CSV rows: its mismatches, its findings, then its counting rules. */
function provinceCsvRows(r: RunReport, p: ProvinceReport): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const m of p.mismatches)
    rows.push([
      r.runId,
      p.province,
      p.coverage.status,
      'mismatch',
      m.agency,
      m.procedure,
      m.metric,
      m.local,
      m.national,
      m.provincial,
      null,
      null,
      m.verdict ?? null,
      m.residual ?? null,
      null,
    ]);
  for (const f of p.findings) {
    rows.push([
      r.runId,
      p.province,
      p.coverage.status,
      'finding',
      f.agency,
      f.key?.procedure ?? null,
      f.key?.metric ?? f.metrics.join(' '),
      null,
      null,
      null,
      f.dossierCode,
      f.kind,
      null,
      f.key?.residual ?? null,
      f.rule ?? null,
    ]);
  }
  // a counting rule: its agencies, the metrics of the figures it accounts for, its dossiers
  for (const d of p.driftRules ?? []) {
    const metrics = [...new Set(d.keys.map((k) => k.metric))].join(' ');
    rows.push([
      r.runId,
      p.province,
      p.coverage.status,
      'drift_rule',
      d.agencies.join(' '),
      null,
      metrics,
      null,
      null,
      null,
      d.dossiers.join(' '),
      'definition_drift',
      null,
      null,
      d.rule,
    ]);
  }
  return rows;
}

/**
 * One CSV row per mismatch and per finding, with stable English column names and codes.
 * Columns added later come last, so that existing positions hold: `verdict`, then `residual`
 * (the part of a mismatch's gap its findings leave unexplained; on an `unexplained` finding,
 * its key's), then `rule` (a definition_drift's rule; on a `drift_rule` row, one of the
 * province's counting rules, with its agencies, metrics and dossier codes space-separated).
 */
function csv(r: RunReport): string {
  const head = [
    'run_id',
    'province',
    'coverage',
    'row',
    'agency',
    'procedure',
    'metric',
    'local',
    'national',
    'provincial',
    'dossier_code',
    'kind',
    'verdict',
    'residual',
    'rule',
    ...INDEX_CSV_COLUMNS,
  ];
  const rows: CsvRow[] = [head];
  for (const p of r.provinces) rows.push(...provinceCsvRows(r, p));
  rows.push(...indexCsvRows(r));
  // every row as wide as the header
  const full = (row: CsvRow) => [...row, ...Array<null>(Math.max(0, head.length - row.length)).fill(null)];
  return UTF8_BOM + rows.map((row) => full(row).map(csvCell).join(',')).join('\n');
}

export interface FormatOptions {
  /** Table and Markdown: every mismatch line, per procedure too (by default the agency totals only). */
  detail?: boolean;
}

export function formatReport(r: RunReport, format: Format, lang: Lang = 'en', opts: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, null, 2);
    case 'csv':
      return csv(r);
    case 'md':
      return layout(r, lang, Boolean(opts.detail), MARKDOWN);
    case 'table':
      return layout(r, lang, Boolean(opts.detail), TABLE);
  }
}

export interface ReportOutput extends FormatOptions {
  format: ReportFormat;
  lang: Lang;
  /** Write to this file instead of standard output. */
  out?: string;
}

/**
 * A workbook is binary: it goes to `--out FILE`, or to standard output only when that is not a
 * terminal (redirected to a file or piped on). Checked before a run starts, not after it ends.
 */
export function checkReportOutput(
  o: Pick<ReportOutput, 'format' | 'out'>,
  stdout: { isTTY?: boolean } = process.stdout,
): void {
  if (o.format === 'xlsx' && !o.out && stdout.isTTY) {
    throw new Error('--format xlsx writes a binary workbook: give --out FILE (or redirect standard output to a file)');
  }
}

/** Writes the report in the chosen format to `--out` or standard output. */
export async function writeReport(
  r: RunReport,
  o: ReportOutput,
  stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<void> {
  checkReportOutput(o, stdout);
  const body = o.format === 'xlsx' ? await reportXlsx(r, o.lang) : `${formatReport(r, o.format, o.lang, o)}\n`;
  if (o.out) await writeFile(o.out, body);
  else await new Promise<void>((resolve, reject) => stdout.write(body, (err) => (err ? reject(err) : resolve())));
}

/** The output options of `report` and `reconcile`. */
export function addReportOptions(c: Command): Command {
  return c
    .option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', `report labels and headers: ${LANGS.join(', ')}`, 'vi')
    .option('--detail', 'table and Markdown: every mismatch line, per procedure too (default: the agency totals)')
    .option('--out <file>', 'write the report to this file (xlsx needs it unless standard output is redirected)');
}

/** The output options as given, checked before anything runs. */
export function reportOutputOf(o: { format: string; lang: string; detail?: boolean; out?: string }): ReportOutput {
  const out: ReportOutput = {
    format: choice('--format', o.format, REPORT_FORMATS),
    lang: choice('--lang', o.lang, LANGS),
    detail: o.detail,
    out: o.out,
  };
  checkReportOutput(out);
  return out;
}
