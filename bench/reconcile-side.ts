/**
 * What the reconcile scenarios' processes share: a configuration for one province against the
 * simulator's national feed, the store, and a national client that counts the records its
 * lists and look-ups return (beside its HTTP client's request count).
 */
import { Redis } from 'ioredis';
import { credentials, parseConfig } from '../src/config/load.js';
import { NationalClient } from '../src/national/client.js';
import { HttpClient } from '../src/sources/http.js';
import { Store } from '../src/store/store.js';
import { PROVINCE } from './common.js';

export class CountingNational extends NationalClient {
  records = 0;
  override async lookup(madonvi: string, codes: string[]): Promise<unknown[]> {
    const out = await super.lookup(madonvi, codes);
    this.records += out.length;
    return out;
  }
  override async *list(...a: Parameters<NationalClient['list']>): AsyncGenerator<unknown[]> {
    for await (const page of super.list(...a)) {
      this.records += page.length;
      yield page;
    }
  }
}

export function reconcileSide(redisUrl: string, prefix: string, nationalUrl: string) {
  const config = parseConfig(
    {
      redis: { prefix },
      sources: [{ id: 'bench', province: PROVINCE, dialect: 'dvcqg', baseUrl: nationalUrl, usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' }],
      national: { baseUrl: nationalUrl, usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' },
    },
    '(bench configuration)',
  );
  const redis = new Redis(redisUrl);
  const http = new HttpClient({ name: 'national', timeoutMs: config.national.timeoutMs });
  const national = new CountingNational(config.national, http, credentials(config.national.usernameEnv, config.national.passwordEnv));
  return { config, redis, store: new Store(redis, prefix), http, national };
}
