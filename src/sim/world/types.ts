/** The shapes of a simulated world (src/sim/world.ts) and what it injects. */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import type { FINDING_KINDS } from '../../../schemas/report.js';
import { groupKey } from '../../domain/group.js';
import type { Period } from '../../domain/period.js';
import type { OracleMetric, OracleRules } from '../oracle.js';
import type { NationalRule } from './rules.js';

export type InjectedKind = (typeof FINDING_KINDS)[number];
export interface TruthEntry {
  province: string;
  agency: string;
  /** The code a finding must name: the local code, or the national one for missing_local and duplicate_national. */
  dossierCode: string;
  kind: InjectedKind;
  /** code_divergence and duplicate_national: which form; definition_drift by a counting rule (not by its record): `counting_rule`. */
  form?: 'replaced_code' | 'unmapped_procedure' | DuplicateForm | 'counting_rule';
  /** The other code involved: the national code of a replaced code, the original of a duplicate. */
  related?: string;
  /** definition_drift by a counting rule of the portal's (WorldOptions.nationalRules): the rule's name. */
  rule?: string;
}
export type DuplicateForm = 'second_code' | 'listed_twice' | 'two_agencies';
/** A national figure altered with no dossier behind it: what a reconciliation must leave unexplained. */
export interface UnexplainedKey {
  province: string;
  agency: string;
  /** null: the agency's total, which moves with its procedure's row. */
  procedure: string | null;
  metric: OracleMetric;
  /** national − local that no dossier accounts for. */
  residual: number;
}
/** A national statistics row altered by `delta` (see UnexplainedKey). */
export interface NationalAlteration {
  agency: string;
  procedure: string;
  metric: OracleMetric;
  delta: number;
}
export interface InjectCounts {
  /** missing_national */
  notSynced: number;
  statusLag: number;
  dateShift: number;
  missingLocal: number;
  /** code_divergence by a replaced dossier code */
  replacedCode: number;
  /** code_divergence by an unmapped local procedure code */
  unmappedProcedure: number;
  definitionDrift: number;
  /** definition_drift by a status mapping: withdrawn in the province (7), finished nationally (9) */
  withdrawnMapped: number;
  /** duplicate_national, form second_code */
  duplicateNational: number;
  /** duplicate_national, form listed_twice */
  duplicateListedTwice: number;
  /** duplicate_national, form two_agencies */
  duplicateTwoAgencies: number;
}
export interface WorldOptions {
  seed: number;
  /** 'YYYY-MM', the reporting period. */
  month: string;
  /** Unit codes like 'H49'. */
  provinces: string[];
  dossiersPerProvince: number;
  /** Default 4 (raised when the volume or the injections need it, see above). */
  agenciesPerProvince?: number;
  /** Number of national-form procedure codes, default 20. */
  procedures?: number;
  /** Counts per province; kinds left out take DEFAULT_INJECT's. */
  inject?: Partial<InjectCounts>;
  /** Let injections share (agency, procedure) pairs, and steer them onto shared ones (see above). Default false. */
  shareKeys?: boolean;
  /** National figures altered per province with no dossier behind them (see above). Default 0. */
  unexplainedKeys?: number;
  /** Counting rules the portal's statistics follow instead of the default ones (src/sim/world/rules.ts). Default none. */
  nationalRules?: readonly NationalRule[];
}
export interface ProvinceWorld {
  province: string;
  agencies: string[];
  /** What the provincial system serves. Sorted by (updatedAt, code). */
  local: CanonicalDossier[];
  /** Sorted by (updatedAt, code). */
  national: CanonicalDossier[];
  /** Local-variant procedure code → national code, for this province's source configuration. */
  procedureMap: Record<string, string>;
  /** What the national statistics add to their rows (unexplained keys); usually none. */
  nationalAlterations: NationalAlteration[];
  /** The rules the national statistics count by (WorldOptions.nationalRules); absent: the default ones. */
  nationalRules?: OracleRules;
  /** Per agency, the rules that count one of its national dossiers differently, as a report names them. */
  ruleNames?: Record<string, string>;
}
export interface World {
  seed: number;
  period: Period;
  now: number;
  provinces: ProvinceWorld[];
  truth: TruthEntry[];
  /** The counts injected per province. */
  inject: InjectCounts;
  /** Every province's `procedureMap` together: what each source's `procedureMap` should be. */
  procedureMap: Record<string, string>;
  /** The keys whose national figures no dossier explains (WorldOptions.unexplainedKeys). */
  unexplainedKeys: UnexplainedKey[];
}

export const DEFAULT_INJECT: Readonly<InjectCounts> = {
  notSynced: 3,
  statusLag: 3,
  dateShift: 2,
  missingLocal: 1,
  replacedCode: 1,
  unmappedProcedure: 1,
  definitionDrift: 1,
  withdrawnMapped: 0,
  duplicateNational: 1,
  duplicateListedTwice: 0,
  duplicateTwoAgencies: 0,
};
/** No discrepancy of any kind: what a test spreads the ones it wants over. */
export const NO_INJECT: Readonly<InjectCounts> = {
  notSynced: 0,
  statusLag: 0,
  dateShift: 0,
  missingLocal: 0,
  replacedCode: 0,
  unmappedProcedure: 0,
  definitionDrift: 0,
  withdrawnMapped: 0,
  duplicateNational: 0,
  duplicateListedTwice: 0,
  duplicateTwoAgencies: 0,
};
/** The "local time written as UTC" shift of a date_shift discrepancy. */
export const SHIFT_MS = 7 * 3600_000;

/** The order of the ground truth's kinds. */
export const KIND_ORDER: Record<InjectedKind, number> = {
  missing_national: 0,
  status_lag: 1,
  date_shift: 2,
  missing_local: 3,
  code_divergence: 4,
  definition_drift: 5,
  duplicate_national: 6,
};
export const INJECT_FIELDS = Object.keys(DEFAULT_INJECT) as (keyof InjectCounts)[];

/** A national-form procedure code and its processing time. */
export interface Procedure {
  code: string;
  dueDays: number;
}

/** The period generated and the moment the world is seen at (nothing happens after `now`). */
export interface Clock {
  period: Period;
  now: number;
}

/** Which way an injection moves the national figures of an (agency, procedure) pair (see shareKeys). */
export type Direction = 'fewer' | 'more' | 'unmapped';

/** The key of an (agency, procedure) pair. */
export const pairOf = (agency: string, procedure: string) => groupKey(agency, procedure);
