/** Labels of the reports, in Vietnamese (the users' own language) and English. */
import type { IncidentCause, ProvincialStats, Verdict } from '../../schemas/report.js';
import type { Metric } from '../domain/figures.js';
import { residualList, type Account } from './account.js';

export const LANGS = ['vi', 'en'] as const;
/** What each side of a finding's evidence holds, in the order the spreadsheet and the dossier page show it. */
export const EVIDENCE_FIELDS = [
  'code',
  'agency',
  'procedure',
  'status',
  'receivedAt',
  'dueAt',
  'finishedAt',
  'returnedAt',
  'updatedAt',
] as const;
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];
export type Lang = (typeof LANGS)[number];

interface Labels {
  run: string;
  period: string;
  status: Record<'running' | 'complete', string>;
  coverage: Record<'complete' | 'partial' | 'failed', string>;
  columns: Record<
    | 'province'
    | 'coverage'
    | 'pulled'
    | 'applied'
    | 'unchanged'
    | 'quarantined'
    | 'agencies'
    | 'mismatches'
    | 'findings'
    | 'agency'
    | 'procedure'
    | 'metric'
    | 'local'
    | 'national'
    | 'provincial'
    | 'diff'
    | 'verdict'
    | 'dossier'
    | 'kind'
    | 'metrics'
    | 'retries'
    | 'residual'
    | 'explainedBy'
    | 'unexplained',
    string
  >;
  /** The line a province opens with: its mismatches, the dossiers that explain them, what is left unexplained. */
  account: (a: Account) => string;
  /** Under the agency totals when the per-procedure lines are left out. */
  hiddenLines: (n: number) => string;
  /** Before what was examined for a key left unexplained. */
  examined: string;
  /** The spreadsheet (`report --format xlsx`): its sheets and the headers the other formats do not have. */
  xlsx: {
    sheets: Record<'summary' | 'mismatches' | 'findings', string>;
    headers: Record<'code' | 'why' | 'account' | 'started' | 'finished' | 'explainedCodes' | 'examined', string>;
    /** The two sides of a finding's evidence. */
    sides: Record<'local' | 'national', string>;
  };
  /** The fields of a finding's evidence (the spreadsheet's columns, the dossier page's rows). */
  evidenceField: Record<EvidenceField, string>;
  mismatchesOf: string;
  findingsOf: string;
  metric: Record<Metric, string>;
  /** Each finding kind, and each cause an incident follows. */
  kind: Record<IncidentCause, string>;
  verdict: Record<Verdict, string>;
  /** The line under a province whose run checked dossiers pushed by an earlier repair. */
  repairChecks: (verified: number, failed: string[]) => string;
  /** The line under a province whose own statistics were not compared. */
  provincialStats: Record<Exclude<ProvincialStats['status'], 'ok'>, string>;
}

const en: Labels = {
  repairChecks: (verified, failed) =>
    `pushes of an earlier repair checked: ${verified} verified (no longer found), ${failed.length} repair_failed (still found)${failed.length ? `: ${failed.join(', ')}` : ''}`,
  run: 'Run',
  period: 'period',
  status: { running: 'running', complete: 'complete' },
  coverage: { complete: 'complete', partial: 'partial', failed: 'failed' },
  columns: {
    province: 'PROVINCE',
    coverage: 'COVERAGE',
    pulled: 'PULLED',
    applied: 'APPLIED',
    unchanged: 'UNCHANGED',
    quarantined: 'QUARANTINED',
    agencies: 'AGENCIES',
    mismatches: 'MISMATCHES',
    findings: 'FINDINGS',
    agency: 'AGENCY',
    procedure: 'PROCEDURE',
    metric: 'METRIC',
    local: 'LOCAL',
    national: 'NATIONAL',
    provincial: 'PROVINCIAL',
    diff: 'DIFF',
    verdict: 'VERDICT',
    dossier: 'DOSSIER',
    kind: 'KIND',
    metrics: 'METRICS',
    retries: 'HTTP RETRIES',
    residual: 'RESIDUAL',
    explainedBy: 'DOSSIERS',
    unexplained: 'UNEXPLAINED',
  },
  account: (a) => {
    const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
    if (a.mismatches === 0) return 'no mismatch';
    const parts = [n(a.mismatches, 'mismatch', 'mismatches')];
    if (a.residuals.length) {
      parts.push(`${a.residuals.length} unexplained (residual ${residualList(a.residuals)})`);
      if (a.dossiers) parts.push(`the others explained by ${n(a.dossiers, 'dossier')}`);
    } else if (a.unexamined) parts.push(`${n(a.dossiers, 'dossier')} found`);
    else parts.push(a.dossiers ? `all explained by ${n(a.dossiers, 'dossier')}` : 'none left unexplained');
    if (a.unexamined) parts.push(`${a.unexamined} not examined`);
    return parts.join(', ');
  },
  hiddenLines: (k) => `${k} per-procedure line${k === 1 ? '' : 's'} not shown (--detail lists every line)`,
  examined: 'examined',
  xlsx: {
    sheets: { summary: 'Summary', mismatches: 'Mismatches', findings: 'Findings' },
    headers: {
      code: 'CODE',
      why: 'WHY',
      account: 'ACCOUNT',
      started: 'STARTED (GMT+7)',
      finished: 'FINISHED (GMT+7)',
      explainedCodes: 'EXPLAINED BY',
      examined: 'EXAMINED',
    },
    sides: { local: 'LOCAL', national: 'NATIONAL' },
  },
  evidenceField: {
    code: 'code',
    agency: 'agency',
    procedure: 'procedure',
    status: 'status',
    receivedAt: 'received (GMT+7)',
    dueAt: 'due (GMT+7)',
    finishedAt: 'finished (GMT+7)',
    returnedAt: 'returned (GMT+7)',
    updatedAt: 'updated (GMT+7)',
  },
  mismatchesOf: 'mismatches',
  findingsOf: 'findings',
  metric: {
    received: 'received',
    carriedOver: 'carried over',
    toProcess: 'to process',
    processed: 'processed',
    onTime: 'on time',
    late: 'late',
    unprocessed: 'unprocessed',
    unprocessedNotDue: 'unprocessed, not due',
    overdue: 'unprocessed, overdue',
    online: 'online',
    postal: 'postal',
    digitised: 'digitised',
  },
  kind: {
    missing_national: 'not synced to the national portal',
    missing_local: 'only on the national portal',
    status_lag: 'national status behind',
    date_shift: 'date shifted by 7 hours',
    code_divergence: 'codes differ',
    definition_drift: 'counted differently',
    duplicate_national: 'duplicated nationally',
    unexplained: 'gap not explained by any dossier',
    explanation_failed: 'gap not examined: the explanation failed',
  },
  verdict: {
    records_lost: 'records lost when pulling',
    province_misreports: 'province misreports',
    national_behind: 'national portal behind',
    national_ahead: 'national portal counts more',
    undetermined: 'undetermined',
  },
  provincialStats: {
    unavailable: 'provincial statistics unavailable, compared with the national figures only',
    'not offered': 'provincial statistics not offered, compared with the national figures only',
  },
};

const vi: Labels = {
  run: 'Lượt đối soát',
  period: 'kỳ',
  repairChecks: (verified, failed) =>
    `hồ sơ đã đồng bộ lại được kiểm tra: ${verified} đã khớp, ${failed.length} vẫn lệch${failed.length ? `: ${failed.join(', ')}` : ''}`,
  status: { running: 'đang chạy', complete: 'hoàn tất' },
  coverage: { complete: 'đầy đủ', partial: 'một phần', failed: 'thất bại' },
  columns: {
    province: 'TỈNH',
    coverage: 'PHẠM VI',
    pulled: 'ĐÃ KÉO',
    applied: 'CẬP NHẬT',
    unchanged: 'KHÔNG ĐỔI',
    quarantined: 'CÁCH LY',
    agencies: 'ĐƠN VỊ',
    mismatches: 'SAI LỆCH',
    findings: 'HỒ SƠ LỆCH',
    agency: 'ĐƠN VỊ',
    procedure: 'THỦ TỤC',
    metric: 'CHỈ TIÊU',
    local: 'TÍNH TỪ KHO',
    national: 'QUỐC GIA',
    provincial: 'TỈNH BÁO CÁO',
    diff: 'CHÊNH',
    verdict: 'KẾT LUẬN',
    dossier: 'MÃ HỒ SƠ',
    kind: 'NGUYÊN NHÂN',
    metrics: 'CHỈ TIÊU',
    retries: 'GỬI LẠI HTTP',
    residual: 'CÒN LỆCH',
    explainedBy: 'SỐ HỒ SƠ',
    unexplained: 'CHƯA GIẢI THÍCH',
  },
  account: (a) => {
    if (a.mismatches === 0) return 'không có sai lệch';
    const parts = [`${a.mismatches} sai lệch`];
    if (a.residuals.length) {
      parts.push(`${a.residuals.length} chưa giải thích được (còn lệch ${residualList(a.residuals)})`);
      if (a.dossiers) parts.push(`số còn lại được giải thích bởi ${a.dossiers} hồ sơ`);
    } else if (a.unexamined) parts.push(`tìm thấy ${a.dossiers} hồ sơ`);
    else
      parts.push(
        a.dossiers ? `tất cả được giải thích bởi ${a.dossiers} hồ sơ` : 'không còn chênh lệch chưa giải thích',
      );
    if (a.unexamined) parts.push(`${a.unexamined} chưa được xem xét`);
    return parts.join(', ');
  },
  hiddenLines: (k) => `${k} dòng theo thủ tục không hiển thị (--detail để xem mọi dòng)`,
  examined: 'đã xem xét',
  xlsx: {
    sheets: { summary: 'Tổng hợp', mismatches: 'Chênh lệch', findings: 'Hồ sơ' },
    headers: {
      code: 'MÃ',
      why: 'LÝ DO',
      account: 'GIẢI THÍCH',
      started: 'BẮT ĐẦU (GMT+7)',
      finished: 'KẾT THÚC (GMT+7)',
      explainedCodes: 'DO CÁC HỒ SƠ',
      examined: 'ĐÃ XEM XÉT',
    },
    sides: { local: 'KHO', national: 'CỔNG QUỐC GIA' },
  },
  evidenceField: {
    code: 'mã hồ sơ',
    agency: 'đơn vị',
    procedure: 'thủ tục',
    status: 'trạng thái',
    receivedAt: 'ngày tiếp nhận (GMT+7)',
    dueAt: 'hạn trả (GMT+7)',
    finishedAt: 'ngày có kết quả (GMT+7)',
    returnedAt: 'ngày trả kết quả (GMT+7)',
    updatedAt: 'cập nhật (GMT+7)',
  },
  mismatchesOf: 'sai lệch số liệu',
  findingsOf: 'hồ sơ sai lệch',
  metric: {
    received: 'tiếp nhận trong kỳ',
    carriedOver: 'tồn kỳ trước',
    toProcess: 'tổng số xử lý',
    processed: 'đã xử lý',
    onTime: 'đúng hạn',
    late: 'trễ hạn',
    unprocessed: 'chưa xử lý',
    unprocessedNotDue: 'chưa xử lý trong hạn',
    overdue: 'chưa xử lý quá hạn',
    online: 'trực tuyến',
    postal: 'bưu chính',
    digitised: 'có số hóa',
  },
  kind: {
    missing_national: 'chưa đồng bộ lên Cổng quốc gia',
    missing_local: 'chỉ có trên Cổng quốc gia',
    status_lag: 'trạng thái quốc gia chậm',
    date_shift: 'lệch ngày 7 giờ',
    code_divergence: 'lệch mã',
    definition_drift: 'khác cách tính',
    duplicate_national: 'trùng trên Cổng quốc gia',
    unexplained: 'chênh lệch chưa giải thích được',
    explanation_failed: 'chênh lệch chưa được xem xét: lượt giải thích bị lỗi',
  },
  verdict: {
    records_lost: 'mất hồ sơ khi đồng bộ về',
    province_misreports: 'tỉnh báo cáo sai',
    national_behind: 'Cổng quốc gia chưa cập nhật',
    national_ahead: 'Cổng quốc gia tính thừa',
    undetermined: 'chưa xác định',
  },
  provincialStats: {
    unavailable: 'không lấy được số liệu tỉnh báo cáo, chỉ đối chiếu với số liệu quốc gia',
    'not offered': 'nguồn không cung cấp số liệu thống kê, chỉ đối chiếu với số liệu quốc gia',
  },
};

export const LABELS: Record<Lang, Labels> = { en, vi };
