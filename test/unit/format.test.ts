import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { Finding, Mismatch, RunReport } from '../../schemas/report.js';
import { checkReportOutput, formatReport, UTF8_BOM, writeReport } from '../../src/cli/format.js';
import { reportXlsx } from '../../src/cli/xlsx.js';
import { octoberRun } from '../helpers/fixtures.js';

const AG = '000.00.12.H49';
const side = (code: string, status: number, receivedAt: string) => ({
  status,
  receivedAt,
  dueAt: null,
  finishedAt: null,
  returnedAt: null,
  updatedAt: receivedAt,
  procedure: '1.001',
  code,
  agency: AG,
});
const missing = (code: string, metrics = ['received', 'toProcess']): Finding => ({
  dossierCode: code,
  agency: AG,
  kind: 'missing_national',
  metrics,
  evidence: { local: side(code, 2, '20261002080000'), national: null },
});
const duplicate: Finding = {
  dossierCode: `${AG}-261005-0007`,
  agency: AG,
  kind: 'duplicate_national',
  metrics: ['received'],
  evidence: {
    local: side(`${AG}-261005-0007`, 2, '20261005080000'),
    national: side(`${AG}-261005-0007`, 2, '2026-10-05T01:00:00.000Z'),
  }, // compact Vietnam time as evidence holds it, and ISO
};
const mismatch = (m: Partial<Mismatch> & Pick<Mismatch, 'metric' | 'local' | 'national'>): Mismatch => ({
  agency: AG,
  procedure: null,
  provincial: null,
  verdict: null,
  ...m,
});

const report: RunReport = octoberRun([
  {
    // Fully explained: two dossiers account for every gap.
    province: 'H49',
    coverage: { status: 'complete', why: null },
    sources: [
      {
        id: 'h49',
        status: 'complete',
        error: null,
        pulled: 10,
        applied: 8,
        unchanged: 1,
        quarantined: 1,
        pages: 1,
        retries: 3,
      },
    ],
    agencies: 2,
    mismatches: [
      mismatch({
        metric: 'received',
        local: 5,
        national: 3,
        provincial: 5,
        verdict: 'national_behind',
        explainedBy: { count: 2, codes: [`${AG}-261002-0001`, `${AG}-261002-0002`] },
        residual: 0,
      }),
      mismatch({
        procedure: '1.001',
        metric: 'received',
        local: 5,
        national: 3,
        explainedBy: { count: 2, codes: [`${AG}-261002-0001`, `${AG}-261002-0002`] },
        residual: 0,
      }),
      mismatch({
        metric: 'toProcess',
        local: 9,
        national: 7,
        explainedBy: { count: 2, codes: [`${AG}-261002-0001`, `${AG}-261002-0002`] },
        residual: 0,
      }),
    ],
    findings: [missing(`${AG}-261002-0002`), missing(`${AG}-261002-0001`)],
    incidents: [{ key: `H49|2026-10-01..2026-10-31|${AG}|*|received`, event: 'opened', gap: 2 }],
  },
  {
    province: 'H56',
    coverage: { status: 'failed', why: 'source h56: HTTP 503, "busy"' },
    sources: [],
    agencies: 0,
    mismatches: [],
    findings: [],
    incidents: [],
  },
  {
    // One duplicate explains one key; three keys keep a residual.
    province: 'H26',
    coverage: { status: 'complete', why: null },
    sources: [
      {
        id: 'h12',
        status: 'complete',
        error: null,
        pulled: 4,
        applied: 4,
        unchanged: 0,
        quarantined: 0,
        pages: 1,
        retries: 0,
      },
    ],
    agencies: 1,
    mismatches: [
      mismatch({
        metric: 'received',
        local: 4,
        national: 6,
        verdict: 'national_ahead',
        explainedBy: { count: 1, codes: [duplicate.dossierCode] },
        residual: 1,
      }),
      mismatch({ metric: 'processed', local: 4, national: 2, explainedBy: { count: 0, codes: [] }, residual: -2 }),
      mismatch({
        procedure: '1.002',
        metric: 'online',
        local: 1,
        national: 2,
        explainedBy: { count: 0, codes: [] },
        residual: 1,
      }),
    ],
    findings: [
      duplicate,
      ...(
        [
          ['received', null, 1],
          ['processed', null, -2],
          ['online', '1.002', 1],
        ] as const
      ).map(([metric, procedure, residual]): Finding => ({
        dossierCode: '',
        agency: AG,
        kind: 'unexplained',
        metrics: [metric],
        evidence: { local: null, national: null },
        key: { procedure, metric, residual, examined: 'national list 6, store 4' },
      })),
    ],
    incidents: [],
  },
]);

describe('formatReport', () => {
  it('json is the report itself', () => {
    expect(JSON.parse(formatReport(report, 'json'))).toEqual(report);
  });

  it("csv starts with a UTF-8 byte order mark, has one row per mismatch and per finding, then the residual, rule, and the service index's points and dossiers columns last", () => {
    const out = formatReport(report, 'csv');
    expect(out.startsWith(UTF8_BOM)).toBe(true);
    expect(Buffer.from(out, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = out.slice(UTF8_BOM.length).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'run_id,province,coverage,row,agency,procedure,metric,local,national,provincial,dossier_code,kind,verdict,residual,rule,points,dossiers',
      `r1,H49,complete,mismatch,${AG},,received,5,3,5,,,national_behind,0,,,`,
      `r1,H49,complete,mismatch,${AG},1.001,received,5,3,,,,,0,,,`,
    ]);
    expect(lines).toContain(
      `r1,H49,complete,finding,${AG},,received toProcess,,,,${AG}-261002-0001,missing_national,,,,,`,
    );
    expect(lines).toContain(`r1,H26,complete,mismatch,${AG},,processed,4,2,,,,,-2,,,`);
    // An unexplained key: no dossier, its own procedure, metric and residual.
    expect(lines).toContain(`r1,H26,complete,finding,${AG},1.002,online,,,,,unexplained,,1,,,`);
  });

  it('table in English opens each province with its account, then the findings by kind, then the agency totals', () => {
    const t = formatReport(report, 'table', 'en');
    // Provinces are named from the unit registry for people; CSV and JSON keep the code alone.
    expect(t).toMatch(/H49 Quảng Ninh\s+complete\s+10\s+8\s+1\s+1\s+2\s+3\s+2\s+0\s+3/);
    expect(t).toMatch(/H26 Hà Nội\s+complete\s+4\s+4\s+0\s+0\s+1\s+3\s+1\s+3\s+0/);
    expect(t).toMatch(/FINDINGS\s+UNEXPLAINED\s+HTTP RETRIES/);
    expect(t).toContain('H56 Thanh Hóa: failed: source h56: HTTP 503, "busy"');
    expect(t).toContain('H49 Quảng Ninh: 3 mismatches, all explained by 2 dossiers');
    expect(t).toContain(
      'H26 Hà Nội: 3 mismatches, 3 unexplained (residual +1, −2, +1), the others explained by 1 dossier',
    );
    expect(t).not.toMatch(/H56 Thanh Hóa: \d+ mismatch/); // not compared: no account

    const h49 = t.slice(t.indexOf('H49 Quảng Ninh: 3 mismatches'), t.indexOf('H26 Hà Nội: 3 mismatches'));
    expect(h49).toMatch(
      new RegExp(`not synced to the national portal \\(2\\):\\n\\s+${AG}-261002-0001, ${AG}-261002-0002\\n`),
    );
    const [account, findings, totals] = [
      '3 mismatches',
      'not synced to the national portal (2)',
      'H49 Quảng Ninh: mismatches',
    ].map((s) => h49.indexOf(s));
    expect(account).toBeLessThan(findings!);
    expect(findings).toBeLessThan(totals!);
    // Agency totals only, with the diff, the dossiers that explain it and no procedure column.
    expect(h49).toMatch(/AGENCY\s+METRIC\s+LOCAL\s+NATIONAL\s+PROVINCIAL\s+DIFF\s+VERDICT\s+RESIDUAL\s+DOSSIERS\n/);
    expect(h49).toMatch(new RegExp(`${AG}\\s+received\\s+5\\s+3\\s+5\\s+−2\\s+national portal behind\\s+2\\n`));
    expect(h49).not.toContain('1.001');
    expect(h49).toContain('1 per-procedure line not shown');

    const h12 = t.slice(t.indexOf('H26 Hà Nội: 3 mismatches'));
    expect(h12).toContain(`duplicated nationally (1):\n    ${AG}-261005-0007`);
    expect(h12).toContain(
      `gap not explained by any dossier (3):\n    ${AG} · received: residual +1 (examined: national list 6, store 4)`,
    );
    expect(h12).toContain(`${AG} · 1.002 · online: residual +1`);
    // The residual shows where it is not zero.
    expect(h12).toMatch(new RegExp(`${AG}\\s+processed\\s+4\\s+2\\s+−2\\s+−2\\s+0\\n`));
  });

  it('table with detail lists the per-procedure lines under their agency', () => {
    const t = formatReport(report, 'table', 'en', { detail: true });
    expect(t).toMatch(/AGENCY\s+PROCEDURE\s+METRIC/);
    // The agency's totals first, then its procedures.
    expect(t).toMatch(
      new RegExp(`${AG}\\s+received[^\\n]*\\n${AG}\\s+to process[^\\n]*\\n${AG}\\s+1\\.001\\s+received\\s+5\\s+3`),
    );
    expect(t).toMatch(new RegExp(`${AG}\\s+1\\.002\\s+online\\s+1\\s+2\\s+\\+1\\s+\\+1\\s+0`));
    expect(t).not.toContain('not shown');
  });

  it('Markdown in Vietnamese leads with the account and uses the Vietnamese labels', () => {
    const md = formatReport(report, 'md', 'vi');
    expect(md).toContain('## Lượt đối soát r1');
    expect(md).toContain('## H49 Quảng Ninh: 3 sai lệch, tất cả được giải thích bởi 2 hồ sơ');
    expect(md).toContain(
      '## H26 Hà Nội: 3 sai lệch, 3 chưa giải thích được (còn lệch +1, −2, +1), số còn lại được giải thích bởi 1 hồ sơ',
    );
    expect(md).toContain(`- **chưa đồng bộ lên Cổng quốc gia** (2): \`${AG}-261002-0001\`, \`${AG}-261002-0002\``);
    expect(md).toContain(`  - ${AG} · đã xử lý: còn lệch −2 (đã xem xét: national list 6, store 4)`);
    expect(md).toContain(
      '| ĐƠN VỊ | CHỈ TIÊU | TÍNH TỪ KHO | QUỐC GIA | TỈNH BÁO CÁO | CHÊNH | KẾT LUẬN | CÒN LỆCH | SỐ HỒ SƠ |',
    );
    expect(md).toContain(`| ${AG} | tiếp nhận trong kỳ | 5 | 3 | 5 | −2 | Cổng quốc gia chưa cập nhật |  | 2 |`);
    expect(md).toContain('1 dòng theo thủ tục không hiển thị');
  });

  it('a report stored before residuals says what was not examined instead of claiming all is explained', () => {
    const old = structuredClone(report);
    for (const m of old.provinces[0]!.mismatches) delete m.residual;
    expect(formatReport(old, 'table', 'en')).toContain(
      'H49 Quảng Ninh: 3 mismatches, 2 dossiers found, 3 not examined',
    );
  });
});

/** A workbook read back as exceljs reads it: each sheet's rows as plain values. */
async function readBack(buf: Buffer): Promise<Map<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return new Map(
    wb.worksheets.map((ws) => {
      const rows: unknown[][] = [];
      ws.eachRow({ includeEmpty: true }, (row) => rows.push((row.values as unknown[]).slice(1).map((v) => v ?? '')));
      return [ws.name, rows];
    }),
  );
}
/** The rows under a sheet's header row, as objects keyed by header. */
function records(rows: unknown[][], firstHeader: string): Record<string, unknown>[] {
  const at = rows.findIndex((r) => r[0] === firstHeader);
  const head = rows[at]! as string[];
  return rows.slice(at + 1).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

describe('report --format xlsx', () => {
  it("has the summary, mismatches and findings sheets with Vietnamese headers, figures as numbers and both sides' evidence", async () => {
    const sheets = await readBack(await reportXlsx(report, 'vi'));
    expect([...sheets.keys()]).toEqual(['Tổng hợp', 'Chênh lệch', 'Hồ sơ']);

    const summary = sheets.get('Tổng hợp')!;
    expect(summary[0]).toEqual(['Lượt đối soát r1']);
    const provinces = records(summary, 'MÃ');
    expect(
      provinces.map((p) => [p['MÃ'], p['TỈNH'], p['PHẠM VI'], p['SAI LỆCH'], p['HỒ SƠ LỆCH'], p['CHƯA GIẢI THÍCH']]),
    ).toEqual([
      ['H49', 'H49 Quảng Ninh', 'đầy đủ', 3, 2, 0],
      ['H56', 'H56 Thanh Hóa', 'thất bại', 0, 0, 0],
      ['H26', 'H26 Hà Nội', 'đầy đủ', 3, 1, 3],
    ]);
    expect(provinces[0]!['GIẢI THÍCH']).toBe('3 sai lệch, tất cả được giải thích bởi 2 hồ sơ');
    expect(provinces[1]!['LÝ DO']).toBe('source h56: HTTP 503, "busy"');

    const mismatches = records(sheets.get('Chênh lệch')!, 'MÃ');
    expect(mismatches).toHaveLength(6); // every line, per procedure too
    expect(mismatches[0]).toMatchObject({
      MÃ: 'H49',
      'ĐƠN VỊ': AG,
      'THỦ TỤC': '',
      'CHỈ TIÊU': 'tiếp nhận trong kỳ',
      'TÍNH TỪ KHO': 5,
      'QUỐC GIA': 3,
      'TỈNH BÁO CÁO': 5,
      CHÊNH: -2,
      'KẾT LUẬN': 'Cổng quốc gia chưa cập nhật',
      'CÒN LỆCH': 0,
      'SỐ HỒ SƠ': 2,
      'DO CÁC HỒ SƠ': `${AG}-261002-0001, ${AG}-261002-0002`,
    });
    expect(mismatches.filter((m) => m['MÃ'] === 'H26').map((m) => m['CÒN LỆCH'])).toEqual([1, -2, 1]);

    const findings = records(sheets.get('Hồ sơ')!, 'MÃ');
    const dup = findings.find((f) => f['MÃ HỒ SƠ'] === duplicate.dossierCode)!;
    expect(dup).toMatchObject({
      'NGUYÊN NHÂN': 'trùng trên Cổng quốc gia',
      'KHO · trạng thái': 2,
      'CỔNG QUỐC GIA · trạng thái': 2,
      'KHO · ngày tiếp nhận (GMT+7)': '2026-10-05 08:00',
      'CỔNG QUỐC GIA · ngày tiếp nhận (GMT+7)': '2026-10-05 08:00',
      'CỔNG QUỐC GIA · mã hồ sơ': duplicate.dossierCode,
      'CỔNG QUỐC GIA · thủ tục': '1.001',
    });
    const lost = findings.find((f) => f['MÃ HỒ SƠ'] === `${AG}-261002-0001`)!;
    expect(lost['KHO · mã hồ sơ']).toBe(`${AG}-261002-0001`);
    expect(lost['CỔNG QUỐC GIA · mã hồ sơ']).toBe(''); // nothing on the national side
    expect(lost['CHỈ TIÊU']).toBe('tiếp nhận trong kỳ, tổng số xử lý');
    const unexplained = findings.filter((f) => f['NGUYÊN NHÂN'] === 'chênh lệch chưa giải thích được');
    expect(unexplained.map((f) => [f['THỦ TỤC'], f['CHỈ TIÊU'], f['CÒN LỆCH'], f['ĐÃ XEM XÉT']])).toEqual([
      ['', 'tiếp nhận trong kỳ', 1, 'national list 6, store 4'],
      ['', 'đã xử lý', -2, 'national list 6, store 4'],
      ['1.002', 'trực tuyến', 1, 'national list 6, store 4'],
    ]);
  });

  it('has English sheet names and headers with --lang en', async () => {
    const sheets = await readBack(await reportXlsx(report, 'en'));
    expect([...sheets.keys()]).toEqual(['Summary', 'Mismatches', 'Findings']);
    expect(records(sheets.get('Mismatches')!, 'CODE')[0]).toMatchObject({
      AGENCY: AG,
      METRIC: 'received',
      DIFF: -2,
      RESIDUAL: 0,
      'EXPLAINED BY': `${AG}-261002-0001, ${AG}-261002-0002`,
    });
    expect(Object.keys(records(sheets.get('Findings')!, 'CODE')[0]!)).toContain('NATIONAL · received (GMT+7)');
  });

  it('goes to --out, or to standard output only when that is not a terminal', async () => {
    expect(() => checkReportOutput({ format: 'xlsx' }, { isTTY: true })).toThrow(
      /--format xlsx writes a binary workbook: give --out FILE/,
    );
    expect(() => checkReportOutput({ format: 'xlsx', out: 'r.xlsx' }, { isTTY: true })).not.toThrow();
    expect(() => checkReportOutput({ format: 'table' }, { isTTY: true })).not.toThrow();

    const piped = Object.assign(new PassThrough(), { isTTY: false });
    const chunks: Buffer[] = [];
    piped.on('data', (c: Buffer) => chunks.push(c));
    await writeReport(report, { format: 'xlsx', lang: 'en' }, piped);
    expect([...(await readBack(Buffer.concat(chunks))).keys()]).toEqual(['Summary', 'Mismatches', 'Findings']);

    const dir = await mkdtemp(join(tmpdir(), 'dossier-sync-report-'));
    try {
      await writeReport(
        report,
        { format: 'md', lang: 'vi', detail: true, out: join(dir, 'r.md') },
        Object.assign(new PassThrough(), { isTTY: true }),
      );
      expect(await readFile(join(dir, 'r.md'), 'utf8')).toBe(`${formatReport(report, 'md', 'vi', { detail: true })}\n`);
      await writeReport(
        report,
        { format: 'xlsx', lang: 'vi', out: join(dir, 'r.xlsx') },
        Object.assign(new PassThrough(), { isTTY: true }),
      );
      expect([...(await readBack(await readFile(join(dir, 'r.xlsx')))).keys()]).toEqual([
        'Tổng hợp',
        'Chênh lệch',
        'Hồ sơ',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
