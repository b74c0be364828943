/**
 * Worker processes, for real: two share one Redis without doing anything twice, and a
 * worker asked to stop (SIGTERM) mid-sync hands its job back at a page boundary so that
 * another worker finishes it from the checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');
const PROVINCES = ['H49', 'H56', 'H12', 'H01'];
const world = generateWorld({ seed: 8, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: 1200 });
const secrets = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let dir: string;
let sim: Simulator;
const children: ChildProcess[] = [];
const runtimes: Runtime[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-workers-'));
  sim = await startSimulator(world);
  Object.assign(process.env, secrets);
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const r of runtimes.splice(0)) await r.close();
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(pageSize: number): Promise<{ file: string; config: Config; rt: Runtime }> {
  const raw = {
    redis: { url: redis.url, prefix: redis.prefix() },
    sources: PROVINCES.map((p) => ({
      id: `${p.toLowerCase()}-dvcqg`,
      province: p,
      dialect: 'dvcqg',
      baseUrl: sim.sourceUrl(p),
      usernameEnv: 'SIM_USER',
      passwordEnv: 'SIM_PASSWORD',
      pageSize,
      initialFrom: '2026-09-01',
    })),
    national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    worker: { concurrency: 2 },
  };
  const file = join(dir, `${raw.redis.prefix}.json`);
  await writeFile(file, JSON.stringify(raw));
  const config = parseConfig(raw, file, { ...process.env, REDIS_URL: '' });
  const rt = createRuntime(config, pino({ level: 'silent' }));
  runtimes.push(rt);
  return { file, config, rt };
}

function worker(file: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'worker', '--config', file, '--no-schedule', '--log-level', 'warn'], {
    env: { ...process.env, ...secrets, REDIS_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function runToEnd(rt: Runtime, runId: string): Promise<void> {
  const events = await rt.events();
  for (;;) {
    const root = await Job.fromId(rt.queue, `run@${runId}`);
    if (root) {
      await root.waitUntilFinished(events, 120_000);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('worker processes', () => {
  it('two workers share a night without processing anything twice', async () => {
    const { file, rt } = await setup(100);
    const a = worker(file);
    const b = worker(file);
    await rt.queue.add('nightly', {
      runId: 'two-workers',
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    await runToEnd(rt, 'two-workers');

    const report = (await rt.runs.report('two-workers'))!;
    expect(report.provinces.map((p) => p.coverage.status)).toEqual(PROVINCES.map(() => 'complete'));
    for (const p of report.provinces) expect(p.sources[0]).toMatchObject({ pulled: 1200, applied: 1200, unchanged: 0 });
    const jobs = await rt.queue.getJobs(['completed']);
    const syncs = jobs.filter((j) => j.name === 'sync-source');
    expect(syncs).toHaveLength(PROVINCES.length);
    expect(jobs.every((j) => j.attemptsMade === 1)).toBe(true);
    expect(new Set(jobs.map((j) => j.processedBy)).size).toBe(2); // both workers took part

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('SIGTERM mid-sync hands the job back at a page boundary; another worker finishes it', async () => {
    const { file, rt } = await setup(5); // many small pages
    const first = worker(file);
    await rt.queue.add('nightly', {
      runId: 'handed-back',
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
      provinces: ['H49'],
    });
    for (;;) {
      const cp = await rt.store.getCheckpoint('H49', 'h49-dvcqg');
      if ((cp.pending?.pages ?? 0) >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const sync = (await Job.fromId(rt.queue, 'sync@handed-back@h49-dvcqg'))!;
    expect(['delayed', 'waiting', 'wait']).toContain(await sync.getState());
    expect(sync.attemptsMade).toBe(0); // handed back, not failed
    const cp = await rt.store.getCheckpoint('H49', 'h49-dvcqg');
    expect(cp.pending?.pages).toBeGreaterThanOrEqual(3);

    worker(file);
    await runToEnd(rt, 'handed-back');
    const report = (await rt.runs.report('handed-back'))!;
    expect(report.provinces[0]!.coverage.status).toBe('complete');
    expect(report.provinces[0]!.sources[0]).toMatchObject({ applied: 1200, unchanged: 0 });
    expect(await rt.store.countDossiers('H49')).toBe(1200);
  });
});
