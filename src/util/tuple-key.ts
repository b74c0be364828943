/**
 * Keys built from codes. Agency, procedure and dossier codes come from the sources and the
 * national feed and may hold any character (`|`, `:`, `@`, …), so a key is never a join of
 * them: it is an encoded tuple, built and read back only here.
 */

/** A key for a tuple of codes, one-to-one: two different tuples never share a key. */
export type TupleKey = string & { readonly __tupleKey: unique symbol };

export function tupleKey(...parts: (string | null)[]): TupleKey {
  return JSON.stringify(parts) as TupleKey;
}

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
