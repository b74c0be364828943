/**
 * The runtime: Redis connections, the queue, the flow producer and the worker, and the
 * dependencies every job handler is handed. One queue carries every job; the processor
 * parses each payload with its schema before the handler runs.
 */
import { setMaxListeners } from 'node:events';
import { FlowProducer, Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { credentials, sourceById, type Config, type RedisTarget } from '../config/load.js';
import { HttpClient } from '../http/client.js';
import { EnvelopeClient } from '../dialects/dvcqg/envelope.js';
import { NationalClient } from '../national/client.js';
import { PushClient } from '../national/push.js';
import { DateBounds } from '../normalise/fields.js';
import { useUnits } from '../normalise/units.js';
import { createSource } from '../sources/index.js';
import type { SourceAdapter } from '../sources/source.js';
import { connect, TARGET_SETTINGS, type RedisClient } from '../store/connection.js';
import { Incidents } from '../store/incidents.js';
import { Repairs } from '../store/repairs.js';
import { Runs } from '../store/runs.js';
import { Store } from '../store/store.js';
import { StoreThread } from '../reconcile/store-thread.js';
import { PermanentError } from '../util/errors.js';
import { firstIssue } from '../util/zod.js';
import type { JobContext, JobDefinition } from './context.js';
import { watch } from './health.js';
import { jobOptions } from './job-options.js';

export const QUEUE_NAME = 'dossier-sync';

/** BullMQ's key prefix, in braces so that a queue's keys share one Redis Cluster slot. */
export function bullPrefix(cfg: Config): string {
  return `{${cfg.redis.prefix}-bull}`;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  /** The store's connection (a cluster's, when Redis is a cluster). */
  redis: RedisClient;
  store: Store;
  runs: Runs;
  incidents: Incidents;
  repairs: Repairs;
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

export interface RuntimeOptions {
  clock?: () => Date;
}

/** What every job is handed, whichever job it is. */
type Shared = Omit<JobContext, 'job' | 'token'>;

/** The source adapters, the national client and the push, each made once, when a job first asks for it. */
function clients(
  config: Config,
  logger: Logger,
  signal: AbortSignal,
  clock: () => Date,
): Pick<JobContext, 'source' | 'national' | 'push'> {
  const sources = new Map<string, SourceAdapter>();
  let nationalClient: NationalClient | undefined;
  let pushClient: PushClient | undefined;
  // One HTTP client for the portal: reading and pushing share its rate limit.
  let portalHttp: HttpClient | undefined;
  const http = () => {
    const n = config.national;
    portalHttp ??= new HttpClient({
      name: 'national',
      timeoutMs: n.timeoutMs,
      deadlineMs: n.deadlineMs,
      rateLimit: n.rateLimit,
      logger,
      signal,
    });
    return portalHttp;
  };
  const national = () => {
    const n = config.national;
    nationalClient ??= new NationalClient(n, http(), credentials(n.usernameEnv, n.passwordEnv));
    return nationalClient;
  };
  return {
    national,
    source(id) {
      let s = sources.get(id);
      if (!s) {
        const cfg = sourceById(config, id);
        s = createSource(cfg, {
          logger,
          signal,
          dates: config.dates,
          agencyPatterns: config.codes.agencyPatterns,
          now: () => clock().getTime(),
        });
        sources.set(id, s);
      }
      return s;
    },
    push() {
      const n = config.national;
      // the push account when the configuration names one; else the reading account's session
      pushClient ??= new PushClient(
        n.push
          ? new EnvelopeClient(http(), 'national push', n.baseUrl, credentials(n.push.usernameEnv, n.push.passwordEnv))
          : national().envelope,
      );
      return pushClient;
    },
  };
}

/** The worker's processor: finds the job's definition, parses its payload, runs its handler. */
function processor(
  jobs: ReadonlyMap<string, JobDefinition>,
  shared: Shared,
): (job: Job, token?: string) => Promise<unknown> {
  return async (job, token) => {
    const def = jobs.get(job.name);
    if (!def) throw new UnrecoverableError(`unknown job "${job.name}"`);
    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`${job.name}: bad payload: ${firstIssue(parsed.error, '(root)')}`);
    const ctx: JobContext = { ...shared, job, logger: shared.logger.child({ job: job.name, jobId: job.id }), token };
    try {
      return await def.handler(parsed.data, ctx);
    } catch (err) {
      if (err instanceof PermanentError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

/** A worker on its own connection, its failures logged. */
function worker(
  connection: RedisClient,
  prefix: string,
  config: Config,
  logger: Logger,
  processJob: ReturnType<typeof processor>,
  n: number,
  concurrency?: number,
): Worker {
  const w = new Worker(QUEUE_NAME, processJob, {
    connection,
    prefix,
    concurrency: concurrency ?? config.worker.concurrency,
    maxStalledCount: config.worker.maxStalledCount,
    name: `${hostname()}:${process.pid}:${n}`,
  });
  w.on('failed', (job, err) =>
    logger.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed'),
  );
  w.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  return w;
}

/** The store's, the queue's and the flow producer's connections, each watched; `open` makes more (all in `all`). */
function openConnections(config: Config, logger: Logger, target: RedisTarget) {
  const all: RedisClient[] = [];
  const open = (name: string) => {
    const c = connect(target, name);
    all.push(c);
    return c;
  };
  const redis = open('store');
  watch(redis, 'store', logger);
  const prefix = bullPrefix(config);
  const queueConn = open('queue');
  const flowConn = open('flow');
  const queue = new Queue(QUEUE_NAME, { connection: queueConn, prefix, defaultJobOptions: jobOptions(config) });
  const flow = new FlowProducer({ connection: flowConn, prefix });
  watch(queueConn, 'queue', logger, queue);
  watch(flowConn, 'flow', logger, flow);
  return { open, all, redis, prefix, queue, flow };
}

/** The runtime whose worker runs `jobs` (by job name); jobs/runtime.ts gives it the registry. */
export function createQueueRuntime(
  config: Config,
  logger: Logger,
  jobs: ReadonlyMap<string, JobDefinition>,
  opts: RuntimeOptions = {},
): Runtime {
  const target = config.redisTarget;
  if (!target) throw new PermanentError(`no Redis: ${TARGET_SETTINGS}`);
  useUnits(config.units); // reports and the dashboard name the configured units too
  const clock = opts.clock ?? (() => new Date());
  const { open: conn, all: connections, redis, prefix, queue, flow } = openConnections(config, logger, target);
  // a stored version after the normaliser's bound on update times is older than any record (Store.latestVersion)
  const dates = new DateBounds(config.dates, () => clock().getTime());
  const store = new Store(redis, config.redis.prefix, { latest: () => dates.latest() });
  const runs = new Runs(redis, config.redis.prefix);
  const incidents = new Incidents(redis, config.redis.prefix);
  const repairs = new Repairs(redis, config.redis.prefix);
  const workers: Worker[] = [];
  let events: QueueEvents | undefined;
  const abort = new AbortController();
  // every HTTP attempt in flight listens on it and stops listening when it ends (src/http/client.ts):
  // the number of listeners follows the calls in flight (list pages, look-ups, syncs), not a leak
  setMaxListeners(0, abort.signal);
  const stopping = new AbortController();
  let thread: StoreThread | undefined;
  const shared: Shared = {
    ...{ config, store, runs, incidents, repairs, clock, queue, flow, logger },
    signal: abort.signal,
    stopping: stopping.signal,
    ...clients(config, logger, abort.signal, clock),
    storeThread: () => (thread ??= StoreThread.start(target, config.dates)),
  };
  const processJob = processor(jobs, shared);

  return {
    config,
    logger,
    redis,
    store,
    runs,
    incidents,
    repairs,
    queue,
    flow,
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
      const w = worker(workerConn, prefix, config, logger, processJob, workers.length + 1, o.concurrency);
      workers.push(w);
      return w;
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
      await thread?.close();
      for (const c of connections) c.disconnect();
    },
  };
}
