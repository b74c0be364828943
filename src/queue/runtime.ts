/**
 * The runtime: Redis connections, the queue, the flow producer and the worker, and the
 * dependencies every job handler is handed. One queue carries every job; the processor
 * parses each payload with its schema before the handler runs.
 */
import { FlowProducer, Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { JobContext, JobDefinition } from './context.js';
import { closedProvinceWarnings, credentials, sourceById, unknownProvinceWarnings, type Config } from '../config/load.js';
import { useUnits } from '../normalise/units.js';
import { NationalClient } from '../national/client.js';
import { createSource } from '../sources/index.js';
import { HttpClient } from '../http/client.js';
import type { SourceAdapter } from '../sources/source.js';
import { Incidents } from '../store/incidents.js';
import { Runs } from '../store/runs.js';
import { tagUntaggedKeys } from '../store/migrate.js';
import { Store } from '../store/store.js';
import { PermanentError } from '../util/errors.js';
import { firstIssue } from '../util/zod.js';
import { checkRedis, connect, reachRedis, TARGET_SETTINGS, type RedisClient } from '../store/connection.js';
import { jobOptions } from './job-options.js';

export const QUEUE_NAME = 'dossier-sync';

/**
 * Logs a connection's errors once per outage, and its return (without a listener, ioredis and
 * BullMQ print every reconnection attempt's error to stderr, outside the logs).
 */
function watch(c: RedisClient, name: string, logger: Logger, ...users: { on(event: 'error', fn: (err: Error) => void): unknown }[]): void {
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

/** BullMQ's key prefix, in braces so that a queue's keys share one Redis Cluster slot. */
export function bullPrefix(cfg: Config): string {
  return `{${cfg.redis.prefix}-bull}`;
}

/**
 * What a command checks before it works: Redis answers (or it fails now, see `reachRedis`) and
 * does not evict; a source configured with a closed province code, or one in no unit registry, is named. Keys written before
 * the `{global}` tag get their tagged names (src/store/migrate.ts).
 */
export async function startupChecks(rt: Pick<Runtime, 'config' | 'logger' | 'redis'>): Promise<void> {
  await reachRedis(rt.redis, rt.config.redisTarget!); // createRuntime refused a configuration without one
  await checkRedis(rt.redis, rt.logger);
  await tagUntaggedKeys(rt.redis, rt.config.redis.prefix, rt.logger);
  for (const w of [...unknownProvinceWarnings(rt.config), ...closedProvinceWarnings(rt.config)]) rt.logger.warn(w);
}

export interface Runtime {
  config: Config;
  logger: Logger;
  /** The store's connection (a cluster's, when Redis is a cluster). */
  redis: RedisClient;
  store: Store;
  runs: Runs;
  incidents: Incidents;
  queue: Queue;
  flow: FlowProducer;
  events(): Promise<QueueEvents>;
  startWorker(opts?: { concurrency?: number }): Worker;
  /** Stops the workers gracefully (in-flight pages finish, their jobs are given back), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

export interface RuntimeOptions {
  clock?: () => Date;
}

/** The runtime whose worker runs `jobs` (by job name); jobs/runtime.ts gives it the registry. */
export function createQueueRuntime(config: Config, logger: Logger, jobs: ReadonlyMap<string, JobDefinition>, opts: RuntimeOptions = {}): Runtime {
  const target = config.redisTarget;
  if (!target) throw new PermanentError(`no Redis: ${TARGET_SETTINGS}`);
  useUnits(config.units); // reports and the dashboard name the configured units too
  const clock = opts.clock ?? (() => new Date());
  const connections: RedisClient[] = [];
  const conn = (name: string) => {
    const c = connect(target, name);
    connections.push(c);
    return c;
  };
  const redis = conn('store');
  watch(redis, 'store', logger);
  const prefix = bullPrefix(config);
  const queueConn = conn('queue');
  const flowConn = conn('flow');
  const queue = new Queue(QUEUE_NAME, { connection: queueConn, prefix, defaultJobOptions: jobOptions(config) });
  const flow = new FlowProducer({ connection: flowConn, prefix });
  watch(queueConn, 'queue', logger, queue);
  watch(flowConn, 'flow', logger, flow);
  const store = new Store(redis, config.redis.prefix);
  const runs = new Runs(redis, config.redis.prefix);
  const incidents = new Incidents(redis, config.redis.prefix);
  const workers: Worker[] = [];
  let events: QueueEvents | undefined;
  const abort = new AbortController();
  const stopping = new AbortController();

  const sources = new Map<string, SourceAdapter>();
  const source = (id: string): SourceAdapter => {
    let s = sources.get(id);
    if (!s) {
      const cfg = sourceById(config, id);
      s = createSource(cfg, { logger, signal: abort.signal, dates: config.dates, agencyPatterns: config.codes.agencyPatterns, now: () => clock().getTime() });
      sources.set(id, s);
    }
    return s;
  };
  let nationalClient: NationalClient | undefined;
  const national = (): NationalClient => {
    const n = config.national;
    nationalClient ??= new NationalClient(
      n,
      new HttpClient({ name: 'national', timeoutMs: n.timeoutMs, deadlineMs: n.deadlineMs, rateLimit: n.rateLimit, logger, signal: abort.signal }),
      credentials(n.usernameEnv, n.passwordEnv),
    );
    return nationalClient;
  };

  async function processJob(job: Job, token?: string): Promise<unknown> {
    const def = jobs.get(job.name);
    if (!def) throw new UnrecoverableError(`unknown job "${job.name}"`);
    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`${job.name}: bad payload: ${firstIssue(parsed.error, '(root)')}`);
    const ctx: JobContext = {
      config, store, runs, incidents, clock, queue, flow, source, national, job,
      logger: logger.child({ job: job.name, jobId: job.id }),
      signal: abort.signal,
      stopping: stopping.signal,
      token,
    };
    try {
      return await def.handler(parsed.data, ctx);
    } catch (err) {
      if (err instanceof PermanentError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  return {
    config, logger, redis, store, runs, incidents, queue, flow,
    async events() {
      if (!events) {
        const eventsConn = conn('events');
        events = new QueueEvents(QUEUE_NAME, { connection: eventsConn, prefix });
        watch(eventsConn, 'events', logger, events);
        await events.waitUntilReady();
      }
      return events;
    },
    startWorker(o = {}) {
      const workerConn = conn('worker');
      watch(workerConn, 'worker', logger);
      const worker = new Worker(QUEUE_NAME, processJob, {
        connection: workerConn,
        prefix,
        concurrency: o.concurrency ?? config.worker.concurrency,
        maxStalledCount: config.worker.maxStalledCount,
        name: `${hostname()}:${process.pid}:${workers.length + 1}`,
      });
      worker.on('failed', (job, err) =>
        logger.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
      );
      worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
      workers.push(worker);
      return worker;
    },
    async close(graceMs = 30_000) {
      // First ask running jobs to stop at their next page boundary and give their job back;
      // whatever is still running after the grace period is cut off (its page is not applied).
      stopping.abort(new Error('shutting down'));
      const closed = Promise.all(workers.map((w) => w.close()));
      const timer = setTimeout(() => abort.abort(new Error('shutting down: grace period over')), graceMs);
      await closed;
      clearTimeout(timer);
      abort.abort(new Error('shut down'));
      await events?.close();
      await flow.close();
      await queue.close();
      for (const c of connections) c.disconnect();
    },
  };
}
