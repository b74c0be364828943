/**
 * Definition drift by rule: the portal counting its statistics by a variant of the counting
 * rules (WorldOptions.nationalRules), the records on both sides alike. The simulators' own
 * oracle (src/sim/oracle.ts) counts the national statistics under those rules; the ground
 * truth names, per agency, each national dossier the rules count differently from the
 * default ones, with the rule.
 *
 * So that every asked rule has dossiers to act on, the world is shaped first (its own random
 * stream; only when rules are asked, so other worlds are unchanged), on both sides alike:
 * - `due-time`: a few dossiers finished in the period move their finish to their due day,
 *   after the due hour (late with time of day, on time by calendar day);
 * - `withdrawn`: every withdrawn dossier gets its withdrawal as its finish date
 *   (NgayKetThucXuLy), and a few in-progress ones received in the period are withdrawn in it;
 * - `submitted`: online dossiers get a submission date (NgayNopHoSo) up to 20 hours before
 *   intake (less than a day: the national list by receipt, a day past the period, holds them),
 *   a few received in the period's first three days submitted the evening before it;
 * - `return-date` and `period-end` act on what the world already holds (returns after the
 *   finish, dates on the period's last day).
 */
import { STATUS, type CanonicalDossier } from '../../../schemas/dossier.js';
import { DAY_MS } from '../../domain/time.js';
import { ORACLE_DEFAULT_RULES, oracleMetrics, type OracleDays, type OracleRules } from '../oracle.js';
import type { Rng } from '../random.js';
import { HOUR, MINUTE, SECOND } from './time.js';
import type { Clock, TruthEntry } from './types.js';

/** The variants, in the order a combination is named. */
export const NATIONAL_RULES = ['due-time', 'return-date', 'withdrawn', 'period-end', 'submitted'] as const;
export type NationalRule = (typeof NATIONAL_RULES)[number];

/** What each variant is called in a report (a combination: joined by " + ", in NATIONAL_RULES order). */
export const RULE_NAMES: Record<NationalRule, string> = {
  'due-time': 'due compared with time of day',
  'return-date': 'processed keyed on the return date',
  withdrawn: 'withdrawn counted as processed',
  'period-end': 'period end exclusive (its last day left out)',
  submitted: 'received keyed on submission (NgayNopHoSo)',
};

/** The oracle's rules with `rules` turned on. */
export function oracleRulesOf(rules: readonly NationalRule[]): OracleRules {
  const out: OracleRules = { ...ORACLE_DEFAULT_RULES };
  if (rules.includes('due-time')) out.dueCompare = 'time';
  if (rules.includes('return-date')) out.processedOn = 'returned';
  if (rules.includes('withdrawn')) out.withdrawnIsProcessed = true;
  if (rules.includes('period-end')) out.periodEnd = 'exclusive';
  if (rules.includes('submitted')) out.receivedOn = 'submitted';
  return out;
}

/** Checks the asked rules: known, each once. */
export function checkNationalRules(rules: readonly string[]): NationalRule[] {
  for (const r of rules)
    if (!(NATIONAL_RULES as readonly string[]).includes(r))
      throw new Error(`simulator: "${r}" is not a counting rule the portal can apply (${NATIONAL_RULES.join(', ')})`);
  if (new Set(rules).size !== rules.length)
    throw new Error(`simulator: a counting rule is asked twice (${rules.join(', ')})`);
  return rules as NationalRule[];
}

const inPeriod = (t: number | null, c: Clock) => t !== null && t >= c.period.start && t < c.period.end;
const vnHour = (t: number) => Math.floor((t + 7 * HOUR) / HOUR) % 24;

/** Shapes `all` (both sides' shared objects) so that each asked rule acts on some dossiers. */
export function shapeForRules(all: CanonicalDossier[], rules: readonly NationalRule[], clock: Clock, rng: Rng): void {
  const { period, now } = clock;
  const few = (list: CanonicalDossier[], n: number) => rng.sample(list, n);
  if (rules.includes('due-time')) {
    const able = all.filter(
      (d) =>
        (d.status === STATUS.FINISHED || d.status === STATUS.RETURNED) &&
        inPeriod(d.finishedAt, clock) &&
        d.dueAt !== null &&
        d.dueAt < period.end - 8 * HOUR &&
        d.finishedAt! < d.dueAt &&
        vnHour(d.dueAt) === 17,
    );
    for (const d of few(able, 4)) {
      d.finishedAt = d.dueAt! + rng.int(1, 6 * 60) * MINUTE; // the same evening
      if (d.returnedAt !== null && d.returnedAt < d.finishedAt) d.returnedAt = d.finishedAt + HOUR;
      d.updatedAt = Math.max(d.updatedAt, d.returnedAt ?? d.finishedAt);
    }
  }
  if (rules.includes('withdrawn')) {
    const able = all.filter((d) => d.status === STATUS.IN_PROGRESS && inPeriod(d.receivedAt, clock));
    for (const d of few(able, 4)) {
      d.status = STATUS.WITHDRAWN;
      d.updatedAt =
        d.receivedAt! +
        rng.int(1, Math.max(1, Math.floor((Math.min(now, period.end) - d.receivedAt!) / SECOND) - 1)) * SECOND;
    }
    for (const d of all) if (d.status === STATUS.WITHDRAWN) d.finishedAt = d.updatedAt;
  }
  if (rules.includes('submitted')) {
    for (const d of all)
      if (d.channel === 2 && d.receivedAt !== null) d.submittedAt = d.receivedAt - rng.int(10 * 60, 20 * 3600) * SECOND;
    const first = all.filter(
      (d) =>
        d.channel === 2 &&
        d.receivedAt !== null &&
        d.receivedAt >= period.start &&
        d.receivedAt < period.start + 3 * DAY_MS,
    );
    for (const d of few(first, 3)) d.submittedAt = period.start - rng.int(60, 4 * 3600) * SECOND;
  }
}

function sameCounts(a: Readonly<Record<string, boolean>>, b: Readonly<Record<string, boolean>>): boolean {
  return Object.keys(a).every((k) => a[k] === b[k]);
}

/**
 * The ground truth of the rules: per agency, the national dossiers counted differently under
 * them (`excluded`: codes an injected discrepancy already names), each named with the rules
 * that change something at that agency; and that name per agency (`byAgency`), dossiers an
 * injection names included.
 */
export function ruleTruth(
  province: string,
  national: readonly CanonicalDossier[],
  rules: readonly NationalRule[],
  days: OracleDays,
  excluded: ReadonlySet<string>,
): { truth: TruthEntry[]; byAgency: Record<string, string> } {
  if (rules.length === 0) return { truth: [], byAgency: {} };
  const all = oracleRulesOf(rules);
  const acting = new Map<string, Set<NationalRule>>(); // agency → the rules that change something there
  const changed = new Map<string, CanonicalDossier>(); // agency and code → the dossier
  for (const d of national) {
    const under = oracleMetrics(d, days, all);
    if (!sameCounts(under, oracleMetrics(d, days))) changed.set(`${d.agency} ${d.code}`, d);
    for (const r of rules) {
      if (acting.get(d.agency)?.has(r)) continue;
      if (!sameCounts(under, oracleMetrics(d, days, oracleRulesOf(rules.filter((x) => x !== r))))) {
        let set = acting.get(d.agency);
        if (!set) acting.set(d.agency, (set = new Set()));
        set.add(r);
      }
    }
  }
  const nameAt = (agency: string) =>
    NATIONAL_RULES.filter((r) => acting.get(agency)?.has(r))
      .map((r) => RULE_NAMES[r])
      .join(' + ');
  const truth: TruthEntry[] = [];
  for (const d of changed.values()) {
    if (excluded.has(d.code)) continue;
    truth.push({
      province,
      agency: d.agency,
      dossierCode: d.code,
      kind: 'definition_drift',
      form: 'counting_rule',
      rule: nameAt(d.agency),
    });
  }
  return { truth, byAgency: Object.fromEntries([...acting.keys()].sort().map((a) => [a, nameAt(a)])) };
}
