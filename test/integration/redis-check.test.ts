/** The worker's start-up check: Redis must not evict keys. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRedis } from '../../src/store/connection.js';
import { createLogger } from '../../src/util/logger.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('checkRedis', () => {
  it('is quiet with noeviction, and warns, naming the policy, with anything else', async () => {
    const client = redis.client();
    const before = (await client.config('GET', 'maxmemory-policy')) as string[];
    try {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      const quiet = capture();
      await checkRedis(client, quiet.logger);
      expect(quiet.lines).toEqual([]);

      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const loud = capture();
      await checkRedis(client, loud.logger);
      expect(loud.lines).toHaveLength(1);
      expect(JSON.parse(loud.lines[0]!)).toMatchObject({ level: 40, policy: 'allkeys-lru' });
      expect(loud.lines[0]).toContain('noeviction');
    } finally {
      await client.config('SET', 'maxmemory-policy', before[1]!);
    }
  });
});
