/**
 * Which of a province's buckets a read needs, from the layout's sets (src/store/layout.ts;
 * the keys under the layout prefix `L`, src/store/keys.ts): what a count of a period reads,
 * what the explanation reads, and the edge lists written by a reading of a whole month.
 */
import type { Period } from '../domain/period.js';
import { DAY_MS } from '../domain/time.js';
import type { RedisClient } from './connection.js';
import { nearMonths, untilMonth } from './layout.js';

/**
 * The open buckets, the closed twins listed under `closedFrom` (a `YYYYMM` month) or a later
 * month, and the buckets of these code months, each list with its keys' prefix.
 */
export async function layoutBuckets(
  redis: RedisClient,
  L: string,
  months: string[],
  closedFrom: string,
): Promise<[string, string[]][]> {
  const closeMonths = (await redis.smembers(`${L}:close-months`)).filter((m) => m >= closedFrom);
  const keys = [`${L}:open-buckets`, ...closeMonths.map((m) => `${L}:cm:${m}`), ...months.map((m) => `${L}:bm:${m}`)];
  const [open, ...lists] = await Promise.all(keys.map((k) => redis.smembers(k)));
  // a closed twin listed under several months is read once
  const closed = new Set(lists.slice(0, closeMonths.length).flat());
  return [
    [`${L}:o`, open!],
    [`${L}:c`, [...closed]],
    [`${L}:b`, lists.slice(closeMonths.length).flat()],
  ];
}

/**
 * The buckets the explanation of a period reads (`Store.visitNear`), as lists of `[kind,
 * buckets]`: those of the months it overlaps, the closed twins from the day before it, and of
 * the months a day either side of it reaches, their edge buckets; and `whole`, those of these
 * months whose edge list is not known complete, read whole instead.
 */
export async function nearBuckets(
  redis: RedisClient,
  L: string,
  period: Period,
): Promise<{ lists: [string, string[]][]; whole: string[] }> {
  const { months, edges } = nearMonths(period);
  const known = new Set(edges.length ? await redis.smembers(`${L}:edge-months`) : []);
  const whole = edges.filter((m) => !known.has(m));
  const [[open, closed, home], ...edgeLists] = await Promise.all([
    layoutBuckets(redis, L, [...months, ...whole], untilMonth(period.start - DAY_MS)),
    ...edges.filter((m) => known.has(m)).map((m) => redis.smembers(`${L}:be:${m}`)),
  ]);
  return { lists: [open!, closed!, [home![0], [...home![1], ...edgeLists.flat()]]], whole };
}

/** The edge lists of months read whole (code month → its edge buckets found), each then known complete. */
export async function writeEdges(
  redis: RedisClient,
  L: string,
  found: Map<string, { buckets: Set<string> }>,
): Promise<void> {
  for (const [m, { buckets }] of found) {
    if (buckets.size) await redis.sadd(`${L}:be:${m}`, ...buckets);
    await redis.sadd(`${L}:edge-months`, m); // after its list: a crash between leaves it to be read whole again
  }
}
