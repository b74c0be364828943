/** Labels of the reports, in Vietnamese (the users' own language) and English. */
import type { FindingKind, ProvincialStats, Verdict } from '../../schemas/report.js';
import type { Metric } from '../reconcile/counting.js';

export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];

interface Labels {
  run: string;
  period: string;
  status: Record<'running' | 'complete', string>;
  coverage: Record<'complete' | 'partial' | 'failed', string>;
  columns: Record<
    'province' | 'coverage' | 'pulled' | 'applied' | 'unchanged' | 'quarantined' | 'agencies' | 'mismatches' | 'findings' |
    'agency' | 'procedure' | 'metric' | 'local' | 'national' | 'provincial' | 'diff' | 'verdict' | 'dossier' | 'kind' | 'metrics' |
    'retries',
    string
  >;
  mismatchesOf: string;
  findingsOf: string;
  metric: Record<Metric, string>;
  kind: Record<FindingKind, string>;
  verdict: Record<Verdict, string>;
  /** The line under a province whose own statistics were not compared. */
  provincialStats: Record<Exclude<ProvincialStats['status'], 'ok'>, string>;
}

const en: Labels = {
  run: 'Run',
  period: 'period',
  status: { running: 'running', complete: 'complete' },
  coverage: { complete: 'complete', partial: 'partial', failed: 'failed' },
  columns: {
    province: 'PROVINCE', coverage: 'COVERAGE', pulled: 'PULLED', applied: 'APPLIED', unchanged: 'UNCHANGED',
    quarantined: 'QUARANTINED', agencies: 'AGENCIES', mismatches: 'MISMATCHES', findings: 'FINDINGS', agency: 'AGENCY',
    procedure: 'PROCEDURE', metric: 'METRIC', local: 'LOCAL', national: 'NATIONAL', provincial: 'PROVINCIAL', diff: 'DIFF',
    verdict: 'VERDICT', dossier: 'DOSSIER', kind: 'KIND', metrics: 'METRICS', retries: 'HTTP RETRIES',
  },
  mismatchesOf: 'mismatches',
  findingsOf: 'findings',
  metric: {
    received: 'received', carriedOver: 'carried over', toProcess: 'to process', processed: 'processed', onTime: 'on time',
    late: 'late', unprocessed: 'unprocessed', unprocessedNotDue: 'unprocessed, not due', overdue: 'unprocessed, overdue',
    online: 'online', postal: 'postal', digitised: 'digitised',
  },
  kind: {
    missing_national: 'not synced to the national portal', missing_local: 'only on the national portal',
    status_lag: 'national status behind', date_shift: 'date shifted by 7 hours', code_divergence: 'codes differ',
    definition_drift: 'counted differently', duplicate_national: 'duplicated nationally',
    unexplained: 'gap not explained by any dossier',
  },
  verdict: {
    records_lost: 'records lost when pulling', province_misreports: 'province misreports',
    national_behind: 'national portal behind', national_ahead: 'national portal counts more', undetermined: 'undetermined',
  },
  provincialStats: {
    unavailable: 'provincial statistics unavailable, compared with the national figures only',
    'not offered': 'provincial statistics not offered, compared with the national figures only',
  },
};

const vi: Labels = {
  run: 'Lượt đối soát',
  period: 'kỳ',
  status: { running: 'đang chạy', complete: 'hoàn tất' },
  coverage: { complete: 'đầy đủ', partial: 'một phần', failed: 'thất bại' },
  columns: {
    province: 'TỈNH', coverage: 'PHẠM VI', pulled: 'ĐÃ KÉO', applied: 'CẬP NHẬT', unchanged: 'KHÔNG ĐỔI',
    quarantined: 'CÁCH LY', agencies: 'ĐƠN VỊ', mismatches: 'SAI LỆCH', findings: 'HỒ SƠ LỆCH', agency: 'ĐƠN VỊ',
    procedure: 'THỦ TỤC', metric: 'CHỈ TIÊU', local: 'TÍNH TỪ KHO', national: 'QUỐC GIA', provincial: 'TỈNH BÁO CÁO', diff: 'CHÊNH',
    verdict: 'KẾT LUẬN', dossier: 'MÃ HỒ SƠ', kind: 'NGUYÊN NHÂN', metrics: 'CHỈ TIÊU', retries: 'GỬI LẠI HTTP',
  },
  mismatchesOf: 'sai lệch số liệu',
  findingsOf: 'hồ sơ sai lệch',
  metric: {
    received: 'tiếp nhận trong kỳ', carriedOver: 'tồn kỳ trước', toProcess: 'tổng số xử lý', processed: 'đã xử lý',
    onTime: 'đúng hạn', late: 'trễ hạn', unprocessed: 'chưa xử lý', unprocessedNotDue: 'chưa xử lý trong hạn',
    overdue: 'chưa xử lý quá hạn', online: 'trực tuyến', postal: 'bưu chính', digitised: 'có số hóa',
  },
  kind: {
    missing_national: 'chưa đồng bộ lên Cổng quốc gia', missing_local: 'chỉ có trên Cổng quốc gia',
    status_lag: 'trạng thái quốc gia chậm', date_shift: 'lệch ngày 7 giờ', code_divergence: 'lệch mã',
    definition_drift: 'khác cách tính', duplicate_national: 'trùng trên Cổng quốc gia',
    unexplained: 'chênh lệch chưa giải thích được',
  },
  verdict: {
    records_lost: 'mất hồ sơ khi đồng bộ về', province_misreports: 'tỉnh báo cáo sai',
    national_behind: 'Cổng quốc gia chưa cập nhật', national_ahead: 'Cổng quốc gia tính thừa', undetermined: 'chưa xác định',
  },
  provincialStats: {
    unavailable: 'không lấy được số liệu tỉnh báo cáo, chỉ đối chiếu với số liệu quốc gia',
    'not offered': 'nguồn không cung cấp số liệu thống kê, chỉ đối chiếu với số liệu quốc gia',
  },
};

export const LABELS: Record<Lang, Labels> = { en, vi };
