/** Prints a run report as a table (for people) or JSON (for scripts, CONTRACTS.md §4). */
import type { RunReport } from '../../schemas/report.js';

export const FORMATS = ['table', 'json'] as const;
export type Format = (typeof FORMATS)[number];

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatTable(r: RunReport): string {
  const out: string[] = [];
  out.push(`Run ${r.runId}   period ${r.period.from} .. ${r.period.to}   ${r.status}${r.finishedAt ? ` at ${r.finishedAt}` : ''}`);
  out.push('');
  out.push(
    table([
      ['PROVINCE', 'COVERAGE', 'PULLED', 'APPLIED', 'UNCHANGED', 'QUARANTINED', 'AGENCIES', 'MISMATCHES', 'FINDINGS'],
      ...r.provinces.map((p) => {
        const sum = (k: 'pulled' | 'applied' | 'unchanged' | 'quarantined') => p.sources.reduce((n, s) => n + s[k], 0);
        return [p.province, p.coverage.status, sum('pulled'), sum('applied'), sum('unchanged'), sum('quarantined'), p.agencies, p.mismatches.length, p.findings.length];
      }),
    ]),
  );
  for (const p of r.provinces) {
    if (p.coverage.why) out.push('', `${p.province}: ${p.coverage.status}: ${p.coverage.why}`);
    if (p.mismatches.length) {
      out.push('', `${p.province}: mismatches`);
      out.push(
        table([
          ['AGENCY', 'METRIC', 'LOCAL', 'NATIONAL', 'DIFF'],
          ...p.mismatches.map((m) => [m.agency, m.metric, m.local, m.national, m.national - m.local]),
        ]),
      );
    }
    if (p.findings.length) {
      out.push('', `${p.province}: findings`);
      out.push(table([['DOSSIER', 'AGENCY', 'KIND', 'METRICS'], ...p.findings.map((f) => [f.dossierCode, f.agency, f.kind, f.metrics.join(',')])]));
    }
  }
  return out.join('\n');
}

export function formatReport(r: RunReport, format: Format): string {
  return format === 'json' ? JSON.stringify(r, null, 2) : formatTable(r);
}
