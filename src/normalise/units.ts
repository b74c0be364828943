/**
 * The level-1 unit registry (provinces and centrally-run cities) as data with validity dates
 * (docs/domain.md, Province codes after 2025). Loaded once from `data/provincial-units.json` and
 * validated at module load: a broken file fails fast instead of mapping codes wrongly.
 *
 * Dates are Vietnam calendar days: an instant is placed on its Vietnam-local day before it is
 * compared with `validFrom` / `validTo` (both inclusive).
 */
import {
  SHIPPED_UNITS,
  unitRegistryFile,
  type ConfiguredUnit,
  type UnitRecord,
  type UnitRegistryFile,
} from '../../schemas/units.js';
import { agencyOfDossierCode, provinceOfAgency } from '../domain/codes.js';
import { formatDay } from '../domain/time.js';

export type { UnitRecord } from '../../schemas/units.js';

const UNIT = /^H\d{2}$/;

/** The level-1 segment of a unit code, an agency code or a dossier code; undefined otherwise. */
export function unitSegment(agencyCodeOrUnit: string): string | undefined {
  const s = agencyCodeOrUnit.trim();
  if (UNIT.test(s)) return s;
  const agency = agencyOfDossierCode(s) ?? s;
  return provinceOfAgency(agency);
}

export interface UnitRegistry {
  /** The registry record of a unit (`H49`) or of the unit an agency code belongs to. */
  unitOf(agencyCodeOrUnit: string): UnitRecord | undefined;
  /**
   * The code of the unit that covers it at `at` (default: now): itself while its code is valid,
   * its successor (followed as far as needed) after its last day. Undefined for an unknown code,
   * a date before the code existed, or a successor whose code is not confirmed.
   */
  currentProvince(agencyCodeOrUnit: string, at?: Date): string | undefined;
  /** The units whose code is valid at `at`. */
  activeUnits(at: Date): UnitRecord[];
  /** Every record, in code order. */
  readonly units: readonly UnitRecord[];
  /** Names of pre-merger units whose code is not confirmed (not in `units`). */
  readonly unconfirmed: readonly string[];
  readonly mergerDate: string;
  /** A province for people: its code and, when the registry knows it, its name (`H56 Thanh Hóa`). */
  label(code: string): string;
}

/** The source id the records of `units` in the configuration cite. */
export const CONFIGURED_SOURCE = 'configuration';

/** A configured unit as a registry record (validated by the configuration schema). */
function recordOf(u: ConfiguredUnit, nameOf: (code: string) => string | undefined): UnitRecord {
  const successor = u.validTo === null ? u.code : u.mergedInto;
  return {
    code: u.code,
    name: u.name,
    kind: u.kind,
    validFrom: u.validFrom,
    validTo: u.validTo,
    successor,
    successorName: (successor === null ? undefined : nameOf(successor)) ?? u.name,
    sources: [CONFIGURED_SOURCE],
  };
}

function validOn(u: UnitRecord, day: string): boolean {
  return (u.validFrom === null || u.validFrom <= day) && (u.validTo === null || day <= u.validTo);
}

/**
 * Builds a registry from file content (validated here) and the units of the configuration,
 * which add to or override the file's records by code. The module's default uses the data
 * file alone.
 */
export function createUnitRegistry(raw: unknown, configured: readonly ConfiguredUnit[] = []): UnitRegistry {
  const file: UnitRegistryFile = unitRegistryFile.parse(raw);
  const names = new Map([...file.units, ...configured].map((u) => [u.code, u.name]));
  const own = new Set(configured.map((u) => u.code));
  const merged = [
    ...file.units.filter((u) => !own.has(u.code)),
    ...configured.map((u) => recordOf(u, (c) => names.get(c))),
  ];
  const units = Object.freeze(merged.sort((a, b) => a.code.localeCompare(b.code)).map((u) => Object.freeze(u)));
  const byCode = new Map(units.map((u) => [u.code, u]));

  const unitOf = (agencyCodeOrUnit: string): UnitRecord | undefined => {
    const seg = unitSegment(agencyCodeOrUnit);
    return seg === undefined ? undefined : byCode.get(seg);
  };

  const currentProvince = (agencyCodeOrUnit: string, at: Date = new Date()): string | undefined => {
    const t = at.getTime();
    if (Number.isNaN(t)) return undefined;
    const day = formatDay(t);
    let unit = unitOf(agencyCodeOrUnit);
    // Bounded walk: a chain of successors can't be longer than the registry.
    for (let hops = 0; unit !== undefined && hops <= units.length; hops++) {
      if (unit.validFrom !== null && day < unit.validFrom) return undefined;
      if (unit.validTo === null || day <= unit.validTo) return unit.code;
      if (unit.successor === null || unit.successor === unit.code) return undefined;
      unit = byCode.get(unit.successor);
    }
    return undefined;
  };

  const activeUnits = (at: Date): UnitRecord[] => {
    const t = at.getTime();
    if (Number.isNaN(t)) return [];
    const day = formatDay(t);
    return units.filter((u) => validOn(u, day));
  };

  return {
    unitOf,
    currentProvince,
    activeUnits,
    units,
    unconfirmed: Object.freeze([...file.unconfirmed]),
    mergerDate: file.mergerDate,
    label: (code) => {
      const name = unitOf(code)?.name;
      return name ? `${code} ${name}` : code;
    },
  };
}

/** The registry of `data/provincial-units.json`, loaded and validated once. */
export const unitRegistry: UnitRegistry = createUnitRegistry(SHIPPED_UNITS);

export const unitOf = unitRegistry.unitOf;
export const currentProvince = unitRegistry.currentProvince;
export const activeUnits = unitRegistry.activeUnits;

/** The shipped registry with the configuration's `units` (the shipped one when there are none). */
export function registryWith(configured: readonly ConfiguredUnit[]): UnitRegistry {
  return configured.length === 0 ? unitRegistry : createUnitRegistry(SHIPPED_UNITS, configured);
}

/**
 * The registry reports and the dashboard name provinces with: set once at start by the
 * runtime from the configuration (`useUnits`); the shipped one until then. A test that sets
 * it puts the shipped one back with `useUnits([])` (test files run in their own module scope).
 */
let labels: UnitRegistry = unitRegistry;

export function useUnits(configured: readonly ConfiguredUnit[]): UnitRegistry {
  labels = registryWith(configured);
  return labels;
}

/** A province for people: its code and, when the registry in use knows it, its name (`H56 Thanh Hóa`). */
export function provinceLabel(code: string): string {
  return labels.label(code);
}
