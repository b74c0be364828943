/**
 * A Redis for integration tests: REDIS_URL when set, otherwise a private redis-server
 * started for the test file. Each test gets its own key prefix.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { masters, type RedisClient } from '../../src/store/connection.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';

export interface TestRedis {
  url: string;
  client(): Redis;
  prefix(): string;
}

export function useRedis(): TestRedis {
  let server: PrivateRedis | undefined;
  let url = process.env.REDIS_URL ?? '';
  const clients: Redis[] = [];
  let n = 0;
  beforeAll(async () => {
    if (!url) {
      server = await startPrivateRedis();
      url = server.url;
    }
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });
  return {
    get url() {
      return url;
    },
    client() {
      const c = new Redis(url, { maxRetriesPerRequest: null });
      clients.push(c);
      return c;
    },
    prefix() {
      return `t${process.pid}-${Date.now().toString(36)}-${n++}`;
    },
  };
}

/** Every value under a prefix's keys (the queue's too), as text: strings, hashes, lists, sets, sorted sets, streams. */
export async function dumpRedis(client: RedisClient, prefix: string): Promise<string> {
  const out: string[] = [];
  // each master of a cluster holds its own keys
  for (const r of masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', '1000');
      cursor = next;
      for (const key of keys) {
        const type = await r.type(key);
        if (type === 'string') out.push(key, (await r.get(key)) ?? '');
        else if (type === 'hash') out.push(key, JSON.stringify(await r.hgetall(key)));
        else if (type === 'list') out.push(key, JSON.stringify(await r.lrange(key, 0, -1)));
        else if (type === 'set') out.push(key, JSON.stringify(await r.smembers(key)));
        else if (type === 'zset') out.push(key, JSON.stringify(await r.zrange(key, '0', '-1')));
        else if (type === 'stream') out.push(key, JSON.stringify(await r.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
  }
  return out.join('\n');
}
