/**
 * Real worker processes for integration tests: `bin/dossier-sync.js worker` spawned on a
 * configuration file, a run awaited through queue events, and BullMQ's stalled-job recovery
 * brought forward after a worker was killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Job, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { pino, type Logger } from 'pino';
import { parseConfig, type Config } from '../../src/config/load.js';
import { QUEUE_NAME, type Runtime } from '../../src/queue/runtime.js';
import { createRuntime } from '../../jobs/runtime.js';
import type { Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, type World } from '../../src/sim/world.js';
import type { RunReport } from '../../schemas/report.js';
import { expect } from 'vitest';
import { expectCountersAddUp, expectStoreMatches } from './invariant.js';

export const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What the process wrote to stderr so far (its logs at the chosen level). */
  stderr(): string;
}

/**
 * The configuration of a worker test against the simulators: one `dvcqg` source per province
 * (small pages, so that a kill or an outage lands among them), the national feed, quick retries.
 */
export function simWorkerConfig(
  sim: Simulator,
  world: World,
  redis: { prefix: string } & Record<string, unknown>,
  pageSize = 10,
) {
  return {
    redis,
    sources: world.provinces.map(({ province: p }) => ({
      id: p.toLowerCase(),
      province: p,
      dialect: 'dvcqg',
      baseUrl: sim.sourceUrl(p),
      usernameEnv: 'SIM_USER',
      passwordEnv: 'SIM_PASSWORD',
      pageSize,
      initialFrom: '2026-09-01',
      procedureMap: world.procedureMap,
    })),
    national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    worker: { concurrency: 2, backoffMs: 10 },
  };
}

/** Writes `raw` as a configuration file in `dir` and opens a runtime on it (no worker). */
export async function configure(
  dir: string,
  raw: Record<string, unknown> & { redis: { prefix: string } & Record<string, unknown> },
  env: NodeJS.ProcessEnv,
  logger: Logger = pino({ level: 'silent' }),
): Promise<{ file: string; config: Config; rt: Runtime }> {
  const file = join(dir, `${raw.redis.prefix}.json`);
  await writeFile(file, JSON.stringify(raw));
  const config = parseConfig(raw, file, { ...env, REDIS_URL: '', REDIS_CLUSTER: '', REDIS_SENTINEL: '' });
  const rt = createRuntime(config, logger);
  return { file, config, rt };
}

/** Spawns `dossier-sync worker --no-schedule` on `file`; `env` adds the secrets. */
export function spawnWorker(
  file: string,
  env: NodeJS.ProcessEnv,
  opts: { logLevel?: string; concurrency?: number } = {},
): WorkerProcess {
  const args = [BIN, 'worker', '--config', file, '--no-schedule', '--log-level', opts.logLevel ?? 'warn'];
  if (opts.concurrency) args.push('--concurrency', String(opts.concurrency));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, REDIS_URL: '', REDIS_CLUSTER: '', REDIS_SENTINEL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))), stderr: () => err };
}

/** Waits until `runId`'s final job (`run@<runId>`) has finished. */
export async function waitForRun(rt: Runtime, runId: string, timeoutMs = 60_000): Promise<void> {
  const events = await rt.events();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const root = await Job.fromId(rt.queue, `run@${runId}`);
    if (root) {
      await root.waitUntilFinished(events, Math.max(1, deadline - Date.now()));
      return;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} was never enqueued`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves when `check` holds, polling every 20 ms; throws after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * After a worker died without a word (SIGKILL), its active jobs keep their lock until it
 * expires (BullMQ's `lockDuration`, 30 s) and are moved back to wait by the second stalled
 * check after that (`stalledInterval`, 30 s). This does now what that time would do: the dead
 * worker's locks expire, and BullMQ's own stalled check runs twice. Returns the jobs moved
 * back. Only for jobs no live worker holds: call it before starting the next worker, or name
 * the dead worker's process (`pid`) so that only its jobs lose their lock.
 */
export async function expireDeadWorkerLocks(rt: Runtime, opts: { pid?: number } = {}): Promise<string[]> {
  const active = await rt.queue.getJobs(['active']);
  const dead =
    opts.pid === undefined ? active : active.filter((j) => j.processedBy?.split(':').at(-2) === String(opts.pid)); // named host:pid:n (src/queue/runtime.ts)
  for (const j of dead) await rt.redis.del(rt.queue.toKey(`${j.id}:lock`));
  const connection = rt.redis instanceof Cluster ? rt.redis.duplicate() : rt.redis.duplicate(); // the same call, typed apart
  const checker = new Worker(QUEUE_NAME, null, {
    connection,
    prefix: rt.queue.opts.prefix,
    autorun: false,
    maxStalledCount: rt.config.worker.maxStalledCount, // the stalled check applies the checking worker's limit
  });
  const moved: string[] = [];
  checker.on('stalled', (id) => moved.push(id));
  try {
    for (let i = 0; i < 2; i++) {
      await rt.redis.del(rt.queue.toKey('stalled-check'));
      await (checker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait(); // private in the types
    }
    return moved;
  } finally {
    await checker.close();
    connection.disconnect(); // BullMQ leaves a connection it was given open
  }
}

/**
 * A night that went as if nothing had happened: every province complete, each record of the
 * world applied once (applied = pulled = its volume, nothing unchanged or quarantined), the
 * store equal to the ground truth, and the injected discrepancies found. Returns the report.
 */
export async function expectExactNight(rt: Runtime, runId: string, world: World): Promise<RunReport> {
  const report = (await rt.runs.report(runId))!;
  for (const w of world.provinces) {
    const province = report.provinces.find((x) => x.province === w.province)!;
    expect(province.coverage).toEqual({ status: 'complete', why: null });
    const src = province.sources[0]!;
    expectCountersAddUp(src);
    expect(src).toMatchObject({
      status: 'complete',
      pulled: w.local.length,
      applied: w.local.length,
      unchanged: 0,
      quarantined: 0,
    });
    await expectStoreMatches(rt.store, w.province, expectedStore(w));
  }
  const truth = world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort();
  expect(report.provinces.flatMap((p) => p.findings.map((f) => `${f.dossierCode} ${f.kind}`)).sort()).toEqual(truth);
  return report;
}
