/**
 * What an earlier version stored, moved to where this one reads it (the layout before buckets
 * is moved by `Store.migrate` itself):
 * - closed dossiers kept in open twins before the closed twins (`splitClosedTwins`);
 * - keys of no province written before they carried the `{global}` tag (`dsync:runs`,
 *   `dsync:run:<id>:…`, `dsync:incidents`, …) are renamed to their tagged names at start, so
 *   that an upgraded deployment keeps its runs, incidents, alert times and nightly marker. Only
 *   a single Redis (or a Sentinel-watched master) can hold them: a cluster never ran untagged keys.
 */
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisClient } from './connection.js';
import { Keys } from './keys.js';
import { agencyOfBucket, codeHead, placeOf } from './layout.js';
import { unpack } from './pack.js';
import { bucketSteps, type StepReader } from './steps.js';

/** Returns how many keys were renamed. */
export async function tagUntaggedKeys(redis: RedisClient, prefix: string, logger: Logger): Promise<number> {
  if (redis instanceof Cluster) return 0;
  const keys = new Keys(prefix);
  // Every untagged run key came with the runs index, so these roots say whether any is left.
  if ((await redis.exists(...Keys.UNTAGGED_ROOTS.map((r) => keys.untagged(r)))) === 0) return 0;
  const province = `${prefix}:{`; // per-province keys (and `{global}` ones) are tagged already
  let renamed = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const old of found) {
      if (old.startsWith(province)) continue;
      const moved = await redis.renamenx(old, keys.tagged(old)).catch(() => 0); // another worker's start may have moved it
      if (moved === 1) renamed++;
      else if (await redis.exists(old))
        logger.warn(
          { key: old, tagged: keys.tagged(old) },
          'both the untagged and the tagged key exist: the untagged one is left as it is',
        );
    }
  } while (cursor !== '0');
  logger.info({ renamed }, 'keys of no province renamed under the {global} tag');
  return renamed;
}

/** A connection with the store's scripts for this move (src/store/scripts.ts). */
export type SplitReader = StepReader & { splitClosed(legacy: string, ...args: string[]): Promise<number> };

/**
 * Moves each closed dossier that an open twin kept from before the closed twins (src/store/layout.ts)
 * into its closed twin, so that counts no longer read it every period: the open buckets read
 * once, a step at a time, each dossier whose place is now the closed twin moved by SPLIT_CLOSED
 * only while its open twin still holds that very value (a page applied meanwhile has placed
 * it); then `closed-twins` in the layout's meta, and the open buckets are not read for this
 * again. Returns how many moved, or null when the province's open twins were split already.
 */
export async function splitClosedTwins(
  redis: SplitReader,
  L: string,
  legacy: string,
  bound: string,
): Promise<number | null> {
  if ((await redis.hget(`${L}:meta`, 'closed-twins')) !== null) return null;
  let moved = 0;
  for await (const step of bucketSteps(redis, `${L}:o`, await redis.smembers(`${L}:open-buckets`), 'HGETALL')) {
    const args: string[] = [];
    for (const { bucket, text, bounds } of step) {
      const agency = agencyOfBucket(bucket);
      const head = codeHead(bucket);
      for (let k = 0; k + 2 < bounds.length; k += 2) {
        const field = text.slice(bounds[k], bounds[k + 1]! - 1);
        const value = text.slice(bounds[k + 1], bounds[k + 2]! - 1);
        const p = placeOf(unpack(head + field, value, agency));
        if (p.kind === 'c') args.push(bucket, p.until, field, value);
      }
    }
    if (args.length) moved += await redis.splitClosed(legacy, L, bound, ...args);
  }
  await redis.hset(`${L}:meta`, 'closed-twins', '1');
  return moved;
}
