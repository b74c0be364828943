/** The feeds' order (updatedAt, then code) and look-ups in it. */
import type { CanonicalDossier } from '../../../schemas/dossier.js';

const SECOND = 1000;

/** Order of the feeds: updatedAt, then code (plain code-unit order). */
export function compareByUpdated(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.updatedAt - b.updatedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** First index whose updatedAt ≥ t in a list ordered by updatedAt. */
export function lowerBound(list: readonly { updatedAt: number }[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.updatedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sorts by (updatedAt, code) in place. Fast for millions: a native sort of packed numeric
 * keys (seconds since the earliest update × 2^24 + index), then code order within equal times.
 */
export function sortByUpdated(list: CanonicalDossier[]): void {
  const n = list.length;
  if (n < 2) return;
  let min = Infinity;
  let max = -Infinity;
  for (const d of list) {
    if (d.updatedAt < min) min = d.updatedAt;
    if (d.updatedAt > max) max = d.updatedAt;
  }
  const span = Math.ceil((max - min) / SECOND) + 1;
  if (n > 2 ** 24 || span * 2 ** 24 > Number.MAX_SAFE_INTEGER || list.some((d) => d.updatedAt % SECOND !== 0)) {
    list.sort(compareByUpdated);
    return;
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((list[i]!.updatedAt - min) / SECOND) * 2 ** 24 + i;
  keys.sort();
  const copy = list.slice();
  for (let i = 0; i < n; i++) list[i] = copy[keys[i]! % 2 ** 24]!;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && list[j]!.updatedAt === list[i]!.updatedAt) j++;
    if (j - i > 1) {
      const run = list.slice(i, j).sort(compareByUpdated);
      for (let k = 0; k < run.length; k++) list[i + k] = run[k]!;
    }
    i = j;
  }
}
