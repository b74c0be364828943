/**
 * The worker side of the end-to-end measure, in its own process: the real `sync-source`
 * handler (HTTP client, dvcqg adapter, zod validation, normalisation, the page apply script)
 * pulls one province from the simulator into Redis. Reports the time, the sync counters and
 * this process's peak RSS.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { FlowProducer, Job, Queue } from 'bullmq';
import type { JobContext } from '../src/queue/context.js';
import { syncSource } from '../jobs/sync-source.js';
import { parseConfig } from '../src/config/load.js';
import { createSource } from '../src/sources/index.js';
import { Incidents } from '../src/store/incidents.js';
import { Repairs } from '../src/store/repairs.js';
import { Runs } from '../src/store/runs.js';
import { Store } from '../src/store/store.js';
import { INITIAL_FROM, PAGE_SIZE, PROVINCE, argsOf, peakRssMB, report } from './common.js';

export interface SyncArgs {
  redisUrl: string;
  prefix: string;
  sourceUrl: string;
  nationalUrl: string;
  now: number;
}
export interface SyncResult {
  ms: number;
  pulled: number;
  applied: number;
  unchanged: number;
  quarantined: number;
  pages: number;
  peakRssMB: number;
  startRssMB: number;
  /** V8 heap reserved and used at the end, MB. */
  heapTotalMB: number;
  heapUsedMB: number;
}

const args = argsOf<SyncArgs>();
const config = parseConfig(
  {
    redis: { prefix: args.prefix },
    sources: [
      {
        id: 'bench',
        province: PROVINCE,
        dialect: 'dvcqg',
        baseUrl: args.sourceUrl,
        usernameEnv: 'BENCH_USER',
        passwordEnv: 'BENCH_PASSWORD',
        pageSize: PAGE_SIZE,
        initialFrom: INITIAL_FROM,
      },
    ],
    national: { baseUrl: args.nationalUrl, usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' },
  },
  '(bench configuration)',
);
const redis = new Redis(args.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
const logger = pino({ level: 'silent' });
const adapter = createSource(config.sources[0]!, { logger });
const ctx: JobContext = {
  config,
  store: new Store(redis, args.prefix),
  runs: new Runs(redis, args.prefix),
  incidents: new Incidents(redis, args.prefix),
  repairs: new Repairs(redis, args.prefix),
  logger,
  clock: () => new Date(args.now),
  signal: new AbortController().signal,
  stopping: new AbortController().signal,
  queue: {} as Queue,
  flow: {} as FlowProducer,
  source: () => adapter,
  national: () => {
    throw new Error('the benchmark sync needs no national feed');
  },
  push: () => {
    throw new Error('the sync benchmark pushes nothing');
  },
  job: { updateProgress: async () => undefined } as unknown as Job,
};
await redis.ping();
const startRssMB = process.memoryUsage().rss / 1024 / 1024;
const t0 = performance.now();
const counters = (await syncSource.handler({ runId: 'bench', source: 'bench', windowTo: args.now }, ctx)) as Omit<
  SyncResult,
  'ms' | 'peakRssMB' | 'startRssMB' | 'heapTotalMB' | 'heapUsedMB'
>;
const ms = performance.now() - t0;
const mem = process.memoryUsage();
report({
  ms,
  ...counters,
  peakRssMB: peakRssMB(),
  startRssMB,
  heapTotalMB: mem.heapTotal / 2 ** 20,
  heapUsedMB: mem.heapUsed / 2 ** 20,
} satisfies SyncResult);
await redis.quit();
process.exit(0);
