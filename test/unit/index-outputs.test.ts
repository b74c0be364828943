/**
 * The service index where decisions are made: the report in every format (table, Markdown,
 * JSON, CSV, xlsx), the run summary alert and the Prometheus gauges, on a hand-computed world:
 * 10 dossiers held, 2 never synced, 1 finished on time that the portal still shows in progress
 * and overdue. Every output says the points are an estimate.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { indexConfig } from '../../schemas/index-points.js';
import { runReport, type RunReport } from '../../schemas/report.js';
import { docOf, textOf } from '../../src/alerts/message.js';
import { planAlerts } from '../../src/alerts/plan.js';
import { formatReport } from '../../src/cli/format.js';
import { reportXlsx } from '../../src/cli/xlsx.js';
import { makePeriod } from '../../src/domain/period.js';
import { toFinding } from '../../src/reconcile/classify.js';
import { DEFAULT_RULES } from '../../src/reconcile/counting.js';
import { provinceIndex, tallyOf } from '../../src/reconcile/index-points.js';
import { registryOf, type MetricsSnapshot } from '../../src/server/metrics.js';
import { octoberRun, vn } from '../helpers/fixtures.js';

const DAY = 86_400_000;
const AG = '000.00.12.H49';
const period = makePeriod('2026-10-01', '2026-10-31');

function dossier(i: number, over: Partial<CanonicalDossier> = {}): CanonicalDossier {
  const receivedAt = vn('2026-10-02T08:00:00') + i * DAY;
  return {
    code: `${AG}-2610${String(2 + i).padStart(2, '0')}-000${i}`,
    agency: AG,
    procedure: '1.001',
    status: 10,
    channel: 2,
    digitised: true,
    paidOnline: false,
    receivedAt,
    dueAt: receivedAt + 5 * DAY,
    finishedAt: receivedAt + 2 * DAY,
    returnedAt: receivedAt + 2 * DAY,
    updatedAt: receivedAt + 2 * DAY,
    ...over,
  };
}

const local = Array.from({ length: 10 }, (_, i) => dossier(i));
// a lag: the portal's copy is behind on the same path, and older (a push of the finish never came)
const lagging = { ...local[2]!, status: 4, finishedAt: null, returnedAt: null, updatedAt: local[2]!.updatedAt - DAY };
const national = [...local.slice(3), lagging];
// the findings as the explanation gives them, with the metrics of the keys they were found in
const findings = [
  toFinding(AG, 'received', local[0], undefined),
  toFinding(AG, 'received', local[1], undefined),
  toFinding(AG, 'onTime', local[2], lagging),
].map((f, i) => ({
  ...f,
  metrics:
    i < 2
      ? ['digitised', 'onTime', 'online', 'processed', 'received', 'toProcess']
      : ['onTime', 'overdue', 'processed', 'unprocessed'],
}));
const index = provinceIndex(
  {
    local: tallyOf(local, period, DEFAULT_RULES),
    national: { ...tallyOf(national, period, DEFAULT_RULES), waiting: 0 },
    expected: 10,
  },
  findings,
  period,
  DEFAULT_RULES,
  indexConfig.parse(undefined),
);
const report: RunReport = octoberRun([
  {
    province: 'H49',
    coverage: { status: 'complete', why: null },
    sources: [],
    agencies: 1,
    mismatches: [],
    findings,
    incidents: [],
    index,
  },
]);

describe('the index, by hand', () => {
  it('8 of 10 synced, 7 of 8 on time and 1 of 8 overdue nationally; the lag regains most, then the 2 unsynced', () => {
    const by = Object.fromEntries(index.indicators.map((i) => [i.id, [i.local.points, i.national.points]]));
    expect(by['1.4']).toEqual([6, 4.8]); // 8/10 of 6
    expect(by['2.1']).toEqual([20, 17.5]); // 7/8 of 20
    expect(by['3.3']).toEqual([2, 2]); // 8/10 online: past 50%
    expect(by['4.3']).toEqual([2, 2]);
    expect(by['5.4']).toEqual([6, 5.833333]); // 87.5% not overdue: 87.5/90 of 6
    // the lag: 2.1 7/8 → 8/8 = +2.5, 5.4 87.5% → 100% = +1/6
    // the unsynced: 1.4 8/10 → 10/10 = +1.2, 2.1 7/8 → 9/10 = +0.5, 5.4 87.5% → 90% = +1/6
    expect(index.byCause).toEqual([
      {
        cause: 'status_lag',
        dossiers: 1,
        points: 2.666667,
        indicators: [
          { id: '2.1', points: 2.5 },
          { id: '5.4', points: 0.166667 },
        ],
      },
      {
        cause: 'missing_national',
        dossiers: 2,
        points: 1.866667,
        indicators: [
          { id: '1.4', points: 1.2 },
          { id: '2.1', points: 0.5 },
          { id: '5.4', points: 0.166667 },
        ],
      },
    ]);
  });
});

describe('every report format', () => {
  it('table: the indicators on both sides, the stakes by cause and by agency, the estimate note', () => {
    const t = formatReport(report, 'table', 'en');
    expect(t).toContain('H49 Quảng Ninh: National service index (Decision 766), estimate');
    expect(t).toMatch(/1\.4 synced\s+6\.00\s+100\.00%\s+6\.00\s+80\.00%\s+4\.80\s+−1\.20/);
    expect(t).toMatch(/Total\s+36\.00\s+\S+\s+\S+\s+−\d\.\d\d/);
    expect(t).toContain(
      'Points at stake by cause (estimate) (2):\n    status_lag: 1 dossier, +2.67 points (2.1 on time, 5.4 not overdue)\n    missing_national: 2 dossiers, +1.87 points (1.4 synced, 2.1 on time, 5.4 not overdue)',
    );
    expect(t).toContain(`Points at stake by agency (estimate) (1):\n    ${AG}: 3 dossiers`);
    expect(t).toMatch(/Estimate: computed by this tool/);
  });

  it('Markdown, in Vietnamese', () => {
    const md = formatReport(report, 'md', 'vi');
    expect(md).toContain('## H49 Quảng Ninh: Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766), ước tính');
    expect(md).toMatch(/\| 1\.4 đồng bộ lên Cổng \| 6\.00 \| 100\.00% \| 6\.00 \| 80\.00% \| 4\.80 \| −1\.20 \|/);
    expect(md).toContain('- **Điểm có thể lấy lại theo nguyên nhân (ước tính)** (2):');
    expect(md).toContain('  - missing\\_national: 2 hồ sơ, +');
  });

  it('JSON: the index in the report, valid against its schema', () => {
    const back = runReport.parse(JSON.parse(formatReport(report, 'json')));
    expect(back.provinces[0]!.index).toEqual(index);
    expect(back.provinces[0]!.index!.estimate).toBe(true);
  });

  it('CSV: one index row per indicator and one index_stake row per cause and agency, every row as wide as the header', () => {
    const lines = formatReport(report, 'csv').slice(1).split('\n');
    const width = lines[0]!.split(',').length;
    expect(lines.every((l) => l.split(',').length === width)).toBe(true);
    expect(lines).toContain('r1,H49,complete,index,,,1.4,6,4.8,,,estimate,,,,-1.2,');
    expect(lines).toContain('r1,H49,complete,index_stake,,,1.4 2.1 5.4,,,,,missing_national,,,,1.866667,2');
    expect(lines).toContain(
      `r1,H49,complete,index_stake,${AG},,${index.byAgency[0]!.indicators.map((i) => i.id).join(' ')},,,,,,,,,${index.byAgency[0]!.points},3`,
    );
  });

  it('xlsx: a sheet of the index, headed by the estimate note', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(report, 'en')) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Service index')!;
    expect(ws.getRow(1).getCell(1).value).toBe('National service index (Decision 766), estimate');
    expect(String(ws.getRow(2).getCell(1).value)).toMatch(/^Estimate/);
    const rows = ws.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows.find((r) => r[2] === '1.4 synced')?.slice(1)).toEqual([
      'H49',
      '1.4 synced',
      6,
      1,
      6,
      0.8,
      4.8,
      -1.2,
      '',
    ]);
    expect(rows.find((r) => r[2] === 'Cause: status_lag')?.slice(8)).toEqual([2.666667, 1]);
    expect(rows.find((r) => r[2] === `Agency: ${AG}`)?.slice(8)).toEqual([3.866667, 3]);
  });
});

describe('the run summary alert', () => {
  it("says each province's points on both sides and the causes with most points at stake", () => {
    const alerts = { groupBy: 'province' as const, repeatHours: 0, summary: 'always' as const };
    const { planned } = planAlerts(report, [], {
      alerts,
      now: Date.parse('2026-11-02T00:00:00Z'),
      lastSent: new Map(),
    });
    const summary = planned.find((p) => p.alert.type === 'summary')!.alert;
    const text = textOf(docOf(summary, 'en'));
    expect(text).toContain('Points at stake by cause (estimate)');
    expect(text).toContain(
      `H49 Quảng Ninh: ${index.total.national.toFixed(2)} of 36.00 points on the portal, 36.00 from the province's data (estimate)`,
    );
    expect(text).toContain(
      'H49 Quảng Ninh · missing_national: 2 dossiers, +1.87 points (1.4 synced, 2.1 on time, 5.4 not overdue)',
    );
    expect(textOf(docOf(summary, 'vi'))).toContain('điểm trên Cổng');
  });
});

describe('the gauges', () => {
  it('dossier_sync_index_points{province,indicator,side}', async () => {
    const s: MetricsSnapshot = {
      lastRun: null,
      sources: [],
      failedJobs: {},
      openIncidents: {},
      queue: {},
      national: {},
      index: [
        { province: 'H49', indicator: '1.4', side: 'local', points: 6 },
        { province: 'H49', indicator: '1.4', side: 'national', points: 4.8 },
      ],
    };
    const text = await registryOf(s).metrics();
    expect(text).toContain('dossier_sync_index_points{province="H49",indicator="1.4",side="national"} 4.8');
    expect(text).toMatch(/# HELP dossier_sync_index_points .*estimate/);
  });
});
