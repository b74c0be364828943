/**
 * Rules that explain counts: after the dossier-by-dossier explanation (src/reconcile/explain.ts),
 * a key whose gap its dossiers do not account for (residual ≠ 0) may be counted by another rule
 * on the portal: the records agree, the counting does not (docs/domain.md, Root
 * causes: definition drift). A pure function, from the same gathered data.
 *
 * The national records are counted under every variant of the counting rules
 * (src/reconcile/variants.ts: each switch turned, alone or together). A variant's delta on a key
 * is how many more of the key's national records count in it under the variant than under
 * the rules. Under the variant the portal really counts by, every key's residual equals that
 * delta: for an examined mismatch, its residual; for a key whose figures agree (not mismatched),
 * minus what its differing dossiers contribute (the figures taken as equal there).
 *
 * Per agency, a variant fits when it reproduces every key it changes that the comparison can
 * see (src/reconcile/drift-fit.ts: a key a non-exact tolerance hides is judged by staying within
 * it, and an agency's total by its reported procedures; docs/domain.md, Definition drift), and
 * it explains at least one key left with a residual. Of the variants that fit, the one that explains the
 * most such keys, then the one with the fewest switches, then the first in SWITCHES' order.
 * An agency with no fitting variant keeps its keys unexplained; a variant fitting one agency
 * and not another is reported for the one only.
 *
 * For the chosen variant: each dossier it counts differently gets a `definition_drift` finding
 * naming the rule (a dossier already found for a cause of its own keeps that finding), the
 * keys it changes get their residual back to 0 and its dossiers in their `explainedBy`, and
 * the province's report names the rule once (`driftRules`): its agencies, keys and dossiers.
 *
 * Cost: the gathered national records, times the variants that can change each (most none):
 * nothing is fetched.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { UNEXPLAINED, type DriftRule, type Finding, type Mismatch } from '../../schemas/report.js';
import { tupleKey, type TupleKey } from '../util/tuple-key.js';
import { toFinding } from './classify.js';
import { METRICS } from '../../schemas/metrics.js';
import type { Metric } from '../domain/figures.js';
import { hasMetric, metricsOf } from './counting.js';
import { EXPLAINED_CODES, copiesByCode, type Explanation, type Gathered } from './explain.js';
import { differingCodes } from './join.js';
import { VARIANTS, VariantCounter, variantName } from './variants.js';
import { EXACT, type Tolerances } from './compare.js';
import { bestFit, type Evidence, type KeyDelta } from './drift-fit.js';

export interface RulesExplanation extends Explanation {
  /** The counting rules found, one entry per rule (variant), in the order of their first key. */
  driftRules: DriftRule[];
}

const keyOf = (agency: string, procedure: string | null, metric: string) => tupleKey(agency, procedure, metric);
const metricsIn = (bits: number): Metric[] => METRICS.filter((m) => hasMetric(bits, m));
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Adds `sign` to both keys of each metric of `bits` for the dossier's agency total and procedure. */
function addTo(map: Map<TupleKey, number>, d: CanonicalDossier, bits: number, sign: number): void {
  for (const m of metricsIn(bits)) {
    for (const k of [keyOf(d.agency, null, m), keyOf(d.agency, d.procedure, m)]) map.set(k, (map.get(k) ?? 0) + sign);
  }
}

/**
 * National records alike for the rules: the same agency and procedure, counted the same under
 * the rules and under each variant. Most of a province's sensitive records fall in a few such
 * groups, so the variants are tried per group, not per record.
 */
interface Alike {
  agency: string;
  procedure: string;
  base: number;
  mask: number;
  bySubset: Map<number, number>;
  records: CanonicalDossier[];
}

/** One variant at one agency: its delta per key, and the groups of records it counts differently (with their metrics that change). */
interface Effect {
  delta: Map<TupleKey, KeyDelta>;
  changed: { alike: Alike; diff: number }[];
}

/** The national records of `agencies` that some variant counts differently, in groups of alike ones. */
function alikeGroups(g: Gathered, agencies: Set<string>): Alike[] {
  // agency → procedure → what it counts in under each variant → the group (codes may hold any character: no joined key)
  const groups = new Map<string, Map<string, Map<string, Alike>>>();
  const out: Alike[] = [];
  const counter = new VariantCounter(g.period, g.rules);
  for (const n of g.national) {
    if (!agencies.has(n.agency)) continue;
    const { mask, bySubset } = counter.profile(n);
    if (mask === 0) continue;
    const base = metricsOf(n, g.period, g.rules);
    const counted = `${base} ${mask} ${[...bySubset.values()].join(' ')}`;
    let byProcedure = groups.get(n.agency);
    if (!byProcedure) groups.set(n.agency, (byProcedure = new Map()));
    let byCount = byProcedure.get(n.procedure);
    if (!byCount) byProcedure.set(n.procedure, (byCount = new Map()));
    let a = byCount.get(counted);
    if (!a) {
      byCount.set(counted, (a = { agency: n.agency, procedure: n.procedure, base, mask, bySubset, records: [] }));
      out.push(a);
    }
    a.records.push(n);
  }
  return out;
}

/** Each variant's effect at each of `agencies`, from the national records. */
function effects(g: Gathered, agencies: Set<string>): Map<string, Map<number, Effect>> {
  const out = new Map<string, Map<number, Effect>>();
  for (const alike of alikeGroups(g, agencies)) {
    const { agency, procedure, base, mask, bySubset, records } = alike;
    for (const variant of VARIANTS) {
      const s = variant & mask;
      const bits = s === 0 ? base : bySubset.get(s)!;
      if (bits === base) continue;
      let byVariant = out.get(agency);
      if (!byVariant) out.set(agency, (byVariant = new Map()));
      let e = byVariant.get(variant);
      if (!e) byVariant.set(variant, (e = { delta: new Map(), changed: [] }));
      const diff = bits ^ base;
      e.changed.push({ alike, diff });
      for (const m of metricsIn(diff)) {
        const sign = hasMetric(bits, m) ? records.length : -records.length;
        for (const p of [null, procedure]) {
          const k = keyOf(agency, p, m);
          const kd = e.delta.get(k);
          if (kd) kd.d += sign;
          else e.delta.set(k, { procedure: p, metric: m, d: sign });
        }
      }
    }
  }
  return out;
}

/** What the differing dossiers contribute to each key of `agencies` (as `explain` counts them). */
function contributions(g: Gathered, agencies: Set<string>): Map<TupleKey, number> {
  const out = new Map<TupleKey, number>();
  const copiesOf = copiesByCode(g.national);
  const bits = (d: CanonicalDossier) => metricsOf(d, g.period, g.rules);
  for (const code of differingCodes(g, bits, agencies)) {
    const l = g.local.get(code);
    if (l && agencies.has(l.agency)) addTo(out, l, bits(l), -1);
    for (const n of copiesOf.get(code) ?? []) if (agencies.has(n.agency)) addTo(out, n, bits(n), 1);
  }
  return out;
}

/** Whether a key examined is left with a residual: something for the rules to explain. */
export function hasResidual(ex: Explanation): boolean {
  return ex.mismatches.some((m) => m.residual !== null && m.residual !== undefined && m.residual !== 0);
}

/**
 * `ex` with what the counting rules explain, from `g`: every gathered record, not only the
 * differing ones. `tol`: the comparison's tolerances, under which a key not reported agrees
 * only within its tolerance (src/reconcile/drift-fit.ts; docs/domain.md, Definition drift).
 */
export function explainByRules(g: Gathered, ex: Explanation, tol: Tolerances = EXACT): RulesExplanation {
  const mismatchOf = new Map<TupleKey, Mismatch>();
  const procedureKeysOf = new Map<TupleKey, TupleKey[]>();
  for (const m of ex.mismatches) {
    if (!(METRICS as readonly string[]).includes(m.metric)) continue;
    const k = keyOf(m.agency, m.procedure, m.metric);
    mismatchOf.set(k, m);
    const total = keyOf(m.agency, null, m.metric);
    if (m.procedure !== null) (procedureKeysOf.get(total) ?? procedureKeysOf.set(total, []).get(total)!).push(k);
  }
  const open = new Set<TupleKey>();
  for (const [k, m] of mismatchOf)
    if (m.residual !== null && m.residual !== undefined && m.residual !== 0 && !g.unexamined.has(m.agency)) open.add(k);
  if (open.size === 0) return { ...ex, driftRules: [] };
  const agencies = new Set([...open].map((k) => mismatchOf.get(k)!.agency));

  const byAgency = effects(g, agencies);
  let contrib: Map<TupleKey, number> | undefined; // only when a variant changes a key that is not examined
  let local: Map<TupleKey, number> | undefined; // only when a tolerance hides a key a variant changes
  const ev: Evidence = {
    mismatchOf,
    procedureKeysOf,
    open,
    expected: (k) => {
      const m = mismatchOf.get(k);
      if (m?.residual !== null && m?.residual !== undefined) return m.residual;
      const gap = m ? m.national - m.local : 0;
      return gap - ((contrib ??= contributions(g, agencies)).get(k) ?? 0);
    },
    local: (k) => (local ??= localFigures(g, agencies)).get(k) ?? 0,
    totalOf: (agency, metric) => keyOf(agency, null, metric),
    tol,
  };

  const chosen = new Map<string, number>(); // agency → variant
  for (const agency of [...byAgency.keys()].sort(cmp)) {
    const byVariant = new Map([...byAgency.get(agency)!].map(([v, e]) => [v, e.delta]));
    const v = bestFit(agency, byVariant, ev);
    if (v !== undefined) chosen.set(agency, v);
  }
  if (chosen.size === 0) return { ...ex, driftRules: [] };
  return applyRules(g, ex, chosen, byAgency, mismatchOf);
}

/** The store's figure at each key of `agencies`, from the gathered stored dossiers (all that count in the period). */
function localFigures(g: Gathered, agencies: Set<string>): Map<TupleKey, number> {
  const out = new Map<TupleKey, number>();
  for (const d of g.local.values()) if (agencies.has(d.agency)) addTo(out, d, metricsOf(d, g.period, g.rules), 1);
  return out;
}

/** What the chosen variants account for. */
interface Collected {
  /** A definition_drift finding per dossier a chosen variant counts differently (and not found for a cause of its own). */
  drift: Map<string, Finding>;
  /** The drift dossiers of each key, a sorted list per group of alike records. */
  codesOf: Map<TupleKey, string[][]>;
  /** Each examined key a chosen variant changes, with its delta. */
  resolved: Map<TupleKey, number>;
  /** Per variant: its agencies, keys and dossiers. */
  rules: Map<number, { agencies: string[]; keys: TupleKey[]; dossiers: Set<string> }>;
}

/** The findings, keys and rules of the variants chosen per agency. */
function collect(
  g: Gathered,
  ex: Explanation,
  chosen: Map<string, number>,
  byAgency: Map<string, Map<number, Effect>>,
  mismatchOf: Map<TupleKey, Mismatch>,
): Collected {
  // a dossier found for a cause of its own, under either of its codes (a replaced code, a second code)
  const foundAlready = new Set(
    ex.findings
      .filter((f) => f.dossierCode !== '')
      .flatMap((f) =>
        [f.dossierCode, f.evidence.local?.code, f.evidence.national?.code].filter((c) => c !== undefined),
      ),
  );
  const drift = new Map<string, Finding>();
  const codesOf = new Map<TupleKey, string[][]>();
  const resolved = new Map<TupleKey, number>(); // key → its delta, for the keys a chosen variant changes
  const rules = new Map<number, { agencies: string[]; keys: TupleKey[]; dossiers: Set<string> }>();

  for (const [agency, variant] of chosen) {
    const e = byAgency.get(agency)!.get(variant)!;
    const rule = variantName(g.rules, variant);
    let entry = rules.get(variant);
    if (!entry) rules.set(variant, (entry = { agencies: [], keys: [], dossiers: new Set() }));
    entry.agencies.push(agency);
    for (const [k, { d }] of e.delta) {
      const m = mismatchOf.get(k);
      if (d === 0 || m?.residual === null || m?.residual === undefined) continue; // a key not examined keeps its figures
      resolved.set(k, d);
      entry.keys.push(k);
    }
    const mismatchedMetrics = new Set(
      entry.keys
        .map((k) => mismatchOf.get(k)!)
        .filter((m) => m.agency === agency)
        .map((m) => m.metric),
    );
    for (const { alike, diff } of e.changed) {
      // the group's dossiers (those not found for a cause of their own), sorted once; its keys once
      const records = alike.records.filter((n) => !foundAlready.has(n.code)).sort((a, b) => cmp(a.code, b.code));
      if (records.length === 0) continue;
      const changedMetrics = metricsIn(diff);
      for (const m of changedMetrics)
        for (const k of [keyOf(agency, null, m), keyOf(agency, alike.procedure, m)])
          (codesOf.get(k) ?? codesOf.set(k, []).get(k)!).push(records.map((n) => n.code));
      const named = changedMetrics.filter((m) => mismatchedMetrics.has(m));
      const metrics = named.length ? named : changedMetrics;
      for (const n of records) {
        entry.dossiers.add(n.code);
        const kept = drift.get(n.code);
        if (kept) {
          for (const m of metrics) if (!kept.metrics.includes(m)) kept.metrics.push(m);
          continue;
        }
        const f = toFinding(agency, '', g.local.get(n.code), n);
        drift.set(n.code, { ...f, kind: 'definition_drift', rule, metrics: [...metrics] });
      }
    }
  }

  return { drift, codesOf, resolved, rules };
}

/** The explanation with the chosen variants' findings, accounting and rules added. */
function applyRules(
  g: Gathered,
  ex: Explanation,
  chosen: Map<string, number>,
  byAgency: Map<string, Map<number, Effect>>,
  mismatchOf: Map<TupleKey, Mismatch>,
): RulesExplanation {
  const { drift, codesOf, resolved, rules } = collect(g, ex, chosen, byAgency, mismatchOf);
  const mismatches = ex.mismatches.map((m): Mismatch => {
    const k = keyOf(m.agency, m.procedure, m.metric);
    const d = resolved.get(k);
    if (d === undefined || m.residual === null || m.residual === undefined) return m;
    // each group's first codes are enough to name the key's first EXPLAINED_CODES
    const lists = codesOf.get(k) ?? [];
    const added = lists.reduce((n, l) => n + l.length, 0);
    const first = lists.flatMap((l) => l.slice(0, EXPLAINED_CODES));
    const codes = [...new Set([...(m.explainedBy?.codes ?? []), ...first])].sort(cmp).slice(0, EXPLAINED_CODES);
    return { ...m, residual: m.residual - d, explainedBy: { count: (m.explainedBy?.count ?? 0) + added, codes } };
  });
  const zeroed = new Set(mismatches.filter((m) => m.residual === 0).map((m) => keyOf(m.agency, m.procedure, m.metric)));
  const dossierFindings = [...ex.findings.filter((f) => f.kind !== UNEXPLAINED), ...drift.values()]
    .map((f) => ({ ...f, metrics: [...f.metrics].sort() }))
    .sort((a, b) => cmp(a.dossierCode, b.dossierCode));
  const unexplained = ex.findings.filter(
    (f) => f.kind === UNEXPLAINED && !(f.key && zeroed.has(keyOf(f.agency, f.key.procedure, f.key.metric))),
  );
  const order = new Map(ex.mismatches.map((m, i) => [keyOf(m.agency, m.procedure, m.metric), i]));
  const driftRules = [...rules].map(([variant, r]): DriftRule => {
    const keys = [...new Set(r.keys)].sort((a, b) => order.get(a)! - order.get(b)!);
    return {
      rule: variantName(g.rules, variant),
      agencies: r.agencies.sort(cmp),
      keys: keys.map((k) => {
        const m = mismatchOf.get(k)!;
        return { agency: m.agency, procedure: m.procedure, metric: m.metric };
      }),
      dossiers: [...r.dossiers].sort(cmp),
    };
  });
  driftRules.sort((a, b) => firstKey(a, order) - firstKey(b, order));
  return { ...ex, findings: [...dossierFindings, ...unexplained], mismatches, driftRules };
}

function firstKey(r: DriftRule, order: Map<TupleKey, number>): number {
  const k = r.keys[0];
  return k ? (order.get(keyOf(k.agency, k.procedure, k.metric)) ?? 0) : 0;
}
