/** Prints a run report: a table or Markdown for people, JSON or CSV for scripts (CONTRACTS.md §4). */
import type { RunReport } from '../../schemas/report.js';
import type { Metric } from '../reconcile/counting.js';
import { provinceLabel } from '../normalise/units.js';
import { LABELS, type Lang } from './labels.js';

export const FORMATS = ['table', 'json', 'csv', 'md'] as const;
export type Format = (typeof FORMATS)[number];

type Row = (string | number)[];

function table(rows: Row[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function markdown(rows: Row[]): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [`| ${head!.map(esc).join(' | ')} |`, `|${head!.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function csvCell(c: string | number | null): string {
  const s = c === null ? '' : String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The sections of a report as rows, shared by the table and Markdown layouts. */
function sections(r: RunReport, lang: Lang) {
  const L = LABELS[lang];
  const c = L.columns;
  const summary: Row[] = [
    [c.province, c.coverage, c.pulled, c.applied, c.unchanged, c.quarantined, c.agencies, c.mismatches, c.findings, c.retries],
    ...r.provinces.map((p) => {
      const sum = (k: 'pulled' | 'applied' | 'unchanged' | 'quarantined' | 'retries') => p.sources.reduce((n, s) => n + (s[k] ?? 0), 0);
      return [
        provinceLabel(p.province), L.coverage[p.coverage.status], sum('pulled'), sum('applied'), sum('unchanged'), sum('quarantined'),
        p.agencies, p.mismatches.length, p.findings.length, sum('retries'),
      ];
    }),
  ];
  const perProvince = r.provinces.map((p) => ({
    province: provinceLabel(p.province),
    why: p.coverage.why ? `${L.coverage[p.coverage.status]}: ${p.coverage.why}` : null,
    // Said only where it was tried and failed; a province that was not compared says why above.
    provincialStats:
      p.provincialStats?.status === 'unavailable' && p.coverage.status === 'complete'
        ? `${L.provincialStats.unavailable}${p.provincialStats.why ? `: ${p.provincialStats.why}` : ''}`
        : null,
    mismatches: p.mismatches.length
      ? [
          [c.agency, c.procedure, c.metric, c.local, c.national, c.provincial, c.diff, c.verdict],
          ...p.mismatches.map((m) => [
            m.agency, m.procedure ?? '', L.metric[m.metric as Metric] ?? m.metric, m.local, m.national, m.provincial ?? '',
            m.national - m.local, m.verdict ? L.verdict[m.verdict] : '',
          ]),
        ]
      : null,
    findings: p.findings.length
      ? [
          [c.kind, c.dossier, c.agency, c.metrics],
          ...[...p.findings]
            .sort((a, b) => a.kind.localeCompare(b.kind) || a.dossierCode.localeCompare(b.dossierCode))
            .map((f) => [L.kind[f.kind], f.dossierCode, f.agency, f.metrics.join(',')]),
        ]
      : null,
  }));
  const title = `${L.run} ${r.runId}   ${L.period} ${r.period.from} .. ${r.period.to}   ${L.status[r.status]}${r.finishedAt ? ` ${r.finishedAt}` : ''}`;
  return { L, title, summary, perProvince };
}

function layout(r: RunReport, lang: Lang, grid: (rows: Row[]) => string, heading: (s: string) => string): string {
  const { L, title, summary, perProvince } = sections(r, lang);
  const out = [heading(title), '', grid(summary)];
  for (const p of perProvince) {
    if (p.why) out.push('', `${p.province}: ${p.why}`);
    if (p.provincialStats) out.push('', `${p.province}: ${p.provincialStats}`);
    if (p.mismatches) out.push('', heading(`${p.province}: ${L.mismatchesOf}`), grid(p.mismatches));
    if (p.findings) out.push('', heading(`${p.province}: ${L.findingsOf}`), grid(p.findings));
  }
  return out.join('\n');
}

/**
 * One CSV row per mismatch and per finding, with stable English column names and codes.
 * `verdict` is the last column (added after the others, so existing positions hold).
 */
function csv(r: RunReport): string {
  const head = ['run_id', 'province', 'coverage', 'row', 'agency', 'procedure', 'metric', 'local', 'national', 'provincial', 'dossier_code', 'kind', 'verdict'];
  const rows: (string | number | null)[][] = [head];
  for (const p of r.provinces) {
    for (const m of p.mismatches) rows.push([r.runId, p.province, p.coverage.status, 'mismatch', m.agency, m.procedure, m.metric, m.local, m.national, m.provincial, null, null, m.verdict ?? null]);
    for (const f of p.findings) rows.push([r.runId, p.province, p.coverage.status, 'finding', f.agency, null, f.metrics.join(' '), null, null, null, f.dossierCode, f.kind, null]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\n');
}

export function formatReport(r: RunReport, format: Format, lang: Lang = 'en'): string {
  switch (format) {
    case 'json':
      return JSON.stringify(r, null, 2);
    case 'csv':
      return csv(r);
    case 'md':
      return layout(r, lang, markdown, (s) => `## ${s}`);
    case 'table':
      return layout(r, lang, table, (s) => s);
  }
}
