/**
 * Every Redis connection is made here, whatever the topology: one server, a Redis Cluster, or
 * the master that Redis Sentinel names. The store, the queue and every command take what
 * `connect` returns; keys carry hash tags so that each script and MULTI keeps to one cluster
 * slot (src/store/keys.ts, and `bullPrefix` for the queue).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisTarget } from '../config/load.js';

/** A connection to any of the topologies: the commands are the same. */
export type RedisClient = Redis | Cluster;

/** A Redis URL fit to print: its password, if any, masked. */
export function printableRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

/** Where the target is, fit to print (passwords masked). */
export function describeTarget(t: RedisTarget): string {
  switch (t.kind) {
    case 'single':
      return printableRedisUrl(t.url);
    case 'cluster':
      return `the Redis Cluster of ${t.nodes.map(printableRedisUrl).join(', ')}`;
    case 'sentinel':
      return `master "${t.name}" of the sentinels ${t.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
  }
}

/** What each topology's settings are called, for an error that says where to change them. */
export const TARGET_SETTINGS =
  'set redis.url, redis.cluster or redis.sentinel in the configuration, or REDIS_URL, REDIS_CLUSTER or REDIS_SENTINEL';

/**
 * A connection that waits out an outage, a failover or a cluster's resharding: commands wait
 * for the reconnection (`maxRetriesPerRequest: null`) and one whose reply was lost is sent
 * again, which the store's page apply recognises by its checkpoint (see src/store/store.ts).
 */
export function connect(target: RedisTarget, name: string): RedisClient {
  const common: RedisOptions = { maxRetriesPerRequest: null, connectionName: `dossier-sync:${name}` };
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, common);
    case 'cluster': {
      // Nodes found through the seeds are reached with the seeds' credentials and TLS.
      const seed = new URL(target.nodes[0]!);
      return new Cluster(target.nodes, {
        redisOptions: {
          ...common,
          username: seed.username ? decodeURIComponent(seed.username) : undefined,
          password: seed.password ? decodeURIComponent(seed.password) : undefined,
          tls: seed.protocol === 'rediss:' ? {} : undefined,
        },
      });
    }
    case 'sentinel':
      return new Redis({
        ...common,
        name: target.name,
        sentinels: target.sentinels,
        password: target.password,
        sentinelPassword: target.sentinelPassword,
        // A connection still open to a master demoted by a failover gets READONLY: reconnect
        // (the sentinels name the new master) and send the command again.
        reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      });
  }
}

/** The masters behind a connection: each node that holds data of its own. */
export function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Redis must answer at start: a command started while it is down or unreachable fails, naming
 * it, after `attempts` failed connection attempts or `timeoutMs`, instead of waiting for it
 * (the connections themselves wait out an outage once running).
 */
export async function reachRedis(
  redis: RedisClient,
  target: RedisTarget,
  opts: { timeoutMs?: number; attempts?: number } = {},
): Promise<void> {
  const { timeoutMs = 10_000, attempts = 3 } = opts;
  let failures = 0;
  let last = 'no answer';
  let onError: (err: Error) => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(new Error(`cannot reach Redis at ${describeTarget(target)} (${last}): start it, or ${TARGET_SETTINGS}`));
    onError = (err) => {
      last = err.message;
      if (++failures >= attempts) fail();
    };
    timer = setTimeout(fail, timeoutMs);
  });
  redis.on('error', onError);
  try {
    await Promise.race([redis.ping(), gaveUp]);
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/**
 * Warns when Redis may evict keys: BullMQ needs `maxmemory-policy noeviction`. On a cluster
 * every master is asked, since each holds a part of the data.
 */
export async function checkRedis(redis: RedisClient, logger: Logger): Promise<void> {
  for (const node of masters(redis)) {
    const [, policy] = (await node.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      const where = redis instanceof Cluster ? { node: `${node.options.host}:${node.options.port}` } : {};
      logger.warn(
        { policy, ...where },
        `Redis maxmemory-policy is "${policy}": set it to "noeviction" or queued jobs and checkpoints can be evicted`,
      );
    }
  }
}
