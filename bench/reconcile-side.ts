/**
 * What the reconcile scenarios' processes share: a configuration for one province against the
 * simulator's national feed, the store and the national client.
 */
import { Redis } from 'ioredis';
import { credentials, parseConfig } from '../src/config/load.js';
import { NationalClient } from '../src/national/client.js';
import { HttpClient } from '../src/http/client.js';
import { Store } from '../src/store/store.js';
import { PROVINCE } from './common.js';

export function reconcileSide(redisUrl: string, prefix: string, nationalUrl: string) {
  const config = parseConfig(
    {
      redis: { prefix },
      sources: [
        {
          id: 'bench',
          province: PROVINCE,
          dialect: 'dvcqg',
          baseUrl: nationalUrl,
          usernameEnv: 'BENCH_USER',
          passwordEnv: 'BENCH_PASSWORD',
        },
      ],
      national: { baseUrl: nationalUrl, usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' },
    },
    '(bench configuration)',
  );
  const redis = new Redis(redisUrl);
  const http = new HttpClient({ name: 'national', timeoutMs: config.national.timeoutMs });
  const national = new NationalClient(
    config.national,
    http,
    credentials(config.national.usernameEnv, config.national.passwordEnv),
  );
  return { config, redis, store: new Store(redis, prefix), national };
}
