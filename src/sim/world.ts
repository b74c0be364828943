/**
 * A deterministic simulated world: for each province, the dossiers of its provincial system
 * (`local`) and the copy the national portal holds (`national`), which differs only by a few
 * injected discrepancies listed in `truth` (the ground truth a reconciliation must find).
 *
 * Choices (documented here because the simulators are the project's reference data):
 * - `now` is 02:00 Vietnam time on the 2nd day after the month: `period.end + 1 day + 2 h`
 *   (period.end is the local midnight that closes the month). Nothing happens after `now`.
 * - Dossiers are received (accepted at intake) in [period.start − 20 days, period.end). Every
 *   dossier has a `receivedAt`, including status 1 (submitted: the intake time) and 3
 *   (refused at intake); the counting rules ignore those two statuses.
 * - Dossier codes are `<agency>-<YYMMDD>-<NNNN>` with the sequence in receive order within the
 *   agency's Vietnam calendar day. Because the sequence has 4 digits (≤ 9999 a day per
 *   agency), `agenciesPerProvince` is raised automatically when the volume needs more
 *   agency-days (e.g. 2,000,000 dossiers in one month need about 9 agencies).
 * - All timestamps are whole seconds (the wire format has second resolution).
 * - Dossiers that are not injected are the same objects on both sides.
 *
 * Injected discrepancies (docs/domain.md, Root causes; kinds of docs/contracts.md, The JSON report),
 * each on its own dossier and listed in `truth`:
 * - missing_national: in the province, absent nationally (received in the period).
 * - missing_local: present nationally, deleted in the province (received in the period). The
 *   province generates `dossiersPerProvince + missingLocal` dossiers and deletes these, so
 *   `local` still holds `dossiersPerProvince` (with a gap in that day's sequence).
 * - status_lag: national status 4 (in progress) for a dossier finished in the period.
 * - date_shift: national dates 7 hours earlier (local time written as UTC).
 * - definition_drift: a dossier finished in the period and returned after it; nationally its
 *   finish date is the return date ("processed" keyed on the return date). The local return
 *   date is moved after the period when the dossier was not returned after it already.
 * - definition_drift by a status mapping (`inject.withdrawnMapped`, default 0): a dossier
 *   finished in the period is withdrawn in the province at that moment (7), while the portal
 *   got the same update as finished (9): `truth` names the rule "withdrawn counted as processed".
 * - code_divergence, form `replaced_code`: nationally the dossier has a random-looking code
 *   (no agency prefix) instead of its own, and its own code is absent. The portal files a code
 *   without an agency under the unit that pushed it, the province's root agency *(ours)*, so
 *   the dossier moves from its agency (never the root) to the root in the national figures.
 *   `truth` names the local code (`related`: the national one).
 * - code_divergence, form `unmapped_procedure`: the provincial system holds the dossier under a
 *   local-variant procedure code (`<national>.<root agency>`, e.g. `1.003560.000.00.00.H56`),
 *   which the national copy kept as it is (the same object on both sides). `procedureMap` maps
 *   the variant to the national code: a source configured with it stores the national code, so
 *   only the per-procedure figures differ. `expectedStore` gives the store's expected content.
 *   These dossiers are all at one non-root agency that carries no other injection, so that
 *   agency's totals agree and its per-procedure mismatches are drilled.
 * - duplicate_national, in three forms, each copy counted by the national statistics:
 *   - `second_code` (`inject.duplicateNational`): the portal holds the dossier twice, under its
 *     own code and under a new sequence number of the same agency and day. `truth` names the
 *     extra national code (`related`: the original).
 *   - `listed_twice` (`inject.duplicateListedTwice`): the portal holds the same code twice
 *     (pushed twice): `DanhSachHoSo` lists it twice, `ThongKeHoSo` counts it twice. `truth`
 *     names the code.
 *   - `two_agencies` (`inject.duplicateTwoAgencies`): the portal holds the same code under its
 *     own agency and under another agency of the province (never the root, whose code lists
 *     the whole province, nor the unmapped-procedure one),
 *     listed and counted under both. `truth` names the code and the other agency (the extra
 *     copy's); `related` is absent, as the code is the same.
 *   One truth entry per extra copy.
 * Every injected dossier has its own (agency, procedure) pair (a replaced code also the root's
 * pair of its procedure; a copy under another agency that agency's pair), so each changes a
 * per-procedure count no other injection can cancel. With `shareKeys`, injections may share a
 * pair with others that move the national figures the same way (fewer: missing_national,
 * status_lag, date_shift, definition_drift, a replaced code at its agency; more:
 * missing_local, duplicates, a replaced code at the root), and are steered onto shared pairs:
 * several kinds on the same agency and procedure, where none can cancel another (each lowers,
 * or raises, "to process", "processed" or "received" at its key).
 *
 * Counting rules (`nationalRules`, default none): the national statistics follow variants of
 * the counting rules, the records alike (src/sim/world/rules.ts); `truth` names each national
 * dossier counted differently (`form` `counting_rule`, with the rule), `ruleNames` the rule per agency.
 *
 * Unexplained keys (`unexplainedKeys`, default 0 per province): the national statistics of an
 * (agency, procedure) pair carrying no injection, counted in the period, get `residual` (+1 or
 * +2) added to one metric, with no dossier behind it. `World.unexplainedKeys` lists each such
 * key and its agency total (procedure null), which moves with it; one agency and metric at most
 * once per province.
 * The dossiers behind missing_local, replaced codes and duplicates have content (receivedAt,
 * dueAt, channel, procedure) no other dossier of the province shares, so matching by content
 * across codes is unambiguous. Too small a volume for the asked injections throws.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { DAY_MS } from '../domain/time.js';
import { monthPeriod } from '../domain/period.js';
import { makeProcedures } from './world/dossiers.js';
import { generateProvince, unexplainedKeysOf } from './world/province.js';
import { checkNationalRules } from './world/rules.js';
import { HOUR } from './world/time.js';
import {
  DEFAULT_INJECT,
  INJECT_FIELDS,
  type Clock,
  type InjectCounts,
  type ProvinceWorld,
  type TruthEntry,
  type World,
  type WorldOptions,
} from './world/types.js';

export { compareByUpdated, lowerBound, sortByUpdated } from './world/order.js';
export { NATIONAL_RULES, type NationalRule } from './world/rules.js';
export {
  DEFAULT_INJECT,
  NO_INJECT,
  SHIFT_MS,
  type DuplicateForm,
  type InjectCounts,
  type InjectedKind,
  type NationalAlteration,
  type ProvinceWorld,
  type TruthEntry,
  type UnexplainedKey,
  type World,
  type WorldOptions,
} from './world/types.js';

/**
 * What a store synced from this province's source holds, given the source's procedure map
 * (default: the province's own, `procedureMap`): `local` with each mapped procedure code
 * replaced by its national code. Same order as `local`.
 */
export function expectedStore(
  p: ProvinceWorld,
  procedureMap: Readonly<Record<string, string>> = p.procedureMap,
): CanonicalDossier[] {
  return p.local.map((d) =>
    Object.hasOwn(procedureMap, d.procedure) ? { ...d, procedure: procedureMap[d.procedure]! } : d,
  );
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`simulator: ${name} must be an integer ≥ ${min}, got ${v}`);
}

export function generateWorld(opts: WorldOptions): World {
  if (!Number.isFinite(opts.seed)) throw new Error(`simulator: seed must be a number, got ${opts.seed}`);
  checkCount('dossiersPerProvince', opts.dossiersPerProvince, 1);
  if (opts.agenciesPerProvince !== undefined) checkCount('agenciesPerProvince', opts.agenciesPerProvince, 1);
  if (opts.unexplainedKeys !== undefined) checkCount('unexplainedKeys', opts.unexplainedKeys, 0);
  const procedureCount = opts.procedures ?? 20;
  checkCount('procedures', procedureCount, 1);
  if (procedureCount > 10_000) throw new Error('simulator: procedures must be at most 10000');
  const inject: InjectCounts = { ...DEFAULT_INJECT };
  for (const [k, v] of Object.entries(opts.inject ?? {})) {
    if (!(INJECT_FIELDS as string[]).includes(k))
      throw new Error(`simulator: inject.${k} is not a kind of discrepancy (${INJECT_FIELDS.join(', ')})`);
    if (v !== undefined) inject[k as keyof InjectCounts] = v;
  }
  for (const k of INJECT_FIELDS) checkCount(`inject.${k}`, inject[k], 0);
  if (inject.dateShift > opts.dossiersPerProvince)
    throw new Error('simulator: more date_shift discrepancies than dossiers per province');
  const injected = INJECT_FIELDS.reduce((s, k) => s + (k === 'missingLocal' ? 0 : inject[k]), 0);
  if (injected > opts.dossiersPerProvince)
    throw new Error(
      `simulator: ${injected} discrepancies per province but only ${opts.dossiersPerProvince} dossiers; raise the volume`,
    );
  if (opts.provinces.length === 0) throw new Error('simulator: no provinces');
  checkNationalRules(opts.nationalRules ?? []);
  const seen = new Set<string>();
  for (const p of opts.provinces) {
    if (!/^[A-Z]\d{2}$/.test(p)) throw new Error(`simulator: province "${p}" is not a unit code like H49`);
    if (seen.has(p)) throw new Error(`simulator: province ${p} listed twice`);
    seen.add(p);
  }
  const period = monthPeriod(opts.month);
  const clock: Clock = { period, now: period.end + DAY_MS + 2 * HOUR };
  const procedures = makeProcedures(opts.seed, procedureCount);
  const provinces: ProvinceWorld[] = [];
  const truth: TruthEntry[] = [];
  const procedureMap: Record<string, string> = {};
  for (const p of opts.provinces) {
    const g = generateProvince(p, opts, procedures, clock, inject);
    provinces.push(g.world);
    truth.push(...g.truth);
    Object.assign(procedureMap, g.world.procedureMap);
  }
  const unexplainedKeys = provinces.flatMap(unexplainedKeysOf);
  return { seed: opts.seed, period, now: clock.now, provinces, truth, inject, procedureMap, unexplainedKeys };
}

/** Writes the ground truth as JSON: `{ seed, period: {from, to}, truth }`, and `unexplainedKeys` when there are some. */
export async function writeTruth(world: World, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const body = {
    seed: world.seed,
    period: { from: world.period.from, to: world.period.to },
    truth: world.truth,
    ...(world.unexplainedKeys.length ? { unexplainedKeys: world.unexplainedKeys } : {}),
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, 'utf8');
}
