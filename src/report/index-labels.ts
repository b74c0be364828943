/**
 * The words of the service index in every output (reports, run page, alerts), in the report
 * languages: one place, so that a stake reads the same everywhere. Points are always said to be
 * an estimate.
 */
import { INDICATOR_NAMES, type IndexStake, type IndicatorId, type ProvinceIndex } from '../../schemas/index-points.js';
import type { Lang } from './labels.js';

export type IndexLang = Lang;

interface IndexWords {
  /** The section's heading. */
  title: string;
  note: string;
  indicator: string;
  max: string;
  local: string;
  national: string;
  share: string;
  points: string;
  gap: string;
  total: string;
  byCause: string;
  byAgency: string;
  cause: string;
  agency: string;
  dossiers: string;
  noStake: string;
  notComputed: string;
  name: Record<IndicatorId, string>;
  dossierCount(n: number): string;
  pointsWord: string;
  /** One province's standing in a line: "32.90 of 36 points on the portal, 32.99 from the province's data (estimate)". */
  standing(t: ProvinceIndex['total']): string;
}

export const INDEX_WORDS: Record<IndexLang, IndexWords> = {
  en: {
    title: 'National service index (Decision 766), estimate',
    note: "Estimate: computed by this tool from dossier data with the configured weights and thresholds (index:); the portal's own score may differ.",
    indicator: 'Indicator',
    max: 'Max',
    local: 'Local',
    national: 'National',
    share: 'share',
    points: 'points',
    gap: 'Gap',
    total: 'Total',
    byCause: 'Points at stake by cause (estimate)',
    byAgency: 'Points at stake by agency (estimate)',
    cause: 'Cause',
    agency: 'Agency',
    dossiers: 'Dossiers',
    noStake: 'No finding moves the index.',
    notComputed: 'Not computed in this run (index.enabled is off, or no province was compared completely).',
    name: INDICATOR_NAMES,
    dossierCount: (n) => `${n} dossier${n === 1 ? '' : 's'}`,
    pointsWord: 'points',
    standing: (t) =>
      `${fixed(t.national)} of ${fixed(t.max)} points on the portal, ${fixed(t.local)} from the province's data (estimate)`,
  },
  vi: {
    title: 'Chỉ số phục vụ người dân, doanh nghiệp (QĐ 766), ước tính',
    note: 'Ước tính: công cụ này tính từ dữ liệu hồ sơ theo trọng số và ngưỡng cấu hình (index:); điểm do Cổng tính có thể khác.',
    indicator: 'Chỉ số',
    max: 'Tối đa',
    local: 'Tại tỉnh',
    national: 'Trên Cổng',
    share: 'tỷ lệ',
    points: 'điểm',
    gap: 'Chênh',
    total: 'Tổng',
    byCause: 'Điểm có thể lấy lại theo nguyên nhân (ước tính)',
    byAgency: 'Điểm có thể lấy lại theo cơ quan (ước tính)',
    cause: 'Nguyên nhân',
    agency: 'Cơ quan',
    dossiers: 'Hồ sơ',
    noStake: 'Không có hồ sơ sai lệch nào làm thay đổi chỉ số.',
    notComputed: 'Lượt này không tính chỉ số (index.enabled tắt, hoặc không tỉnh nào được đối soát đầy đủ).',
    name: {
      '1.4': 'đồng bộ lên Cổng',
      '2.1': 'đúng hạn',
      '3.3': 'trực tuyến',
      '4.3': 'tái sử dụng dữ liệu',
      '5.4': 'không quá hạn',
    },
    dossierCount: (n) => `${n} hồ sơ`,
    pointsWord: 'điểm',
    standing: (t) =>
      `${fixed(t.national)}/${fixed(t.max)} điểm trên Cổng, ${fixed(t.local)} theo dữ liệu của tỉnh (ước tính)`,
  },
};

/** Points to two decimals. */
export const fixed = (x: number) => x.toFixed(2);
/** Points gained or lost, signed: "+0.41", "−0.06", "±0.00". */
export const signedPoints = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(2)}`;
/** A share as a percentage, or "—" when nothing counts in it. */
export const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(2)}%`);

/** "1.4 synced" */
export const indicatorLabel = (id: IndicatorId, lang: IndexLang = 'en') => `${id} ${INDEX_WORDS[lang].name[id]}`;

/** One stake as a line: "missing_national: 28 dossiers, +0.41 points (1.4 synced, 2.1 on time)". */
export function stakeLine(s: IndexStake, lang: IndexLang = 'en'): string {
  const W = INDEX_WORDS[lang];
  const moved = s.indicators.map((i) => indicatorLabel(i.id, lang)).join(', ');
  return `${s.cause}: ${W.dossierCount(s.dossiers)}, ${signedPoints(s.points)} ${W.pointsWord}${moved ? ` (${moved})` : ''}`;
}
