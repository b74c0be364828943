/** The portal's counting rules in every report format and in the summary alert (src/report/drift.ts and its hooks). */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { SummaryAlert } from '../../schemas/alert.js';
import { runReport, type DriftRule, type Finding, type RunReport } from '../../schemas/report.js';
import { docOf, textOf } from '../../src/alerts/message.js';
import { formatReport, UTF8_BOM } from '../../src/cli/format.js';
import { reportXlsx } from '../../src/cli/xlsx.js';
import { driftRuleLine, ruleText } from '../../src/report/drift.js';
import { PAGE_LABELS } from '../../src/server/labels.js';
import { runPage } from '../../src/server/pages/run.js';
import { octoberRun } from '../helpers/fixtures.js';

const X = '000.00.12.H49';
const Y = '000.00.14.H49';
const code = (n: number) => `${X}-261010-${String(n).padStart(4, '0')}`;
const side = (c: string, status: number) => ({
  status,
  receivedAt: '20261010080000',
  dueAt: '20261020170000',
  finishedAt: '20261020173000',
  returnedAt: null,
  updatedAt: '20261020173000',
  procedure: '1.001',
  code: c,
  agency: X,
});
const drifted = (n: number, rule: string): Finding => ({
  dossierCode: code(n),
  agency: X,
  kind: 'definition_drift',
  rule,
  metrics: ['late', 'onTime'],
  evidence: { local: side(code(n), 9), national: side(code(n), 9) },
});
const rule: DriftRule = {
  rule: 'due compared with time of day',
  agencies: [X],
  keys: [
    { agency: X, procedure: null, metric: 'onTime' },
    { agency: X, procedure: null, metric: 'late' },
  ],
  dossiers: [code(1), code(2)],
};
const pair: DriftRule = {
  rule: 'withdrawn counted as processed + period end exclusive (its last day left out)',
  agencies: [Y],
  keys: [{ agency: Y, procedure: null, metric: 'processed' }],
  dossiers: [code(3)],
};

const report: RunReport = octoberRun([
  {
    province: 'H49',
    coverage: { status: 'complete', why: null },
    sources: [],
    agencies: 2,
    mismatches: [
      {
        agency: X,
        procedure: null,
        metric: 'onTime',
        local: 10,
        national: 8,
        provincial: null,
        verdict: null,
        explainedBy: { count: 2, codes: [code(1), code(2)] },
        residual: 0,
      },
      {
        agency: X,
        procedure: null,
        metric: 'late',
        local: 0,
        national: 2,
        provincial: null,
        verdict: null,
        explainedBy: { count: 2, codes: [code(1), code(2)] },
        residual: 0,
      },
    ],
    findings: [
      drifted(1, rule.rule),
      drifted(2, rule.rule),
      {
        ...drifted(4, 'withdrawn counted as processed'),
        evidence: { local: side(code(4), 7), national: side(code(4), 9) },
      },
    ],
    driftRules: [rule, pair],
    incidents: [],
  },
]);

describe('the counting rules in words', () => {
  it('names a rule, a combination and a status pair, in English and Vietnamese', () => {
    expect(ruleText(pair.rule, 'vi')).toBe('hồ sơ rút được tính là đã giải quyết + không tính ngày cuối kỳ');
    expect(ruleText('status 8 sent as 9', 'vi')).toBe('trạng thái 8 gửi lên thành 9');
    expect(ruleText('status 8 sent as 9', 'en')).toBe('status 8 sent as 9');
    expect(driftRuleLine(rule, 'en')).toBe(
      `due compared with time of day: ${X}; 2 figures (on time, late); 2 dossiers`,
    );
  });
});

describe('every report format shows the rule', () => {
  it('json: the report holds driftRules and each finding its rule, and parses back', () => {
    const back = runReport.parse(JSON.parse(formatReport(report, 'json')));
    expect(back.provinces[0]!.driftRules).toEqual([rule, pair]);
    expect(back.provinces[0]!.findings.map((f) => f.rule)).toEqual([
      rule.rule,
      rule.rule,
      'withdrawn counted as processed',
    ]);
  });

  it('table: a section of rules under the account, and the drifted dossiers grouped by rule', () => {
    const out = formatReport(report, 'table', 'en');
    expect(out).toContain('Counting rules the national portal follows instead of ours (2):');
    expect(out).toContain(`    due compared with time of day: ${X}; 2 figures (on time, late); 2 dossiers`);
    expect(out).toContain(`counted differently: due compared with time of day (2):\n    ${code(1)}, ${code(2)}`);
    expect(out).toContain(`counted differently: withdrawn counted as processed (1):\n    ${code(4)}`);
  });

  it('Markdown in Vietnamese', () => {
    const out = formatReport(report, 'md', 'vi');
    expect(out).toContain('**Quy tắc đếm Cổng Dịch vụ công quốc gia dùng khác với hệ thống** (2)');
    expect(out).toContain(`so hạn trả theo cả giờ trong ngày: ${X}; 2 chỉ tiêu`);
  });

  it('csv: a rule column, and a row per rule with its agencies, metrics and dossiers', () => {
    const lines = formatReport(report, 'csv').slice(UTF8_BOM.length).split('\n');
    expect(lines[0]!.endsWith(',residual,rule,points,dossiers')).toBe(true);
    expect(lines).toContain(
      `r1,H49,complete,finding,${X},,late onTime,,,,${code(1)},definition_drift,,,due compared with time of day,,`,
    );
    expect(lines).toContain(
      `r1,H49,complete,drift_rule,${X},,onTime late,,,,${code(1)} ${code(2)},definition_drift,,,due compared with time of day,,`,
    );
  });

  it('xlsx: a rule column on the findings, a sheet of rules', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(report, 'en')) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('Counting rules')!;
    const rows: unknown[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(['CODE', 'RULE', 'AGENCIES', 'FIGURES', 'DOSSIERS', 'DOSSIER CODES']);
    expect(rows[1]).toEqual(['H49', rule.rule, X, `${X} · on time; ${X} · late`, 2, `${code(1)}, ${code(2)}`]);
    const findings = wb.getWorksheet('Findings')!;
    const head = (findings.getRow(1).values as unknown[]).slice(1);
    const col = head.indexOf('RULE') + 1;
    expect(col).toBeGreaterThan(0);
    expect(findings.getRow(2).getCell(col).value).toBe(rule.rule);
  });
});

describe('the summary alert', () => {
  it("a section naming each province's rules", () => {
    const alert: SummaryAlert = {
      type: 'summary',
      runId: 'r1',
      period: report.period,
      url: null,
      provinces: [
        {
          province: 'H49',
          coverage: 'complete',
          why: null,
          mismatches: 2,
          findings: 3,
          opened: 1,
          worsened: 0,
          resolved: 0,
          failedJobs: [],
          driftRules: [{ ...rule, dossiers: { count: 2, first: rule.dossiers } }],
        },
      ],
    };
    const doc = docOf(alert, 'en');
    expect(doc.sections.map((s) => s.heading)).toEqual([
      'Provinces',
      'Counting rules the national portal follows instead of ours',
    ]);
    expect(textOf(doc)).toContain(`: due compared with time of day: ${X}; 2 figures (on time, late); 2 dossiers`);
    expect(docOf({ ...alert, provinces: [{ ...alert.provinces[0]!, driftRules: [] }] }, 'en').sections).toHaveLength(1);
  });
});

describe("the dashboard's run page", () => {
  const ctx = (lang: 'en' | 'vi') => ({ lang, defaultLang: 'vi' as const, path: '/runs/r1' });

  it('a section of rules: each rule, its province, agencies, figures and linked dossiers', () => {
    const page = runPage(ctx('en'), report);
    expect(page).toContain(`<h2>${PAGE_LABELS.en.driftRules}</h2>`);
    const table = page.slice(
      page.indexOf('<table id="drift-rules">'),
      page.indexOf('</table>', page.indexOf('<table id="drift-rules">')),
    );
    expect(table).toContain('data-rule="due compared with time of day"');
    expect(table).toContain(`<strong>due compared with time of day</strong>`);
    expect(table).toContain(`<div>${X} · on time</div><div>${X} · late</div>`);
    expect(table).toContain(`href="/dossiers/${encodeURIComponent(code(1))}?lang=en"`);
    expect(table).toContain('withdrawn counted as processed + period end exclusive (its last day left out)');
  });

  it('in Vietnamese; a run without rules says the figures follow ours', () => {
    expect(runPage(ctx('vi'), report)).toContain('<strong>so hạn trả theo cả giờ trong ngày</strong>');
    const none = runPage(ctx('en'), octoberRun([{ ...report.provinces[0]!, driftRules: undefined }]));
    expect(none).toContain(PAGE_LABELS.en.noDriftRules);
    expect(none).not.toContain('id="drift-rules"');
  });

  it('a drifted dossier names its rule in the findings', () => {
    expect(runPage(ctx('en'), report)).toContain(`${X} · late, on time · due compared with time of day">`);
  });
});
