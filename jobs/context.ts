/** What every job handler is handed: its dependencies, never globals. */
import { DelayedError, Job, type FlowProducer, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../src/config/load.js';
import type { NationalClient } from '../src/national/client.js';
import type { PushClient } from '../src/national/push.js';
import type { SourceAdapter } from '../src/sources/source.js';
import type { Incidents } from '../src/store/incidents.js';
import type { Repairs } from '../src/store/repairs.js';
import type { Runs } from '../src/store/runs.js';
import type { Store } from '../src/store/store.js';

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
    out.push({ id, name: child?.name ?? id.split('@')[0]!, data: (child?.data ?? {}) as Record<string, unknown>, reason: String(reason) });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

/**
 * One component of a job id, encoded: codes come from the sources and the national feed and
 * may hold ':' (which BullMQ refuses in ids) or '@' (our separator). Every character outside
 * [A-Za-z0-9._-] becomes `%` and its UTF-16 code unit in four hex digits, '%' included, so
 * the encoding is one-to-one and leaves the usual codes as they are.
 */
export function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const jobId = (kind: string, ...parts: string[]) => [kind, ...parts.map(idPart)].join('@');

/** Job ids: deterministic where a duplicate would be wrong; every component encoded (`idPart`). */
export const jobIds = {
  run: (runId: string) => jobId('run', runId),
  sync: (runId: string, source: string) => jobId('sync', runId, source),
  reconcile: (runId: string, province: string) => jobId('reconcile', runId, province),
  explain: (runId: string, province: string) => jobId('explain', runId, province),
  alert: (runId: string, webhook: string, what: string) => jobId('alert', runId, webhook, what),
  /** One batch of a run's repair, named by its dossiers: the same batch asked for twice is one job. */
  repair: (runId: string, province: string, batch: string) => jobId('repair', runId, province, batch),
};
