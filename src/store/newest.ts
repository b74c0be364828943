/**
 * The newest stored version of a province: `newest` in its layout's meta (`<seconds>|<code>`),
 * raised by the page script whenever it applies a newer record (src/store/scripts.ts), and
 * `newest-known` once that mark is the newest of every stored dossier (set by the first script
 * on an empty layout, or after a reading of the whole store). It answers whether any stored
 * dossier was updated in some days without reading the store (the national feed's staleness,
 * jobs/reconcile-province.ts): a quiet province no longer has its whole history read each night.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { RedisClient } from './connection.js';

/** Raises the mark to `<seconds>|<code>` unless it is as new already, and marks it known. */
const RAISE_NEWEST = `
local cur = redis.call('HGET', KEYS[1], 'newest')
local was = cur and tonumber(string.match(cur, '^(-?%d+)|'))
if not was or tonumber(ARGV[1]) > was then redis.call('HSET', KEYS[1], 'newest', ARGV[1] .. '|' .. ARGV[2]) end
redis.call('HSET', KEYS[1], 'newest-known', '1')
`;

/**
 * A stored dossier updated in the days (its code and update time), or undefined when none
 * was: from the mark when it answers (newest in the days, or known and older than them),
 * else by reading the store (`scan`, until a first one is found); a reading to the end
 * raises the mark to what it read and marks it known, so that the next question is answered
 * from the mark. Pages applied meanwhile raise the mark themselves.
 */
export async function updatedIn(
  redis: RedisClient,
  meta: string,
  days: { start: number; end: number },
  scan: () => AsyncIterable<CanonicalDossier[]>,
): Promise<{ code: string; updatedAt: number } | undefined> {
  const [mark, known] = await redis.hmget(meta, 'newest', 'newest-known');
  const bar = mark?.indexOf('|') ?? -1;
  if (mark && bar > 0) {
    const updatedAt = Number(mark.slice(0, bar)) * 1000;
    if (updatedAt >= days.start && updatedAt < days.end) return { code: mark.slice(bar + 1), updatedAt };
    if (known === '1' && updatedAt < days.start) return undefined;
  } else if (known === '1') return undefined; // nothing stored
  let newest: CanonicalDossier | undefined;
  for await (const batch of scan())
    for (const d of batch) {
      if (d.updatedAt >= days.start && d.updatedAt < days.end) return d;
      if (!newest || d.updatedAt > newest.updatedAt) newest = d;
    }
  if (newest) await redis.eval(RAISE_NEWEST, 1, meta, String(Math.floor(newest.updatedAt / 1000)), newest.code);
  else await redis.hset(meta, 'newest-known', '1');
  return undefined;
}
