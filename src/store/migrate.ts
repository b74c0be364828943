/**
 * Keys of no province written before they carried the `{global}` tag (`dsync:runs`,
 * `dsync:run:<id>:…`, `dsync:incidents`, …) are renamed to their tagged names at start, so that
 * an upgraded deployment keeps its runs, incidents, alert times and nightly marker. Only a
 * single Redis (or a Sentinel-watched master) can hold them: a cluster never ran untagged keys.
 */
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisClient } from './connection.js';
import { Keys } from './keys.js';

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
