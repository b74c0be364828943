/**
 * Every job id and every flow tree, built in one place: a night (jobs/nightly.ts) and a
 * replay of failed syncs (src/queue/replay.ts) are the same tree, under their own ids; a
 * replayed reconciliation or explanation (src/queue/replay-passes.ts) is the run's finish
 * over that one job.
 */
import type { FlowJob, JobsOptions } from 'bullmq';
import type {
  ExplainProvincePayload,
  FinishRunPayload,
  ReconcileProvincePayload,
  SyncSourcePayload,
} from '../../schemas/jobs.js';

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
  /** What every sync job id of a run starts with. */
  syncsOf: (runId: string) => `${jobId('sync', runId)}@`,
  /** The night that follows a run (`then`), once. */
  then: (runId: string) => jobId('nightly', runId, 'then'),
  /** A missed night caught up at start, once whichever worker starts first. */
  catchUp: (windowTo: number) => jobId('nightly', 'catch-up', String(windowTo)),
  /** A new id for a job whose id is taken by a finished job (BullMQ ignores an add whose id exists). */
  again: (id: string, at: number) => `${id}@again-${at.toString(36)}`,
  /** The kind of job an id names (`sync`, `reconcile`, …). */
  kindOf: (id: string) => id.split('@')[0]!,
};

/** A new id for each replay: BullMQ ignores an add whose id still exists. */
export function replayJobId(jobId: string, at: Date): string {
  return `${jobId}@replay-${at.getTime().toString(36)}`;
}

/** A reconciliation or explanation pass of a run's province that failed for good, to be replayed. */
export interface PassReplay {
  /** The failed job's id, and when it failed: they name the replay. */
  jobId: string;
  failedAt: Date;
  name: 'reconcile-province' | 'explain-province';
  data: ReconcileProvincePayload | ExplainProvincePayload;
}

/**
 * The replay of a failed pass: the pass again, under the run's `finish-run` for its province
 * alone. Its ids are named by the failed job and when it failed: the same failure replayed
 * twice is the same jobs, which BullMQ adds once; a replay that fails again is a new failure.
 */
export function passReplayFlow(queueName: string, opts: JobsOptions, pass: PassReplay): FlowJob {
  const { runId, province } = pass.data;
  return {
    name: 'finish-run',
    queueName,
    data: { runId, then: [], provinces: [province] } satisfies FinishRunPayload,
    opts: { ...opts, jobId: replayJobId(jobId('run', runId, province), pass.failedAt) },
    children: [
      {
        name: pass.name,
        queueName,
        data: pass.data,
        opts: { ...opts, jobId: replayJobId(pass.jobId, pass.failedAt), ignoreDependencyOnFailure: true },
      },
    ],
  };
}

/** A province of a run's flow: its reconciliation and the syncs it waits for, each with its job id. */
export interface ProvinceFlow {
  reconcile: ReconcileProvincePayload;
  syncs: { jobId: string; data: SyncSourcePayload }[];
}

/** One sync of a flow: its failure is recorded on its parent instead of blocking it. */
export function syncJob(queueName: string, opts: JobsOptions, data: SyncSourcePayload, jobId: string): FlowJob {
  return { name: 'sync-source', queueName, data, opts: { ...opts, jobId, ignoreDependencyOnFailure: true } };
}

/**
 * A run as one flow: `finish-run` over a `reconcile-province` per province, each over its
 * `sync-source` jobs. A parent runs when its children are done; a child that fails for good is
 * recorded on the parent instead of blocking it. `idOf` turns each id into the one to use
 * (a replay's, `replayJobId`); a night uses the ids as they are.
 */
export function runFlow(
  queueName: string,
  opts: JobsOptions,
  finish: FinishRunPayload,
  provinces: ProvinceFlow[],
  idOf: (id: string) => string = (id) => id,
): FlowJob {
  const { runId } = finish;
  return {
    name: 'finish-run',
    queueName,
    data: finish,
    opts: { ...opts, jobId: idOf(jobIds.run(runId)) },
    children: provinces.map((p) => ({
      name: 'reconcile-province',
      queueName,
      data: p.reconcile,
      opts: { ...opts, jobId: idOf(jobIds.reconcile(runId, p.reconcile.province)), ignoreDependencyOnFailure: true },
      children: p.syncs.map((s) => syncJob(queueName, opts, s.data, idOf(s.jobId))),
    })),
  };
}
