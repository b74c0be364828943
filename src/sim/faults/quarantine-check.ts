/** Whether a source's quarantine holds every malformed item the simulator served, each with its reason. */
import type { MalformedItem } from '../faults.js';

/** Canonical JSON (keys sorted), to compare a quarantined raw item with the item served. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

export interface QuarantineCheck<I extends object> {
  injected: number;
  /** Injected items found in the quarantine with a reason that names their field. */
  quarantined: number;
  /** Injected items not in the quarantine at all. */
  missing: MalformedItem<I>[];
  /** Injected items in the quarantine whose reason does not start with `<field>:`. */
  wrongReason: { item: MalformedItem<I>; reason: string }[];
}

/**
 * Which injected malformed items are in a source's quarantine (entries as the store keeps them:
 * the raw item as received, personal fields redacted) with a reason naming their field.
 */
export function checkQuarantine<I extends object>(
  malformed: readonly MalformedItem<I>[],
  entries: readonly { reason: string; raw: unknown }[],
): QuarantineCheck<I> {
  const byRaw = new Map<string, string[]>();
  for (const e of entries) {
    const key = canonicalJson(e.raw);
    byRaw.set(key, [...(byRaw.get(key) ?? []), e.reason]);
  }
  const check: QuarantineCheck<I> = { injected: malformed.length, quarantined: 0, missing: [], wrongReason: [] };
  for (const m of malformed) {
    const reasons = byRaw.get(canonicalJson(m.item));
    if (!reasons) check.missing.push(m);
    else if (reasons.every((r) => r.startsWith(`${m.field}:`))) check.quarantined++;
    else check.wrongReason.push({ item: m, reason: reasons.find((r) => !r.startsWith(`${m.field}:`))! });
  }
  return check;
}
