/**
 * A job context for calling a job handler directly (no BullMQ worker) against a real Redis:
 * the store, runs and incidents are real; queue, flow and national are absent unless given.
 */
import type { FlowProducer, Job, Queue } from 'bullmq';
import type { RedisClient } from '../../src/store/connection.js';
import { pino } from 'pino';
import type { JobContext } from '../../src/queue/context.js';
import type { Config } from '../../src/config/load.js';
import type { SourceAdapter } from '../../src/sources/source.js';
import { DateBounds } from '../../src/normalise/fields.js';
import { Incidents } from '../../src/store/incidents.js';
import { Repairs } from '../../src/store/repairs.js';
import { Runs } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';

export function jobContext(
  config: Config,
  redis: RedisClient,
  opts: { source: SourceAdapter; now: number } & Partial<Omit<JobContext, 'source' | 'config'>>,
): JobContext {
  const { source, now, ...rest } = opts;
  const dates = new DateBounds(config.dates, () => now); // as the runtime: the version rule's bound from its clock
  return {
    config,
    store: new Store(redis, config.redis.prefix, { latest: () => dates.latest() }),
    runs: new Runs(redis, config.redis.prefix),
    incidents: new Incidents(redis, config.redis.prefix),
    repairs: new Repairs(redis, config.redis.prefix),
    logger: pino({ level: 'silent' }),
    clock: () => new Date(now),
    signal: new AbortController().signal,
    stopping: new AbortController().signal,
    queue: {} as Queue,
    flow: {} as FlowProducer,
    source: () => source,
    national: () => {
      throw new Error('no national feed in this test');
    },
    push: () => {
      throw new Error('no national push in this test');
    },
    job: { updateProgress: async () => undefined } as unknown as Job,
    ...rest,
  };
}
