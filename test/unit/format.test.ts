import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../schemas/report.js';
import { formatReport } from '../../src/cli/format.js';

const report: RunReport = {
  runId: 'r1',
  period: { from: '2026-10-01', to: '2026-10-31' },
  window: { to: '2026-11-01T19:00:00.000Z' },
  startedAt: '2026-11-01T19:00:00.000Z',
  finishedAt: '2026-11-01T19:01:00.000Z',
  status: 'complete',
  provinces: [
    {
      province: 'H49',
      coverage: { status: 'complete', why: null },
      sources: [{ id: 'h49', status: 'complete', error: null, pulled: 10, applied: 8, unchanged: 1, quarantined: 1, pages: 1, retries: 3 }],
      agencies: 2,
      mismatches: [{ agency: '000.00.12.H49', procedure: null, metric: 'received', local: 5, national: 4, provincial: null }],
      findings: [
        {
          dossierCode: '000.00.12.H49-261002-0001',
          agency: '000.00.12.H49',
          kind: 'missing_national',
          metrics: ['received', 'toProcess'],
          evidence: { local: null, national: null },
        },
      ],
      incidents: [{ key: 'H49|2026-10-01..2026-10-31|000.00.12.H49|*|received', event: 'opened', gap: 1 }],
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
  ],
};

describe('formatReport', () => {
  it('json is the report itself', () => {
    expect(JSON.parse(formatReport(report, 'json'))).toEqual(report);
  });

  it('csv has one row per mismatch and per finding, quoting where needed', () => {
    const lines = formatReport(report, 'csv').split('\n');
    expect(lines).toEqual([
      'run_id,province,coverage,row,agency,procedure,metric,local,national,provincial,dossier_code,kind,verdict',
      'r1,H49,complete,mismatch,000.00.12.H49,,received,5,4,,,,',
      'r1,H49,complete,finding,000.00.12.H49,,received toProcess,,,,000.00.12.H49-261002-0001,missing_national,',
    ]);
  });

  it('table in English sums the sources, shows why a province failed and the findings by kind', () => {
    const t = formatReport(report, 'table', 'en');
    // Provinces are named from the unit registry for people; CSV and JSON keep the code alone.
    expect(t).toMatch(/H49 Quảng Ninh\s+complete\s+10\s+8\s+1\s+1\s+2\s+1\s+1\s+3/);
    expect(t).toMatch(/FINDINGS\s+HTTP RETRIES/);
    expect(t).toContain('H56 Thanh Hóa: failed: source h56: HTTP 503, "busy"');
    expect(t).toMatch(/not synced to the national portal\s+000\.00\.12\.H49-261002-0001/);
  });

  it('Markdown in Vietnamese uses the Vietnamese labels in tables', () => {
    const md = formatReport(report, 'md', 'vi');
    expect(md).toContain('## Lượt đối soát r1');
    expect(md).toContain('## H49 Quảng Ninh: ');
    expect(md).toContain('| ĐƠN VỊ | THỦ TỤC | CHỈ TIÊU |');
    expect(md).toContain('| 000.00.12.H49 |  | tiếp nhận trong kỳ | 5 | 4 |  | -1 |');
    expect(md).toContain('chưa đồng bộ lên Cổng quốc gia');
  });
});
