/**
 * The (agency, procedure) pair figures are counted by, and its typed key: built and read
 * back only here, never a join of the codes (they may hold any character).
 */
import { tupleKey, type TupleKey } from '../util/tuple-key.js';

/** A group of counts: one agency (`procedure` null, the agency's total) or one procedure at an agency. */
export interface Group {
  agency: string;
  procedure: string | null;
}

/** The key of an (agency, procedure) group. */
export type GroupKey = TupleKey & { readonly __group: unique symbol };

export function groupKey(agency: string, procedure: string | null): GroupKey {
  return tupleKey(agency, procedure) as GroupKey;
}

export function parseGroupKey(key: GroupKey): Group {
  const [agency, procedure] = JSON.parse(key) as [string, string | null];
  return { agency, procedure };
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Report order: by agency, the agency's total before its procedures, then by procedure. */
export function compareGroups(a: Group, b: Group): number {
  if (a.agency !== b.agency) return byCodeUnits(a.agency, b.agency);
  if (a.procedure === b.procedure) return 0;
  if (a.procedure === null) return -1;
  if (b.procedure === null) return 1;
  return byCodeUnits(a.procedure, b.procedure);
}
