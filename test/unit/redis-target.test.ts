/** Where Redis is: `redis.url`, `redis.cluster` or `redis.sentinel`, and REDIS_CLUSTER / REDIS_URL over the file. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import type { RedisTarget } from '../../src/config/load.js';
import { connect, describeTarget, reachRedis } from '../../src/store/connection.js';

const env = { U: 'user', P: 'secret' };
const base = {
  sources: [
    {
      id: 'h49',
      province: 'H49',
      dialect: 'dvcqg',
      baseUrl: 'http://127.0.0.1:8700/p/H49',
      usernameEnv: 'U',
      passwordEnv: 'P',
    },
  ],
  national: { baseUrl: 'http://127.0.0.1:8700/national', usernameEnv: 'U', passwordEnv: 'P' },
};
const target = (redis: Record<string, unknown>, e: NodeJS.ProcessEnv = {}) =>
  parseConfig({ ...base, redis }, 'f.json', { ...env, ...e }).redisTarget;

describe('the Redis target', () => {
  it('is one server, a cluster or a sentinel-watched master, from the file', () => {
    expect(target({ url: 'redis://r:6379' })).toEqual({ kind: 'single', url: 'redis://r:6379' });
    expect(target({ cluster: ['redis://a:7000', 'redis://b:7001'] })).toEqual({
      kind: 'cluster',
      nodes: ['redis://a:7000', 'redis://b:7001'],
    });
    expect(target({ sentinel: { name: 'm', sentinels: ['10.0.0.5:26379', '[::1]:26380'], passwordEnv: 'P' } })).toEqual(
      {
        kind: 'sentinel',
        name: 'm',
        sentinels: [
          { host: '10.0.0.5', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        password: 'secret',
        sentinelPassword: undefined,
      },
    );
    expect(target({})).toBeUndefined();
  });

  it('is taken from REDIS_CLUSTER (comma-separated), then REDIS_SENTINEL, then REDIS_URL, before the file', () => {
    const sentinel = { sentinel: { name: 'm', sentinels: ['s:26379'], passwordEnv: 'P' } };
    expect(target(sentinel, { REDIS_CLUSTER: ' redis://a:7000 ,redis://b:7001,' })).toEqual({
      kind: 'cluster',
      nodes: ['redis://a:7000', 'redis://b:7001'],
    });
    expect(target(sentinel, { REDIS_URL: 'redis://r:6379' })).toEqual({ kind: 'single', url: 'redis://r:6379' });
    // REDIS_SENTINEL names the master and the sentinels; the passwords stay the file's.
    expect(
      target(sentinel, { REDIS_SENTINEL: 'other@10.0.0.1:26379, 10.0.0.2:26379', REDIS_URL: 'redis://r:6379' }),
    ).toEqual({
      kind: 'sentinel',
      name: 'other',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      password: 'secret',
      sentinelPassword: undefined,
    });
    expect(
      target(
        { url: 'redis://file:6379' },
        { REDIS_CLUSTER: 'redis://a:7000', REDIS_SENTINEL: 'm@s:1', REDIS_URL: 'redis://r:6379' },
      ),
    ).toMatchObject({ kind: 'cluster' });
    expect(() => target({}, { REDIS_CLUSTER: 'a:7000' })).toThrow(/REDIS_CLUSTER: "a:7000" is not a redis:\/\/ URL/);
    for (const bad of ['s:26379', 'm@', 'm@s'])
      expect(() => target({}, { REDIS_SENTINEL: bad })).toThrow(
        `REDIS_SENTINEL: "${bad}" is not <master name>@<host:port>`,
      );
  });

  it('refuses two topologies at once, a sentinel without host:port, and a missing password variable, naming the field', () => {
    const fails = (redis: Record<string, unknown>) => {
      try {
        target(redis);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected the configuration to be refused');
    };
    expect(fails({ url: 'redis://r:6379', cluster: ['redis://a:7000'] })).toContain(
      'redis: give at most one of url, cluster and sentinel',
    );
    expect(fails({ cluster: [] })).toContain('redis.cluster: name at least one node');
    expect(fails({ cluster: ['a:7000'] })).toContain('redis.cluster[0]: must be a redis:// URL');
    expect(fails({ sentinel: { name: 'm', sentinels: ['s'] } })).toContain(
      'redis.sentinel.sentinels[0]: must be host:port',
    );
    expect(fails({ sentinel: { name: 'm', sentinels: ['s:1'], passwordEnv: 'NOPE' } })).toContain(
      'redis.sentinel.passwordEnv: environment variable NOPE is not set',
    );
  });

  it('is printed with its passwords masked', () => {
    expect(describeTarget({ kind: 'cluster', nodes: ['redis://:pw@a:7000', 'redis://b:7001'] })).toBe(
      'the Redis Cluster of redis://:***@a:7000, redis://b:7001',
    );
    expect(
      describeTarget({ kind: 'sentinel', name: 'm', sentinels: [{ host: 's', port: 26379 }], password: 'pw' }),
    ).toBe('master "m" of the sentinels s:26379');
  });

  it('unreachable at start, a cluster or a sentinel group fails at once, named with its passwords masked', async () => {
    const targets: RedisTarget[] = [
      { kind: 'cluster', nodes: ['redis://:pw@127.0.0.1:9', 'redis://127.0.0.1:11'] },
      { kind: 'sentinel', name: 'm', sentinels: [{ host: '127.0.0.1', port: 9 }], password: 'pw' },
    ];
    for (const t of targets) {
      const c = connect(t, 'test');
      try {
        const err = await reachRedis(c, t).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err?.message).toContain(`cannot reach Redis at ${describeTarget(t)}`);
        expect(err?.message).not.toContain(':pw@');
      } finally {
        c.disconnect();
      }
    }
  });
});
