/** How the store's scripts (src/store/scripts.ts) take dossiers and give buckets back: argument and reply shapes. */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { placeOf } from './layout.js';
import { pack } from './pack.js';

/**
 * A dossier's place as the scripts take it (src/store/scripts.ts): its bucket, code month and
 * flagged field ('0': in its bucket, '2': in its bucket and on its month's edge, '1': in the
 * open twin, '3' and the `until` month: in the closed twin).
 */
export function placeArgs(d: CanonicalDossier): [string, string, string] {
  const p = placeOf(d);
  const flag = p.kind === 'o' ? '1' : p.kind === 'c' ? `3${p.until}` : p.edge ? '2' : '0';
  return [p.bucket ?? '', p.month, flag + p.field];
}

/** A page's records grouped by bucket, as APPLY_PAGE takes them: how many buckets, then each bucket's arguments. */
export function byBucket(dossiers: CanonicalDossier[]): [number, string[]] {
  const groups = new Map<string, { month: string; records: string[] }>();
  for (const d of dossiers) {
    const [bucket, month, field] = placeArgs(d);
    let g = groups.get(bucket);
    if (!g) groups.set(bucket, (g = { month, records: [] }));
    g.records.push(field, pack(d));
  }
  const args: string[] = [];
  for (const [bucket, g] of groups) args.push(bucket, g.month, String(g.records.length / 2), ...g.records);
  return [groups.size, args];
}

/** A bucket as `bucketSteps` reads it (src/store/steps.ts). */
export interface BucketRead {
  bucket: string;
  text: string;
  bounds: number[];
}

/**
 * Where the `count` newline-joined entries of `text` start (and, one past the last, where the
 * text ends plus one), or undefined when the newlines do not make `count` entries (an entry
 * holding a newline: none is expected, but the result must not depend on it).
 */
export function entryBounds(text: string, count: number): number[] | undefined {
  if (count === 0) return text === '' ? [0] : undefined;
  const bounds = [0];
  let at = 0;
  for (let k = 1; k < count; k++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return undefined;
    bounds.push((at = nl + 1));
  }
  if (text.indexOf('\n', at) >= 0) return undefined;
  bounds.push(text.length + 1);
  return bounds;
}

/** Buckets read per script call: at most 100 dossiers each. */
export const BUCKETS_PER_STEP = 64;
