/** The dashboard's own labels (vi by default, en); the report's labels come from src/report/labels.ts. */
import type { Verdict } from '../../schemas/report.js';
import { LABELS as REPORT_LABELS, type Lang } from '../report/labels.js';
import { driftHeading } from '../report/drift.js';

interface PageLabels {
  title: string;
  nav: { runs: string; incidents: string; failed: string; quarantine: string; queues: string; metrics: string };
  latestRuns: string;
  noRuns: string;
  run: string;
  started: string;
  finished: string;
  status: string;
  provinces: string;
  summary: string;
  heatmap: string;
  heatmapHelp: string;
  legendNone: string;
  legendLess: string;
  legendMore: string;
  notCompared: string;
  failedJobs: (n: number) => string;
  mismatches: string;
  noMismatches: string;
  findings: string;
  noFindings: string;
  /** The section of counting rules the portal follows where ours differ. */
  driftRules: string;
  noDriftRules: string;
  incidentChanges: string;
  /** The heading of the dossiers a repair pushed to the portal (run and dossier pages). */
  repairs: string;
  noIncidentChanges: string;
  incidentEvent: Record<'opened' | 'still_open' | 'worsened' | 'resolved', string>;
  incidentStatus: Record<'open' | 'resolved', string>;
  incidents: string;
  noIncidents: string;
  key: string;
  gap: string;
  opened: string;
  updated: string;
  lastEvent: string;
  event: string;
  verdict: string;
  verdicts: Record<Verdict, string>;
  provincialStats: string;
  failed: string;
  noFailed: string;
  job: string;
  source: string;
  failedAt: string;
  attempts: string;
  error: string;
  replay: string;
  replayed: (oldId: string, newId: string) => string;
  quarantine: string;
  /** Followed by the command that releases the items. */
  quarantineHelp: string;
  noQuarantine: string;
  reason: string;
  count: string;
  latestItems: string;
  dossier: string;
  notFound: string;
  dossiers: (n: number) => string;
  cells: (count: number, gap: number) => string;
  mismatchCount: (agencies: number, procedures: number) => string;
  timesIn: string;
  provincialStatus: Record<'ok' | 'unavailable' | 'not offered', string>;
  account: string;
  trend: string;
  trendHelp: (runs: number) => string;
  trendSeries: Record<'mismatches' | 'findings' | 'unexplained', string>;
  evidence: (runId: string) => string;
  field: string;
  sides: Record<'local' | 'national', string>;
  notOnSide: string;
  differs: string;
  foundIn: string;
  relatedIncidents: string;
  noRelatedIncidents: string;
  searched: (runs: number) => string;
  incident: string;
  history: string;
  incidentDossiers: string;
  noIncidentDossiers: string;
  statusNames: Record<number, string>;
}

const en: PageLabels = {
  title: 'dossier-sync',
  nav: {
    runs: 'Runs',
    incidents: 'Incidents',
    failed: 'Failed batches',
    quarantine: 'Quarantine',
    queues: 'Queue',
    metrics: 'Metrics',
  },
  latestRuns: 'Latest reconciliation runs',
  noRuns: 'No reconciliation run yet.',
  run: 'Run',
  started: 'Started',
  finished: 'Finished',
  status: 'Status',
  provinces: 'Provinces',
  summary: 'Coverage per province',
  heatmap: 'Mismatches: province × metric',
  heatmapHelp:
    'Colour: total gap |national − local| of the agencies that differ; the number is how many agencies differ.',
  legendNone: 'none',
  legendLess: 'small gap',
  legendMore: 'large gap',
  notCompared: 'not compared',
  failedJobs: (n) => `${n} job(s) failed`,
  mismatches: 'Mismatches',
  noMismatches: 'No mismatch.',
  findings: 'Findings by kind',
  noFindings: 'No finding.',
  driftRules: driftHeading('en'),
  noDriftRules: 'The national figures follow our counting rules.',
  incidentChanges: 'Incident changes in this run',
  repairs: 'Pushed to the portal',
  noIncidentChanges: 'No incident changed.',
  incidentEvent: { opened: 'opened', still_open: 'still open', worsened: 'worsened', resolved: 'resolved' },
  incidentStatus: { open: 'open', resolved: 'resolved' },
  incidents: 'Incident history',
  noIncidents: 'No incident yet.',
  key: 'Key',
  gap: 'Gap',
  opened: 'Opened',
  updated: 'Updated',
  lastEvent: 'Last event',
  event: 'Event',
  verdict: 'Verdict',
  verdicts: {
    records_lost: 'records lost when pulling',
    province_misreports: 'province misreports',
    national_behind: 'national behind',
    national_ahead: 'national ahead',
    undetermined: 'undetermined',
  },
  provincialStats: 'Province figures',
  failed: 'Failed sync batches',
  noFailed: 'No failed sync batch.',
  job: 'Job',
  source: 'Source',
  failedAt: 'Failed at',
  attempts: 'Attempts',
  error: 'Error',
  replay: 'Replay',
  replayed: (o, n) => `Replayed ${o} as ${n}.`,
  quarantine: 'Quarantine',
  quarantineHelp:
    "Items that failed validation, per source and reason. A new vendor value is a mapping task: add it to the source's statusMap (or procedureMap), then run",
  noQuarantine: 'Nothing in quarantine.',
  reason: 'Reason',
  count: 'Items',
  latestItems: 'Items',
  dossier: 'Dossier',
  notFound: 'Not found',
  dossiers: (n) => `${n} dossier(s)`,
  cells: (c, g) => `${c} agency(ies), gap ${g}`,
  mismatchCount: (a, p) => `${a} agency total(s), ${p} per procedure`,
  timesIn: 'Times in Vietnam time (GMT+7).',
  provincialStatus: { ok: 'compared', unavailable: 'unavailable', 'not offered': 'not offered' },
  account: 'Explanation',
  trend: 'Trend',
  trendHelp: (n) =>
    `Per night (Vietnam time) over the last ${n} run(s): mismatched figures, dossiers found, and figures left unexplained.`,
  trendSeries: { mismatches: 'mismatches', findings: 'dossiers found', unexplained: 'unexplained' },
  evidence: (id) => `Evidence in run ${id}`,
  field: 'Field',
  sides: { local: 'Province (store)', national: 'National portal' },
  notOnSide: 'not on this side',
  differs: 'differs between the sides',
  foundIn: 'Runs that found it',
  relatedIncidents: 'Incidents it is part of',
  noRelatedIncidents: 'No incident holds it.',
  searched: (n) => `Searched the last ${n} run(s).`,
  incident: 'Incident',
  history: 'History',
  incidentDossiers: 'Dossiers behind it',
  noIncidentDossiers:
    'No dossier found for it in the runs kept (a figure left unexplained, or runs older than those kept).',
  statusNames: {
    1: 'submitted',
    2: 'accepted',
    3: 'refused',
    4: 'in progress',
    5: 'supplement requested',
    6: 'awaiting payment',
    7: 'withdrawn',
    8: 'stopped',
    9: 'finished',
    10: 'returned',
  },
};

const vi: PageLabels = {
  title: 'dossier-sync',
  nav: {
    runs: 'Lượt đối soát',
    incidents: 'Sự cố',
    failed: 'Lô đồng bộ lỗi',
    quarantine: 'Cách ly',
    queues: 'Hàng đợi',
    metrics: 'Chỉ số',
  },
  latestRuns: 'Các lượt đối soát gần nhất',
  noRuns: 'Chưa có lượt đối soát nào.',
  run: 'Lượt',
  started: 'Bắt đầu',
  finished: 'Kết thúc',
  status: 'Trạng thái',
  provinces: 'Tỉnh',
  summary: 'Phạm vi theo tỉnh',
  heatmap: 'Sai lệch: tỉnh × chỉ tiêu',
  heatmapHelp: 'Màu: tổng chênh lệch |quốc gia − kho| của các đơn vị sai lệch; con số là số đơn vị sai lệch.',
  legendNone: 'không có',
  legendLess: 'chênh ít',
  legendMore: 'chênh nhiều',
  notCompared: 'chưa đối chiếu',
  failedJobs: (n) => `${n} công việc thất bại`,
  mismatches: 'Sai lệch số liệu',
  noMismatches: 'Không có sai lệch.',
  findings: 'Hồ sơ sai lệch theo nguyên nhân',
  noFindings: 'Không có hồ sơ sai lệch.',
  driftRules: driftHeading('vi'),
  noDriftRules: 'Số liệu quốc gia đếm theo cùng quy tắc với hệ thống.',
  incidentChanges: 'Thay đổi sự cố trong lượt này',
  repairs: 'Đã gửi lên Cổng',
  noIncidentChanges: 'Không có sự cố nào thay đổi.',
  incidentEvent: { opened: 'mở mới', still_open: 'vẫn mở', worsened: 'nặng thêm', resolved: 'đã khắc phục' },
  incidentStatus: { open: 'đang mở', resolved: 'đã đóng' },
  incidents: 'Lịch sử sự cố',
  noIncidents: 'Chưa có sự cố nào.',
  key: 'Khóa',
  gap: 'Chênh',
  opened: 'Mở lúc',
  updated: 'Cập nhật',
  lastEvent: 'Sự kiện cuối',
  event: 'Sự kiện',
  verdict: 'Nhận định',
  verdicts: {
    records_lost: 'mất bản ghi khi kéo',
    province_misreports: 'tỉnh báo cáo sai',
    national_behind: 'quốc gia chậm',
    national_ahead: 'quốc gia thừa',
    undetermined: 'chưa xác định',
  },
  provincialStats: 'Số liệu tỉnh',
  failed: 'Lô đồng bộ lỗi',
  noFailed: 'Không có lô đồng bộ lỗi.',
  job: 'Công việc',
  source: 'Nguồn',
  failedAt: 'Lỗi lúc',
  attempts: 'Số lần thử',
  error: 'Lỗi',
  replay: 'Chạy lại',
  replayed: (o, n) => `Đã chạy lại ${o} thành ${n}.`,
  quarantine: 'Bản ghi bị cách ly',
  quarantineHelp:
    'Bản ghi không hợp lệ, theo nguồn và lý do. Giá trị mới của nhà cung cấp là việc cần ánh xạ: thêm vào statusMap (hoặc procedureMap) của nguồn, rồi chạy',
  noQuarantine: 'Không có bản ghi nào bị cách ly.',
  reason: 'Lý do',
  count: 'Số bản ghi',
  latestItems: 'Bản ghi',
  dossier: 'Hồ sơ',
  notFound: 'Không tìm thấy',
  dossiers: (n) => `${n} hồ sơ`,
  cells: (c, g) => `${c} đơn vị, chênh ${g}`,
  mismatchCount: (a, p) => `${a} theo đơn vị, ${p} theo thủ tục`,
  timesIn: 'Thời gian theo giờ Việt Nam (GMT+7).',
  provincialStatus: { ok: 'đã đối chiếu', unavailable: 'không lấy được', 'not offered': 'không cung cấp' },
  account: 'Giải thích',
  trend: 'Xu hướng',
  trendHelp: (n) =>
    `Theo đêm (giờ Việt Nam) trong ${n} lượt gần nhất: số liệu sai lệch, hồ sơ sai lệch tìm thấy, số liệu chưa giải thích được.`,
  trendSeries: { mismatches: 'sai lệch', findings: 'hồ sơ lệch', unexplained: 'chưa giải thích' },
  evidence: (id) => `Bằng chứng ở lượt ${id}`,
  field: 'Trường',
  sides: { local: 'Tỉnh (kho)', national: 'Cổng quốc gia' },
  notOnSide: 'không có ở phía này',
  differs: 'khác nhau giữa hai phía',
  foundIn: 'Các lượt phát hiện',
  relatedIncidents: 'Sự cố liên quan',
  noRelatedIncidents: 'Không thuộc sự cố nào.',
  searched: (n) => `Đã tìm trong ${n} lượt gần nhất.`,
  incident: 'Sự cố',
  history: 'Lịch sử',
  incidentDossiers: 'Hồ sơ gây ra',
  noIncidentDossiers:
    'Không tìm thấy hồ sơ nào trong các lượt còn lưu (số liệu chưa giải thích được, hoặc các lượt cũ hơn).',
  statusNames: {
    1: 'mới nộp',
    2: 'đã tiếp nhận',
    3: 'từ chối',
    4: 'đang xử lý',
    5: 'yêu cầu bổ sung',
    6: 'chờ thanh toán',
    7: 'rút hồ sơ',
    8: 'dừng xử lý',
    9: 'đã có kết quả',
    10: 'đã trả kết quả',
  },
};

export const PAGE_LABELS: Record<Lang, PageLabels> = { en, vi };
export { REPORT_LABELS };
export type { Lang };
