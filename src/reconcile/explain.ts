/**
 * The explanation of a province's mismatches, from data gathered once (src/reconcile/gather.ts):
 * a pure function, gathered data in, findings and each key's accounting out.
 *
 * A key is (agency, procedure or null, metric). Each dossier code contributes to a key
 * (how many of its national copies count in the key) − (1 if its stored dossier counts in it,
 * else 0): a dossier missing nationally −1, one missing locally +1, a code listed twice +1,
 * a date shifted across the period's start −1 in `received` and +1 in `carriedOver`. A key's
 * `residual` is (national − local) − the sum of its contributions: 0 when the gathered
 * dossiers account for the whole gap.
 *
 * Each code with a non-zero contribution is classified (src/reconcile/classify.ts):
 * - a code with more than one national copy (listed twice, or under two agencies):
 *   duplicate_national, for that code, with the number of copies;
 * - a code on both sides: by the differences between its two copies;
 * - a national-only code is matched by content (`sameContent`) with the stored dossiers, those
 *   of the key's agency first (a code naming no agency may be any agency's): a match whose own
 *   code is national too makes it a duplicate_national (the same dossier under a second
 *   code); a match whose own code is not makes it that dossier's replaced code
 *   (code_divergence, for the local code and its agency); no match, missing_local;
 * - a local-only code is matched by content with the national codes the store does not hold:
 *   a match is its replaced code (code_divergence), otherwise missing_national.
 *
 * What the function could not decide from the data it was given is returned as `needs`
 * (codes to look up nationally, codes to read from the store); the gathering fetches them and
 * calls it again. Whatever was not asked for is taken
 * as absent, so the result of the last call stands on its own.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { UNEXPLAINED, type Finding, type Mismatch } from '../../schemas/report.js';
import { BUILT_IN_CODE_FORMS, type CodeForms } from '../domain/codes.js';
import { sameContent, toFinding } from './classify.js';
import { contentKey, differingCodes } from './join.js';
import { groupKey, type GroupKey } from '../domain/group.js';
import { METRICS } from '../../schemas/metrics.js';
import { hasMetric, metricsOf, type CountingRules } from './counting.js';
import { type Metric } from '../domain/figures.js';
import { type Period } from '../domain/period.js';

/** At most this many codes are named in a mismatch's `explainedBy`. */
export const EXPLAINED_CODES = 50;

export interface Gathered {
  period: Period;
  rules: CountingRules;
  /** Stored dossiers by code: those that can count in the period, and those read by code. */
  local: Map<string, CanonicalDossier>;
  /**
   * National copies, one entry per listing (a code listed twice is there twice), each under
   * the agency it was listed under (or, from the root's list, the agency its code names).
   */
  national: CanonicalDossier[];
  /** What was already asked for: absent answers mean absent data. */
  asked: { lookups: Set<string>; store: Set<string> };
  /** Agencies whose keys cannot be examined, with why (a failed list, the record cap). */
  unexamined: Map<string, string>;
  /** What was examined for an agency's keys, said in an `unexplained` finding. */
  examined: Map<string, string>;
}

export interface Needs {
  /** Codes to look up nationally (TraCuuHoSo). */
  lookups: string[];
  /** Codes to read from the store. */
  store: string[];
}

export interface Explanation {
  findings: Finding[];
  /** The mismatches given, with `explainedBy` and `residual` (null where not examined). */
  mismatches: Mismatch[];
  needs: Needs;
}

/**
 * The mismatches whose dossiers are examined: local ≠ national. A `province_misreports`
 * verdict means local and national agree within tolerance: nothing to look for between them.
 */
export function examinable(m: Mismatch): boolean {
  return m.local !== m.national && m.verdict !== 'province_misreports';
}

interface Key {
  agency: string;
  procedure: string | null;
  metric: Metric;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Each code's national copies. */
export function copiesByCode(national: readonly CanonicalDossier[]): Map<string, CanonicalDossier[]> {
  const out = new Map<string, CanonicalDossier[]>();
  for (const n of national) {
    const list = out.get(n.code);
    if (list) list.push(n);
    else out.set(n.code, [n]);
  }
  return out;
}

/** `codes`: the agency-code forms in use, to tell a national code naming no agency (default the built-in ones). */
export function explain(g: Gathered, mismatches: Mismatch[], codes: CodeForms = BUILT_IN_CODE_FORMS): Explanation {
  const memo = new Map<CanonicalDossier, number>();
  const bits = (d: CanonicalDossier) => {
    let b = memo.get(d);
    if (b === undefined) memo.set(d, (b = metricsOf(d, g.period, g.rules)));
    return b;
  };
  const counts = (d: CanonicalDossier, k: Key) =>
    d.agency === k.agency && (k.procedure === null || d.procedure === k.procedure) && hasMetric(bits(d), k.metric);

  const copiesOf = copiesByCode(g.national);
  const examined = new Set(mismatches.filter((m) => examinable(m) && !g.unexamined.has(m.agency)).map((m) => m.agency));
  const involved = involvedCodes(g, copiesOf, differingCodes(g, bits, examined));
  const needs = { lookups: new Set<string>(), store: new Set<string>() };
  const classifyCode = classifier(g, copiesOf, needs, codes);

  // One finding per dossier, whichever keys it is found in: the first key's, with every key's metric.
  const classified = new Map<string, Map<string, Finding>>(); // by agency, then code
  const found = new Map<string, Finding>();
  const findingOf = (code: string, agency: string, metric: string): Finding => {
    let ofAgency = classified.get(agency);
    if (!ofAgency) classified.set(agency, (ofAgency = new Map()));
    let f = ofAgency.get(code);
    if (!f) ofAgency.set(code, (f = classifyCode(code, agency)));
    let kept = found.get(f.dossierCode);
    if (!kept) found.set(f.dossierCode, (kept = { ...f, metrics: [] }));
    if (!kept.metrics.includes(metric)) kept.metrics.push(metric);
    return kept;
  };
  const unexplained: Finding[] = [];

  const out = mismatches.map((m): Mismatch => {
    if (!examinable(m) || !(METRICS as readonly string[]).includes(m.metric))
      return { ...m, explainedBy: null, residual: null };
    const key: Key = { agency: m.agency, procedure: m.procedure, metric: m.metric as Metric };
    const gap = m.national - m.local;
    const why = g.unexamined.get(m.agency);
    if (why !== undefined) {
      unexplained.push(unexplainedFinding(key, gap, why));
      return { ...m, explainedBy: null, residual: gap };
    }
    let sum = 0;
    const codes = new Set<string>();
    for (const code of involved.get(groupKey(m.agency, m.procedure)) ?? []) {
      const l = g.local.get(code);
      let c = l && counts(l, key) ? -1 : 0;
      for (const n of copiesOf.get(code) ?? []) if (counts(n, key)) c++;
      if (c === 0) continue;
      sum += c;
      codes.add(findingOf(code, m.agency, m.metric).dossierCode);
    }
    const residual = gap - sum;
    if (residual !== 0)
      unexplained.push(unexplainedFinding(key, residual, g.examined.get(m.agency) ?? 'the gathered dossiers'));
    const sorted = [...codes].sort(cmp);
    return { ...m, explainedBy: { count: sorted.length, codes: sorted.slice(0, EXPLAINED_CODES) }, residual };
  });

  const findings = [...found.values()]
    .map((f) => ({ ...f, metrics: f.metrics.sort() }))
    .sort((a, b) => cmp(a.dossierCode, b.dossierCode));
  return {
    findings: [...findings, ...unexplained],
    mismatches: out,
    needs: { lookups: [...needs.lookups].sort(cmp), store: [...needs.store].sort(cmp) },
  };
}

/** The differing codes a key can count: by group (an agency's total, or a procedure at an agency). */
function involvedCodes(
  g: Gathered,
  copiesOf: Map<string, CanonicalDossier[]>,
  differing: Set<string>,
): Map<GroupKey, string[]> {
  const involved = new Map<GroupKey, string[]>();
  const keyOf = new Map<string, Map<string | null, GroupKey>>(); // each group's key built once
  const key = (agency: string, procedure: string | null): GroupKey => {
    let byProcedure = keyOf.get(agency);
    if (!byProcedure) keyOf.set(agency, (byProcedure = new Map()));
    let k = byProcedure.get(procedure);
    if (k === undefined) byProcedure.set(procedure, (k = groupKey(agency, procedure)));
    return k;
  };
  const keys: GroupKey[] = []; // a code's groups, each once
  const add = (k: GroupKey) => {
    if (!keys.includes(k)) keys.push(k);
  };
  for (const code of differing) {
    keys.length = 0;
    const l = g.local.get(code);
    for (const d of l ? [l, ...(copiesOf.get(code) ?? [])] : copiesOf.get(code)!) {
      add(key(d.agency, null));
      add(key(d.agency, d.procedure));
    }
    for (const k of keys) (involved.get(k) ?? involved.set(k, []).get(k)!).push(code);
  }
  return involved;
}

/**
 * The classification of a code counting differently in a key of `agency`: its finding (with
 * `metrics` left empty). What it could not decide from `g` it adds to `needs`.
 */
function classifier(
  g: Gathered,
  copiesOf: Map<string, CanonicalDossier[]>,
  needs: { lookups: Set<string>; store: Set<string> },
  codes: CodeForms,
) {
  // Dossiers by content, for matching codes across the two sides: stored ones, and national
  // ones under a code the store does not hold; built when first needed.
  let byContent: Map<string, CanonicalDossier[]> | undefined;
  let nationalByContent: Map<string, CanonicalDossier[]> | undefined;
  const indexed = (list: Iterable<CanonicalDossier>) => {
    const out = new Map<string, CanonicalDossier[]>();
    for (const d of list)
      if (d.receivedAt !== null) (out.get(contentKey(d)) ?? out.set(contentKey(d), []).get(contentKey(d))!).push(d);
    return out;
  };
  const storedLike = (d: CanonicalDossier) => (byContent ??= indexed(g.local.values())).get(contentKey(d)) ?? [];
  const nationalLike = (d: CanonicalDossier) =>
    (nationalByContent ??= indexed(g.national.filter((n) => !g.local.has(n.code)))).get(contentKey(d)) ?? [];

  const presentNationally = (code: string) => {
    if (copiesOf.has(code)) return true;
    if (!g.asked.lookups.has(code)) needs.lookups.add(code);
    return false;
  };
  const heldLocally = (code: string) => {
    if (g.local.has(code)) return true;
    if (!g.asked.store.has(code)) needs.store.add(code);
    return false;
  };

  return (code: string, agency: string): Finding => {
    const metric = '';
    const l = g.local.get(code);
    const copies = copiesOf.get(code) ?? [];
    if (copies.length > 1) {
      const n = copies.find((c) => c.agency === agency) ?? copies[0]!;
      const f = toFinding(agency, metric, l, n);
      return {
        ...f,
        dossierCode: code,
        kind: 'duplicate_national',
        evidence: { ...f.evidence, copies: copies.length },
      };
    }
    const n = copies[0];
    if (l && n) return toFinding(agency, metric, l, n);
    if (n) {
      heldLocally(code);
      const candidates = storedLike(n).filter((d) => d.code !== code && sameContent(d, n, codes));
      const sameAgency = candidates.filter((d) => d.agency === agency);
      const match = smallest(
        sameAgency.length || codes.agencyOfDossierCode(code) !== undefined ? sameAgency : candidates,
      );
      if (!match) return toFinding(agency, metric, undefined, n);
      if (presentNationally(match.code)) {
        const f = toFinding(agency, metric, match, n, { localCodeNational: true });
        return { ...f, evidence: { ...f.evidence, copies: (copiesOf.get(match.code)?.length ?? 0) + 1 } };
      }
      return toFinding(match.agency, metric, match, n);
    }
    // local only
    presentNationally(code);
    const free = nationalLike(l!).filter((x) => sameContent(l!, x, codes) && !heldLocally(x.code));
    return toFinding(agency, metric, l, smallest(free));
  };
}

function unexplainedFinding(k: Key, residual: number, examined: string): Finding {
  return {
    dossierCode: '',
    agency: k.agency,
    kind: UNEXPLAINED,
    metrics: [k.metric],
    evidence: { local: null, national: null },
    key: { procedure: k.procedure, metric: k.metric, residual, examined },
  };
}

/** The dossier with the smallest code, if any. */
function smallest(list: readonly CanonicalDossier[]): CanonicalDossier | undefined {
  let best: CanonicalDossier | undefined;
  for (const d of list) if (!best || d.code < best.code) best = d;
  return best;
}
