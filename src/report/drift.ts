/**
 * The counting rules a portal follows where ours differ (a province's `driftRules`, the `rule`
 * of a definition_drift finding), in words, in Vietnamese and English: one place for every
 * report format, the dashboard's run page and the summary alert.
 */
import type { DriftRule } from '../../schemas/report.js';
import type { Metric } from '../domain/figures.js';
import { LABELS, type Lang } from './labels.js';

/** The rules' names as the explanation writes them (src/reconcile/variants.ts, classify.ts), in Vietnamese. */
const VI_RULES: Record<string, string> = {
  'due compared with time of day': 'so hạn trả theo cả giờ trong ngày',
  'due compared by calendar day': 'so hạn trả theo ngày',
  'processed keyed on the return date': 'tính đã giải quyết theo ngày trả kết quả',
  'processed keyed on the finish date': 'tính đã giải quyết theo ngày có kết quả',
  'withdrawn counted as processed': 'hồ sơ rút được tính là đã giải quyết',
  'withdrawn not counted as processed': 'hồ sơ rút không tính là đã giải quyết',
  'period end exclusive (its last day left out)': 'không tính ngày cuối kỳ',
  'period end inclusive': 'tính cả ngày cuối kỳ',
  'received keyed on submission (NgayNopHoSo)': 'tính tiếp nhận theo ngày nộp (NgayNopHoSo)',
  'received keyed on intake (NgayTiepNhan)': 'tính tiếp nhận theo ngày tiếp nhận (NgayTiepNhan)',
};

const WORDS = {
  en: {
    heading: 'Counting rules the national portal follows instead of ours',
    figures: (n: number) => `${n} figure${n === 1 ? '' : 's'}`,
    dossiers: (n: number) => `${n} dossier${n === 1 ? '' : 's'}`,
    status: (from: string, to: string) => `status ${from} sent as ${to}`,
    sheet: 'Counting rules',
    headers: { rule: 'RULE', agencies: 'AGENCIES', figures: 'FIGURES', dossiers: 'DOSSIERS', codes: 'DOSSIER CODES' },
  },
  vi: {
    heading: 'Quy tắc đếm Cổng Dịch vụ công quốc gia dùng khác với hệ thống',
    figures: (n: number) => `${n} chỉ tiêu`,
    dossiers: (n: number) => `${n} hồ sơ`,
    status: (from: string, to: string) => `trạng thái ${from} gửi lên thành ${to}`,
    sheet: 'Quy tắc đếm',
    headers: { rule: 'QUY TẮC', agencies: 'ĐƠN VỊ', figures: 'CHỈ TIÊU', dossiers: 'SỐ HỒ SƠ', codes: 'MÃ HỒ SƠ' },
  },
} as const;

/** The spreadsheet's sheet of rules: its name and headers. */
export const driftSheet = (lang: Lang) => ({ name: WORDS[lang].sheet, headers: WORDS[lang].headers });

/** A key a rule accounts for, in words: agency · procedure · metric. */
export const driftKeyText = (k: DriftRule['keys'][number], lang: Lang): string =>
  [k.agency, k.procedure, LABELS[lang].metric[k.metric as Metric] ?? k.metric].filter(Boolean).join(' · ');

/** The heading over a province's rules. */
export const driftHeading = (lang: Lang): string => WORDS[lang].heading;

/** A rule's name in the language (a combination part by part; a name not known here as it is). */
export function ruleText(rule: string, lang: Lang): string {
  if (lang === 'en') return rule;
  return rule
    .split(' + ')
    .map((part) => {
      const status = /^status (\d+) sent as (\d+)$/.exec(part);
      return status ? WORDS.vi.status(status[1]!, status[2]!) : (VI_RULES[part] ?? part);
    })
    .join(' + ');
}

/** A rule as a report or an alert holds it: its dossiers listed, or counted (an alert's). */
type RuleLike = Pick<DriftRule, 'rule' | 'agencies' | 'keys'> & { dossiers: readonly string[] | { count: number } };

/** One rule in a line: its name, its agencies, the figures it accounts for (by metric) and its dossiers. */
export function driftRuleLine(r: RuleLike, lang: Lang): string {
  const W = WORDS[lang];
  const dossiers = 'count' in r.dossiers ? r.dossiers.count : r.dossiers.length;
  const metrics = [...new Set(r.keys.map((k) => LABELS[lang].metric[k.metric as Metric] ?? k.metric))];
  return `${ruleText(r.rule, lang)}: ${r.agencies.join(', ')}; ${W.figures(r.keys.length)} (${metrics.join(', ')}); ${W.dossiers(dossiers)}`;
}

/** A province's rules as lines (none: an empty list). */
export function driftRuleLines(p: { driftRules?: readonly RuleLike[] }, lang: Lang): string[] {
  return (p.driftRules ?? []).map((r) => driftRuleLine(r, lang));
}
