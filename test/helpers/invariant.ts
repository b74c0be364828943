/**
 * The invariant every scenario ends with: the store holds exactly the simulator's ground truth
 * (no record lost, none extra, none stale), and a sync's counters add up
 * (`pulled = applied + unchanged + quarantined`).
 */
import { expect } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Store } from '../../src/store/store.js';

const SHOWN = 10;

/** JSON with keys in order (undefined fields dropped, as `toEqual` ignores them). */
function canonical(d: CanonicalDossier | undefined): string {
  return JSON.stringify(d, Object.keys(d ?? {}).sort());
}

/**
 * The province's stored dossiers equal `expected` (e.g. `expectedStore(world.provinces[i])`,
 * or a world's `local` after drift), whatever the order. On failure it names the codes
 * missing, extra and differing (the first few of each) before comparing in full.
 */
export async function expectStoreMatches(
  store: Store,
  province: string,
  expected: readonly CanonicalDossier[],
): Promise<void> {
  const stored = new Map<string, CanonicalDossier>();
  for await (const batch of store.scanDossiers(province)) for (const d of batch) stored.set(d.code, d);
  const want = new Map(expected.map((d) => [d.code, d]));
  expect(want.size, `expected dossiers of ${province} with one code twice`).toBe(expected.length);
  const missing = [...want.keys()].filter((c) => !stored.has(c));
  const extra = [...stored.keys()].filter((c) => !want.has(c));
  const differ = [...want.keys()].filter((c) => stored.has(c) && canonical(stored.get(c)) !== canonical(want.get(c)));
  expect(
    { missing: missing.slice(0, SHOWN), extra: extra.slice(0, SHOWN), differ: differ.slice(0, SHOWN) },
    `store of ${province}: ${missing.length} missing, ${extra.length} extra, ${differ.length} differing of ${want.size}`,
  ).toEqual({ missing: [], extra: [], differ: [] });
  const byCode = (a: CanonicalDossier, b: CanonicalDossier) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  expect([...stored.values()].sort(byCode)).toEqual([...expected].sort(byCode));
}

export interface Counters {
  pulled: number;
  applied: number;
  unchanged: number;
  quarantined: number;
}

/** `pulled = applied + unchanged + quarantined`, every counter a non-negative integer. */
export function expectCountersAddUp(counters: Counters): void {
  for (const k of ['pulled', 'applied', 'unchanged', 'quarantined'] as const) {
    expect(Number.isInteger(counters[k]) && counters[k] >= 0, `${k} = ${counters[k]}`).toBe(true);
  }
  expect(counters.pulled, `pulled ≠ applied + unchanged + quarantined in ${JSON.stringify(counters)}`).toBe(
    counters.applied + counters.unchanged + counters.quarantined,
  );
}
