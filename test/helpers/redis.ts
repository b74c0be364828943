/**
 * A Redis for integration tests: REDIS_URL when set, otherwise a private redis-server
 * started for the test file. Each test gets its own key prefix.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
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
