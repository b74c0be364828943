/**
 * `dossier-sync repair` as a process: without a terminal it prints the plan and pushes nothing;
 * killed outright (SIGKILL) while the portal holds a batch it has not answered yet, then run
 * again, it pushes every planned dossier exactly once (the simulator counts pushes per code):
 * the interrupted batch's dossiers are looked up, found stored, and not sent again.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../jobs/runtime.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { planRunRepair } from '../../src/queue/repair.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { night, repairDeployment } from '../helpers/repair.js';
import { SIM_ENV } from '../helpers/sim.js';
import { BIN, expireDeadWorkerLocks, until } from '../helpers/workers.js';

const redis = useRedis();
const world = generateWorld({
  seed: 47,
  month: '2026-10',
  provinces: ['H49'],
  dossiersPerProvince: 600,
  inject: {
    notSynced: 3,
    statusLag: 3,
    dateShift: 2,
    definitionDrift: 2,
    missingLocal: 1,
    replacedCode: 0,
    unmappedProcedure: 0,
    duplicateNational: 0,
  },
});
const env = { ...process.env, ...SIM_ENV, REDIS_URL: '', REDIS_CLUSTER: '', REDIS_SENTINEL: '' };

let dir: string;
let sim: Simulator;
let file: string;
let rt: Runtime;
let runId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-repair-crash-'));
  sim = await startSimulator(world, { push: { replyDelayMs: 1500 } }); // a batch stored, its answer on the way
  const d = await repairDeployment(dir, sim, world, redis, { batchSize: 2 });
  file = d.file;
  d.rt.startWorker();
  runId = (await night(d.rt, world)).runId;
  await d.rt.close();
  rt = createRuntime(d.config, pino({ level: 'silent' })); // no worker: the processes below do the work
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

const pushed = () => sim.nationalPushes().reduce((n, p) => n + p.received, 0);

describe('repair as a process', () => {
  it('without a terminal prints the plan and pushes nothing', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, 'repair', '--config', file, '--run', runId, '--log-level', 'warn'],
      { env },
    );
    expect(stdout).toMatch(/10 dossier\(s\) to push \(3 new, 7 updates\)/);
    expect(stdout).toMatch(/person .* missing_local/);
    expect(stdout).toMatch(/Dry run: nothing was pushed/);
    expect(pushed()).toBe(0);
  });

  it('SIGKILL while a batch is in flight, then run again: every planned dossier pushed exactly once', async () => {
    const plan = await planRunRepair(rt, runId, {});
    expect(plan.push.length).toBe(10);
    const child = spawn(
      process.execPath,
      [BIN, 'repair', '--config', file, '--run', runId, '--yes', '--log-level', 'warn'],
      { env, stdio: 'ignore' },
    );
    const exited = new Promise((r) => child.once('exit', (code) => r(code)));
    await until('the portal to hold a pushed batch', async () => pushed() > 0);
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    const before = pushed();
    expect(before).toBeLessThan(plan.push.length); // killed mid-repair

    await expireDeadWorkerLocks(rt); // the dead process's batch back in the queue, as BullMQ would after its lock expired
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, 'repair', '--config', file, '--run', runId, '--yes', '--log-level', 'warn'],
      { env },
    );
    expect(stdout).toMatch(/Pushed \d+: \d+ stored, 0 rejected, 0 skipped; 0 batch\(es\) failed/);

    const counts = sim.nationalPushes();
    expect(counts.map((p) => p.code).sort()).toEqual(plan.push.map((p) => p.dossierCode).sort());
    for (const p of counts) expect(p).toMatchObject({ received: 1, results: { '0': 1 } });
    const records = await rt.repairs.records(runId);
    expect(records.map((r) => r.outcome)).toEqual(plan.push.map(() => 'stored'));
    expect(records.filter((r) => r.message?.startsWith('stored by an interrupted push')).length).toBeGreaterThan(0);

    // and a third run finds nothing left to push
    const again = await planRunRepair(rt, runId, {});
    expect(again.push).toEqual([]);
  });
});
