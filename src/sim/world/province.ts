/** One province of the world: its dossiers, the injected discrepancies, their ground truth. */
import { STATUS, type CanonicalDossier } from '../../../schemas/dossier.js';
import { ORACLE_METRICS } from '../oracle.js';
import { Rng, hashSeed } from '../random.js';
import { chooseInjected, type Chosen } from './choose.js';
import { drifted, lagged, randomCode, returnAfterPeriod, shifted } from './discrepancies.js';
import { generateDossiers, layOut, type Layout } from './dossiers.js';
import { sortByUpdated } from './order.js';
import { RULE_NAMES, oracleRulesOf, ruleTruth, shapeForRules } from './rules.js';
import {
  KIND_ORDER,
  pairOf,
  type Clock,
  type InjectCounts,
  type InjectedKind,
  type NationalAlteration,
  type Procedure,
  type ProvinceWorld,
  type TruthEntry,
  type UnexplainedKey,
  type WorldOptions,
} from './types.js';

export function generateProvince(
  province: string,
  opts: WorldOptions,
  procedures: Procedure[],
  clock: Clock,
  inject: InjectCounts,
): { world: ProvinceWorld; truth: TruthEntry[] } {
  const rng = new Rng(hashSeed(opts.seed, 'province', province));
  const layout = layOut(province, opts, clock, inject, rng);
  const injectRng = new Rng(hashSeed(opts.seed, 'inject', province));
  const all = generateDossiers(layout, procedures, clock, rng);
  const rules = opts.nationalRules ?? [];
  if (rules.length) {
    shapeForRules(all, rules, clock, new Rng(hashSeed(opts.seed, 'rules', province)));
    sortByUpdated(all);
  }
  const chosen = chooseInjected(all, layout, clock, inject, opts.shareKeys === true, rng, injectRng);
  const { added, truth, procedureMap } = applyInjections(chosen, layout, clock, rng, injectRng);

  const gone = new Set(chosen.deleted);
  const local = all.filter((d) => !gone.has(d));
  if (chosen.drift.length || chosen.mapped.length) sortByUpdated(local); // return dates moved, dossiers withdrawn
  const notNational = new Set<CanonicalDossier>([
    ...chosen.shift,
    ...chosen.lag,
    ...chosen.drift,
    ...chosen.missing,
    ...chosen.replaced,
    ...chosen.mapped,
  ]);
  const national = all.filter((d) => !notNational.has(d));
  national.push(...added);
  sortByUpdated(national);
  const named = new Set(truth.flatMap((t) => [t.dossierCode, ...(t.related === undefined ? [] : [t.related])]));
  const byRule = ruleTruth(province, national, rules, { from: clock.period.from, to: clock.period.to }, named);
  truth.push(...byRule.truth);
  truth.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.dossierCode < y.dossierCode ? -1 : 1));
  const nationalAlterations = unexplained(opts, province, chosen.free);
  const world: ProvinceWorld = {
    province,
    agencies: layout.agencies,
    local,
    national,
    procedureMap,
    nationalAlterations,
  };
  if (rules.length) Object.assign(world, { nationalRules: oracleRulesOf(rules), ruleNames: byRule.byAgency });
  return { world, truth };
}

/**
 * Applies the chosen injections, kind after kind (the order draws from `rng` and `injectRng`):
 * the national copies they add, their ground truth, and the procedure map of the unmapped codes
 * (whose dossiers change on both sides).
 */
function applyInjections(
  chosen: Chosen,
  layout: Layout,
  clock: Clock,
  rng: Rng,
  injectRng: Rng,
): { added: CanonicalDossier[]; truth: TruthEntry[]; procedureMap: Record<string, string> } {
  const { province, root } = layout;
  const { usedCodes, nextSeq } = chosen;
  const truth: TruthEntry[] = [];
  const record = (d: CanonicalDossier, kind: InjectedKind, extra: Partial<TruthEntry> = {}) =>
    truth.push({ province, agency: d.agency, dossierCode: d.code, kind, ...extra });
  const procedureMap: Record<string, string> = {};
  const added: CanonicalDossier[] = [];
  for (const d of chosen.shift) {
    added.push(shifted(d));
    record(d, 'date_shift');
  }
  for (const d of chosen.lag) {
    added.push(lagged(d, rng));
    record(d, 'status_lag');
  }
  for (const d of chosen.drift) {
    returnAfterPeriod(d, rng, clock);
    added.push(drifted(d));
    record(d, 'definition_drift', { rule: RULE_NAMES['return-date'] }); // its national finish date is its return date
  }
  for (const d of chosen.mapped) {
    // withdrawn when it would have finished; the portal got the same update as finished (9)
    const at = d.finishedAt!;
    added.push({ ...d, status: STATUS.FINISHED, returnedAt: null, updatedAt: at });
    Object.assign(d, { status: STATUS.WITHDRAWN, returnedAt: null, updatedAt: at });
    record(d, 'definition_drift', { rule: RULE_NAMES.withdrawn });
  }
  for (const d of chosen.missing) record(d, 'missing_national');
  for (const d of chosen.replaced) {
    let code = randomCode(injectRng);
    while (usedCodes.has(code)) code = randomCode(injectRng);
    usedCodes.add(code);
    added.push({ ...d, code, agency: root });
    record(d, 'code_divergence', { form: 'replaced_code', related: code });
  }
  for (const d of chosen.deleted) record(d, 'missing_local');
  for (const d of chosen.duplicated) {
    const code = d.code.slice(0, -4) + String(nextSeq(d)).padStart(4, '0');
    usedCodes.add(code);
    const copy = { ...d, code };
    added.push(copy);
    record(copy, 'duplicate_national', { form: 'second_code', related: d.code });
  }
  for (const d of chosen.listedTwice) {
    added.push({ ...d });
    record(d, 'duplicate_national', { form: 'listed_twice' });
  }
  for (const d of chosen.twoAgencies) {
    const agency = chosen.otherAgency(d);
    added.push({ ...d, agency });
    record(d, 'duplicate_national', { agency, form: 'two_agencies' });
  }
  for (const d of chosen.unmapped) {
    const variant = `${d.procedure}.${root}`;
    procedureMap[variant] = d.procedure;
    d.procedure = variant; // on both sides: the national copy is the same object
    record(d, 'code_divergence', { form: 'unmapped_procedure' });
  }
  return { added, truth, procedureMap };
}

/**
 * The national figures altered with no dossier behind them (WorldOptions.unexplainedKeys): on
 * the pairs of `free` dossiers (counted in the period, on a pair no injection uses), one agency
 * and metric at most once. Its own random stream, so the rest of the world is unchanged.
 */
function unexplained(opts: WorldOptions, province: string, free: readonly CanonicalDossier[]): NationalAlteration[] {
  const k = opts.unexplainedKeys ?? 0;
  const rng = new Rng(hashSeed(opts.seed, 'unexplained', province));
  const pairs = [...new Map(free.map((d) => [pairOf(d.agency, d.procedure), d] as const)).values()];
  const out: NationalAlteration[] = [];
  const used = new Set<string>();
  while (out.length < k) {
    if (pairs.length === 0)
      throw new Error(
        `simulator: only ${out.length} (agency, procedure) pairs of province ${province} can carry an unexplained key, ${k} asked; raise the volume`,
      );
    const d = pairs.splice(rng.int(0, pairs.length - 1), 1)[0]!;
    const metric = ORACLE_METRICS[rng.int(0, ORACLE_METRICS.length - 1)]!;
    if (used.has(`${d.agency}|${metric}`)) continue;
    used.add(`${d.agency}|${metric}`);
    out.push({ agency: d.agency, procedure: d.procedure, metric, delta: rng.int(1, 2) });
  }
  return out;
}

/** A province's alterations as the keys they leave unexplained: each procedure row and its agency total. */
export function unexplainedKeysOf(p: ProvinceWorld): UnexplainedKey[] {
  return p.nationalAlterations.flatMap(({ agency, procedure, metric, delta }) => [
    { province: p.province, agency, procedure, metric, residual: delta },
    { province: p.province, agency, procedure: null, metric, residual: delta },
  ]);
}
