/**
 * The store's reads of many packed dossiers at once (src/store/store.ts): the layout's buckets a
 * step of several at a time, and a whole hash a scan step at a time, each step asked for before
 * the one before is handed over.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { RedisClient } from './connection.js';
import { unpack } from './pack.js';
import { BUCKETS_PER_STEP, entryBounds, type BucketRead } from './script-args.js';

/** The connection, with the store's scripts for these reads defined (src/store/scripts.ts). */
export type StepReader = RedisClient & {
  scanJoined(key: string, cursor: string, count: number): Promise<[string, string, number]>;
  readBuckets(...args: string[]): Promise<(string | number)[]>;
};

/**
 * What `command` gives of each of these buckets (`<kind>:<bucket>` keys; HGETALL: its fields
 * and values, HVALS: its values), as one text of newline-separated entries, entry k from
 * `bounds[k]` to `bounds[k + 1] - 1`. BUCKETS_PER_STEP buckets per script call; the next step
 * is asked for before this one is handed over (Redis reads while this process decodes).
 */
export async function* bucketSteps(
  redis: StepReader,
  kind: string,
  buckets: string[],
  command: 'HGETALL' | 'HVALS',
): AsyncGenerator<BucketRead[]> {
  const step = async (list: string[]): Promise<BucketRead[]> => {
    const got = await redis.readBuckets(kind, command, kind, ...list);
    return Promise.all(
      list.map(async (bucket, i): Promise<BucketRead> => {
        const text = got[2 * i] as string;
        const bounds = entryBounds(text, got[2 * i + 1] as number);
        if (bounds) return { bucket, text, bounds };
        // an entry with a newline in it: the bucket read again with the plain command
        const key = `${kind}:${bucket}`;
        const entries = command === 'HVALS' ? await redis.hvals(key) : Object.entries(await redis.hgetall(key)).flat();
        const again = [0];
        for (const e of entries) again.push(again[again.length - 1]! + e.length + 1);
        return { bucket, text: entries.join('\n'), bounds: again };
      }),
    );
  };
  let pending = buckets.length ? step(buckets.slice(0, BUCKETS_PER_STEP)) : undefined;
  for (let at = 0; pending; at += BUCKETS_PER_STEP) {
    const got = await pending;
    const next = at + BUCKETS_PER_STEP;
    pending = next < buckets.length ? step(buckets.slice(next, next + BUCKETS_PER_STEP)) : undefined;
    pending?.catch(() => undefined); // surfaced when awaited; ignored if the caller stops early
    yield got;
  }
}

/**
 * Every dossier of one hash (code → packed value), a batch at a time. HSCAN may return an
 * entry twice while the hash is resized; each code is yielded once.
 *
 * Each step's entries come back as one newline-joined string (SCAN_JOINED). A code or a
 * value with a newline in it (none is expected: the normalisers refuse whitespace in codes)
 * would show as a count that does not match; that step is then read again as a plain HSCAN
 * from the same cursor, so the result never depends on the rule.
 */
export async function* scanHash(redis: StepReader, key: string, batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
  const step = async (cursor: string): Promise<[string, string[]]> => {
    const [next, joined, count] = await redis.scanJoined(key, cursor, batch);
    const flat = count === 0 ? [] : joined.split('\n');
    return flat.length === count ? [next, flat] : redis.hscan(key, cursor, 'COUNT', batch);
  };
  const seen = new Set<string>();
  let pending = step('0');
  for (;;) {
    const [next, flat] = await pending;
    // ask for the next step before decoding this one: Redis scans while this process decodes
    if (next !== '0') {
      pending = step(next);
      pending.catch(() => undefined); // surfaced when awaited; ignored if the caller stops early
    }
    const out: CanonicalDossier[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const code = flat[i]!;
      const known = seen.size;
      if (seen.add(code).size === known) continue; // seen before
      out.push(unpack(code, flat[i + 1]!));
    }
    if (out.length) yield out;
    if (next === '0') return;
  }
}
