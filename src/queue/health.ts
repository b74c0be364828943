/**
 * Redis health as the runtime sees it: each connection's outages logged once, and what a
 * command checks before it works.
 */
import type { Logger } from 'pino';
import { closedProvinceWarnings, unknownProvinceWarnings, type Config } from '../config/load.js';
import { checkRedis, reachRedis, type RedisClient } from '../store/connection.js';
import { tagUntaggedKeys } from '../store/migrate.js';

/**
 * Logs a connection's errors once per outage, and its return (without a listener, ioredis and
 * BullMQ print every reconnection attempt's error to stderr, outside the logs).
 */
export function watch(
  c: RedisClient,
  name: string,
  logger: Logger,
  ...users: { on(event: 'error', fn: (err: Error) => void): unknown }[]
): void {
  let down = false;
  const onError = (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ connection: name, err: err.message }, 'Redis connection lost: reconnecting');
  };
  for (const e of [c, ...users]) e.on('error', onError);
  c.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, 'Redis connection back');
  });
}

/**
 * What a command checks before it works: Redis answers (or it fails now, see `reachRedis`) and
 * does not evict; a source configured with a closed province code, or one in no unit registry, is named. Keys written before
 * the `{global}` tag get their tagged names (src/store/migrate.ts).
 */
export async function startupChecks(rt: { config: Config; logger: Logger; redis: RedisClient }): Promise<void> {
  await reachRedis(rt.redis, rt.config.redisTarget!); // createRuntime refused a configuration without one
  await checkRedis(rt.redis, rt.logger);
  await tagUntaggedKeys(rt.redis, rt.config.redis.prefix, rt.logger);
  for (const w of [...unknownProvinceWarnings(rt.config), ...closedProvinceWarnings(rt.config)]) rt.logger.warn(w);
}
