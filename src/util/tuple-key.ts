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
