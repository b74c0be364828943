/**
 * The national service index of a province's period, on both sides, and the points at stake
 * per root cause (docs/domain.md, The national service index): a pure module, tallies and
 * findings in, indicators and points out. Every dossier is counted by the counting rules
 * (./counting.ts); this module only says which counts make each indicator:
 * - 1.4 synced: received ÷ the dossiers that should have been synced (the larger of the
 *   province's reported count and the side's own);
 * - 2.1 on time: (processed on time + in progress and not yet due + in progress past due while
 *   waiting for a supplement) ÷ to process (received in the period or carried over: the
 *   numerator's dossiers still in progress include carried-over ones, so the denominator does);
 * - 3.3 online: online ÷ received, times 1.4's share (= online ÷ what should have been synced);
 * - 4.3 data reuse: digitised ÷ received;
 * - 5.4, its overdue part: 1 − (overdue, less those waiting for a supplement) ÷ to process
 *   (complaints are not seen here and count as none).
 * Each indicator's points: max × min(1, share ÷ fullAt) (`proportional`), or max when the share
 * reaches fullAt and 0 otherwise (`all-or-nothing`). A share with nothing to count is null and
 * costs nothing (full points). Points are an estimate (INDEX_ESTIMATE_NOTE).
 */
import { STATUS } from '../../schemas/dossier.js';
import {
  INDEX_ESTIMATE_NOTE,
  INDEX_INDICATORS,
  INDICATOR_NAMES,
  type IndexConfig,
  type IndexStake,
  type IndexTally,
  type IndicatorId,
  type ProvinceIndex,
} from '../../schemas/index-points.js';
import type { Finding } from '../../schemas/report.js';
import type { Counts, Figures, Metric } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import { parseCompact } from '../domain/time.js';
import { groupBy } from '../util/group.js';
import type { Provincial } from './compare.js';
import { hasMetric, metricsOf, type Countable, type CountingRules } from './counting.js';

const FIELDS = ['received', 'online', 'digitised', 'toProcess', 'onTime', 'notDue', 'overdue', 'waiting'] as const;

export function emptyTally(): IndexTally {
  return { received: 0, online: 0, digitised: 0, toProcess: 0, onTime: 0, notDue: 0, overdue: 0, waiting: 0 };
}

/** The tally of counts (the portal's statistics, or the store's figures): `waiting` is not among them. */
export function tallyOfCounts(c: Counts): IndexTally {
  return {
    received: c.received,
    online: c.online,
    digitised: c.digitised,
    toProcess: c.toProcess,
    onTime: c.onTime,
    notDue: c.unprocessedNotDue,
    overdue: c.overdue,
    waiting: 0,
  };
}

/** The province's tally from per-agency figures (their agency rows; procedure rows repeat them). */
export function tallyOfFigures(figures: readonly Figures[]): IndexTally {
  const t = emptyTally();
  for (const f of figures) if (f.procedure === null) addTo(t, tallyOfCounts(f.counts));
  return t;
}

/** Whether a dossier counted in `bits` waits for a supplement past its due date (not counted against the province). */
export function isWaiting(bits: number, status: number): boolean {
  return status === STATUS.SUPPLEMENT && hasMetric(bits, 'overdue');
}

/** Adds one dossier, counted in the metrics `bits` (`metricsOf`), with its status, `sign` times. */
export function addDossier(t: IndexTally, bits: number, status: number, sign = 1): void {
  if (bits === 0) return;
  const add = (field: (typeof FIELDS)[number], metric: Metric) => {
    if (hasMetric(bits, metric)) t[field] += sign;
  };
  add('received', 'received');
  add('online', 'online');
  add('digitised', 'digitised');
  add('toProcess', 'toProcess');
  add('onTime', 'onTime');
  add('notDue', 'unprocessedNotDue');
  add('overdue', 'overdue');
  if (isWaiting(bits, status)) t.waiting += sign;
}

/** The tally of dossiers, by the counting rules. */
export function tallyOf(dossiers: Iterable<Countable>, period: Period, rules: CountingRules): IndexTally {
  const t = emptyTally();
  for (const d of dossiers) addDossier(t, metricsOf(d, period, rules), d.status);
  return t;
}

function addTo(t: IndexTally, other: IndexTally, sign = 1): IndexTally {
  for (const f of FIELDS) t[f] += sign * other[f];
  return t;
}

type Side = NonNullable<Finding['evidence']['local']>;

/** A side of a finding's evidence as something to count (a channel and flag not recorded count as none). */
function countable(s: Side): Countable {
  const at = (v: string | null) => (v === null ? null : (parseCompact(v) ?? null));
  return {
    status: s.status,
    channel: s.channel === 1 || s.channel === 2 || s.channel === 3 ? s.channel : null,
    digitised: s.digitised ?? false,
    receivedAt: at(s.receivedAt),
    dueAt: at(s.dueAt),
    finishedAt: at(s.finishedAt),
    returnedAt: at(s.returnedAt),
  };
}

/**
 * The metric each field of the tally follows (a finding moves only the fields of the metrics it
 * was found in). `waiting` is no metric of any statistic: every finding's evidence says it.
 */
const METRIC_OF: Record<(typeof FIELDS)[number], Metric | null> = {
  received: 'received',
  online: 'online',
  digitised: 'digitised',
  toProcess: 'toProcess',
  onTime: 'onTime',
  notDue: 'unprocessedNotDue',
  overdue: 'overdue',
  waiting: null,
};

/**
 * What a finding adds to the national tally over the local one (national − local), in the
 * metrics of the mismatched keys it was found in (its `metrics`: what the explanation accounts
 * for it; a gap in another metric is offset by other dossiers, and fixing this one alone would
 * not close it): its national copies counted, its stored dossier taken away. A duplicate under a
 * second code adds its one extra copy; a code listed `copies` times adds each copy. An
 * unexplained key adds nothing (it names no dossier).
 */
export function findingDelta(f: Finding, period: Period, rules: CountingRules): IndexTally {
  const t = emptyTally();
  if (f.dossierCode === '' || f.key) return t;
  const { local, national, copies } = f.evidence;
  const count = (s: Side, sign: number) => {
    const d = countable(s);
    addDossier(t, metricsOf(d, period, rules), d.status, sign);
  };
  const secondCode = local?.code !== undefined && national?.code !== undefined && local.code !== national.code;
  if (f.kind === 'duplicate_national' && secondCode) count(national!, 1);
  else {
    if (national) count(national, f.kind === 'duplicate_national' ? (copies ?? 1) : 1);
    if (local) count(local, -1);
  }
  for (const field of FIELDS) if (METRIC_OF[field] !== null && !f.metrics.includes(METRIC_OF[field])) t[field] = 0;
  return t;
}

interface Share {
  num: number;
  den: number;
}

function sharesOf(t: IndexTally, expected: number): Record<IndicatorId, Share> {
  const shouldSync = Math.max(expected, t.received);
  const waiting = Math.max(0, Math.min(t.waiting, t.overdue));
  return {
    '1.4': { num: t.received, den: shouldSync },
    '2.1': { num: t.onTime + t.notDue + waiting, den: t.toProcess },
    '3.3': { num: t.online, den: shouldSync },
    '4.3': { num: t.digitised, den: t.received },
    '5.4': { num: t.toProcess - (t.overdue - waiting), den: t.toProcess },
  };
}

/** Points and shares to six decimals: no float noise in reports. */
export const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** One indicator's share and points under its configuration. */
export function pointsOf(
  s: Share,
  c: IndexConfig['indicators'][IndicatorId],
): { share: number | null; points: number } {
  if (s.den <= 0) return { share: null, points: c.max };
  const reached = (s.num * 100) / (s.den * c.fullAt); // ≥ 1 at the threshold, without rounding the share first
  const points = c.scale === 'all-or-nothing' ? (reached >= 1 ? c.max : 0) : c.max * Math.min(1, Math.max(0, reached));
  return { share: round(s.num / s.den), points: round(points) };
}

/** Every indicator's share and points for a tally. */
export function indicatorsOf(
  t: IndexTally,
  expected: number,
  cfg: IndexConfig,
): Record<IndicatorId, { share: number | null; points: number }> {
  const shares = sharesOf(t, expected);
  return Object.fromEntries(INDEX_INDICATORS.map((id) => [id, pointsOf(shares[id], cfg.indicators[id])])) as Record<
    IndicatorId,
    { share: number | null; points: number }
  >;
}

export interface IndexInput {
  /** The store's tally. */
  local: IndexTally;
  /** The portal's statistics as a tally (`waiting` is filled from the local one and the findings). */
  national: IndexTally;
  /** The dossiers that should have been synced, as the province reports them. */
  expected: number;
}

/**
 * The index's input for a province from its reconciliation: the store's figures and its
 * `waiting` dossiers, the portal's statistics, and what should have been synced: the province's
 * own count where its statistics report it, else the store's.
 */
export function indexInput(
  local: readonly Figures[],
  national: readonly Figures[],
  waiting: number,
  provincial?: Provincial,
): IndexInput {
  const l = { ...tallyOfFigures(local), waiting };
  const reported = provincial?.reported.includes('received') ? tallyOfFigures(provincial.figures).received : undefined;
  return { local: l, national: tallyOfFigures(national), expected: reported ?? l.received };
}

/** The index recomputed with the run's findings (its tallies as stored). */
export function withFindings(
  index: ProvinceIndex,
  findings: readonly Finding[],
  period: Period,
  rules: CountingRules,
  cfg: IndexConfig,
): ProvinceIndex {
  const { local, national, expected } = index.tallies;
  return provinceIndex({ local, national, expected }, findings, period, rules, cfg);
}

/** The points regained, per indicator and in all, were the findings `group` fixed on the national side. */
function stakeOf(
  cause: string,
  group: Finding[],
  national: IndexTally,
  deltas: Map<Finding, IndexTally>,
  expected: number,
  cfg: IndexConfig,
): IndexStake {
  const corrected = { ...national };
  for (const f of group) addTo(corrected, deltas.get(f)!, -1);
  const before = indicatorsOf(national, expected, cfg);
  const after = indicatorsOf(corrected, expected, cfg);
  const indicators = INDEX_INDICATORS.map((id) => ({ id, points: round(after[id].points - before[id].points) })).filter(
    (i) => i.points !== 0,
  );
  return { cause, dossiers: group.length, points: round(indicators.reduce((s, i) => s + i.points, 0)), indicators };
}

const byPoints = (a: IndexStake, b: IndexStake) =>
  b.points - a.points || b.dossiers - a.dossiers || (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0);

/**
 * A province's indicators on both sides and the points at stake per root-cause kind and per
 * agency. The portal's statistics do not say which overdue dossiers wait for a supplement: the
 * national `waiting` is the store's, moved by what the findings say of the national copies.
 */
export function provinceIndex(
  input: IndexInput,
  findings: readonly Finding[],
  period: Period,
  rules: CountingRules,
  cfg: IndexConfig,
): ProvinceIndex {
  const dossierFindings = findings.filter((f) => f.dossierCode !== '' && !f.key);
  const deltas = new Map(dossierFindings.map((f) => [f, findingDelta(f, period, rules)]));
  const movedWaiting = [...deltas.values()].reduce((s, d) => s + d.waiting, 0);
  const national = {
    ...input.national,
    waiting: Math.max(0, Math.min(input.national.overdue, input.local.waiting + movedWaiting)),
  };
  const local = indicatorsOf(input.local, input.expected, cfg);
  const nat = indicatorsOf(national, input.expected, cfg);
  const indicators = INDEX_INDICATORS.map((id) => ({
    id,
    name: INDICATOR_NAMES[id],
    max: cfg.indicators[id].max,
    local: local[id],
    national: nat[id],
  }));
  const sum = (side: 'local' | 'national') => round(indicators.reduce((s, i) => s + i[side].points, 0));
  const stakes = (by: (f: Finding) => string) =>
    [...groupBy(dossierFindings, by)]
      .map(([cause, group]) => stakeOf(cause, group, national, deltas, input.expected, cfg))
      .sort(byPoints);
  return {
    estimate: true,
    note: INDEX_ESTIMATE_NOTE,
    tallies: { local: input.local, national, expected: input.expected },
    indicators,
    total: { max: round(indicators.reduce((s, i) => s + i.max, 0)), local: sum('local'), national: sum('national') },
    byCause: stakes((f) => f.kind),
    byAgency: stakes((f) => f.agency),
  };
}
