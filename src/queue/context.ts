/** What every job handler is handed: its dependencies, never globals. */
import { DelayedError, Job, type FlowProducer, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../config/load.js';
import type { StoreThread } from '../reconcile/store-thread.js';
import type { NationalClient } from '../national/client.js';
import type { PushClient } from '../national/push.js';
import type { SourceAdapter } from '../sources/source.js';
import type { Incidents } from '../store/incidents.js';
import type { Repairs } from '../store/repairs.js';
import type { Runs } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { jobIds } from './flows.js';

export interface JobContext {
  config: Config;
  store: Store;
  runs: Runs;
  incidents: Incidents;
  repairs: Repairs;
  logger: Logger;
  clock: () => Date;
  /** Aborted when the process must stop now: in-flight HTTP calls are cut off. */
  signal: AbortSignal;
  /** Aborted when the worker is asked to stop: finish the current page, then give the job back (see `giveBack`). */
  stopping: AbortSignal;
  /** The worker's lock token for the job (absent when a handler is called directly). */
  token?: string;
  queue: Queue;
  flow: FlowProducer;
  source(id: string): SourceAdapter;
  national(): NationalClient;
  /** The national push (`DongBoHoSoMC`), under the push account when one is configured. */
  push(): PushClient;
  /** The process's store thread (src/reconcile/store-thread.ts), started when first asked for; absent: count in one thread. */
  storeThread?: () => StoreThread;
  /** The BullMQ job being run (progress, parent, ignored child failures). */
  job: Job;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  handler(data: z.infer<S>, ctx: JobContext): Promise<unknown>;
}

/**
 * Hands a job back to the queue without using up an attempt: it waits again and another
 * worker (or this one, restarted) resumes it from its checkpoint.
 */
export async function giveBack(ctx: JobContext, why: string): Promise<never> {
  if (!ctx.token) throw new Error(why);
  await ctx.job.moveToDelayed(Date.now(), ctx.token);
  throw new DelayedError(why);
}

/** A child job that failed for good under the job being run (see `ignoreDependencyOnFailure`), with its payload. */
export interface FailedChild {
  id: string;
  name: string;
  data: Record<string, unknown>;
  reason: string;
}

/**
 * The children of the job being run that failed for good, whatever their kind: a parent
 * runs anyway and must say so. The payload is read back from the queue (empty if the job is
 * gone; its kind then comes from its id).
 */
export async function failedChildren(ctx: Pick<JobContext, 'job' | 'queue'>): Promise<FailedChild[]> {
  const failures = await ctx.job.getIgnoredChildrenFailures(); // by job key: `<queue's qualified name>:<id>`
  const ours = `${ctx.queue.qualifiedName}:`;
  const out: FailedChild[] = [];
  for (const [key, reason] of Object.entries(failures)) {
    const id = key.startsWith(ours) ? key.slice(ours.length) : key;
    const child = key.startsWith(ours) ? await Job.fromId(ctx.queue, id) : undefined;
    out.push({
      id,
      name: child?.name ?? jobIds.kindOf(id),
      data: (child?.data ?? {}) as Record<string, unknown>,
      reason: String(reason),
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}
