/** `ThongKeHoSo`, provincial and national: statistics counted by the simulators' own counting rules. */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { toStatsRow } from '../../dialects/dvcqg/fields.js';
import { misreportInto, misreportedProcedure, type Misreport } from '../misreport.js';
import { ORACLE_DEFAULT_RULES, oracleCounts, oracleZero, type OracleRules } from '../oracle.js';
import { boolParam, periodParams, type Params } from './params.js';
import type { Reply, Unit } from './state.js';

/**
 * Statistics of `dossiers` (one province's local or national copy) under `unit`, counted by
 * the simulators' own counting rules (src/sim/oracle.ts) under `rules` (the national statistics
 * may follow a variant: WorldOptions.nationalRules), with `misreport` applied.
 */
export function thongKeHoSo(
  dossiers: readonly CanonicalDossier[],
  unit: Unit,
  params: Params,
  misreport: readonly Misreport[] = [],
  rules: OracleRules = ORACLE_DEFAULT_RULES,
): Reply {
  const { from, to } = periodParams(params);
  const days = { from, to };
  const byAgency = boolParam(params, 'theoDonVi');
  const byProcedure = boolParam(params, 'theoTTHC');
  // one group per row: [agency, procedure] (procedure '' when not split by procedure), as JSON
  // so that no character of a code can run two keys together
  const keyOf = (agency: string, procedure: string) =>
    JSON.stringify([byAgency ? agency : unit.code, byProcedure ? procedure : '']);
  const mine = unit.agency === null ? dossiers : dossiers.filter((d) => d.agency === unit.agency);
  const groups = oracleCounts(mine, days, (d) => keyOf(d.agency, d.procedure), rules);
  for (const m of misreport) {
    if (unit.agency !== null && m.agency !== unit.agency) continue;
    const procedure = byProcedure ? misreportedProcedure(m, dossiers, days) : '';
    if (procedure !== undefined) misreportInto(groups, keyOf(m.agency, procedure), m);
  }
  const rowAgencies = byAgency ? (unit.agency === null ? unit.index.world.agencies : [unit.agency]) : [unit.code];
  const procedures = new Map<string, string[]>(); // row agency → its procedures
  for (const key of groups.keys()) {
    const [agency, procedure] = JSON.parse(key) as [string, string];
    let list = procedures.get(agency);
    if (!list) procedures.set(agency, (list = []));
    list.push(procedure);
  }
  const data: Record<string, string>[] = [];
  for (const agency of rowAgencies) {
    if (!byProcedure) data.push(toStatsRow(agency, groups.get(keyOf(agency, '')) ?? oracleZero()));
    else
      for (const procedure of (procedures.get(agency) ?? []).sort())
        data.push(toStatsRow(agency, groups.get(keyOf(agency, procedure))!, procedure));
  }
  return { error_code: 0, tongSo: data.length, data };
}
