/**
 * A worker process killed outright (SIGKILL: no handing back, no cleanup) while it is pulling
 * and applying pages, twice (within `worker.maxStalledCount`), then a worker restarted: the store equals the simulator's ground truth,
 * every record is applied exactly once (applied = volume, unchanged = 0), and the counters
 * add up. A page is applied with its checkpoint and counters in one Lua script, so the kill
 * lands before a page's apply or after it, never half-way; the restarted sync resumes after
 * the last applied page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { expectCountersAddUp, expectStoreMatches } from '../helpers/invariant.js';
import { useRedis } from '../helpers/redis.js';
import {
  configure,
  expireDeadWorkerLocks,
  simWorkerConfig,
  spawnWorker,
  until,
  waitForRun,
  type WorkerProcess,
} from '../helpers/workers.js';

const redis = useRedis();
const PROVINCES = ['H49', 'H56'];
const VOLUME = 1500;
const world = generateWorld({ seed: 21, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: VOLUME });
const secrets = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let dir: string;
let sim: Simulator;
const workers: WorkerProcess[] = [];
const runtimes: Runtime[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-crash-'));
  sim = await startSimulator(world);
});
afterEach(async () => {
  for (const w of workers.splice(0))
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  for (const r of runtimes.splice(0)) await r.close();
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function setup(pageSize: number) {
  const s = await configure(
    dir,
    simWorkerConfig(sim, world, { url: redis.url, prefix: redis.prefix() }, pageSize),
    secrets,
  );
  runtimes.push(s.rt);
  return s;
}

const pagesApplied = async (rt: Runtime, p: string) =>
  (await rt.store.getCheckpoint(p, p.toLowerCase())).pending?.pages ?? 0;

describe('a worker killed mid-apply', () => {
  it('SIGKILL while both provinces pull pages, twice, then a restart: store == ground truth, nothing lost, nothing counted twice', async () => {
    const { file, rt } = await setup(10); // 150 small pages a province: the kills land among them
    const runId = 'killed';
    const syncIds = PROVINCES.map((p) => `sync@${runId}@${p.toLowerCase()}`);
    await rt.queue.add('nightly', {
      runId,
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });

    // Two workers in turn die outright mid-sync (BullMQ alone would fail a job stalled twice).
    let before = [0, 0];
    for (const kill of [1, 2]) {
      const w = spawnWorker(file, secrets);
      workers.push(w);
      // Both syncs running and 15 pages further on.
      await until(`both syncs to have applied 15 more pages (kill ${kill})`, async () =>
        (await Promise.all(PROVINCES.map((p) => pagesApplied(rt, p)))).every((n, i) => n >= before[i]! + 15),
      );
      w.child.kill('SIGKILL');
      expect(await w.exited).toBeNull(); // killed, not exited
      const atKill = await Promise.all(PROVINCES.map((p) => pagesApplied(rt, p)));
      expect(atKill.every((n) => n > 0 && n < VOLUME / 10)).toBe(true); // mid-sync for both

      // The dead worker's jobs are still "active" under its lock; recover them as BullMQ would.
      for (const id of syncIds) expect(await (await Job.fromId(rt.queue, id))!.getState()).toBe('active');
      expect((await expireDeadWorkerLocks(rt)).sort()).toEqual(syncIds.sort());
      // Nothing moved while no worker ran.
      expect(await Promise.all(PROVINCES.map((p) => pagesApplied(rt, p)))).toEqual(atKill);
      before = atKill;
    }

    const second = spawnWorker(file, secrets);
    workers.push(second);
    await waitForRun(rt, runId);

    const report = (await rt.runs.report(runId))!;
    for (const [i, p] of PROVINCES.entries()) {
      const province = report.provinces.find((x) => x.province === p)!;
      expect(province.coverage).toEqual({ status: 'complete', why: null });
      const s = province.sources[0]!;
      expectCountersAddUp(s);
      expect(s).toMatchObject({ status: 'complete', pulled: VOLUME, applied: VOLUME, unchanged: 0, quarantined: 0 });
      await expectStoreMatches(rt.store, p, expectedStore(world.provinces[i]!));
      // Resumed after the last applied page: the pages before the kill were not pulled again.
      const job = (await Job.fromId(rt.queue, syncIds[i]!))!;
      expect(await job.getState()).toBe('completed');
      expect(job.stalledCounter).toBe(2);
      expect(job.attemptsMade).toBe(1); // the kills used up no attempt
    }
    // The injected discrepancies are found as if nothing had happened.
    const truth = world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort();
    expect(report.provinces.flatMap((p) => p.findings.map((f) => `${f.dossierCode} ${f.kind}`)).sort()).toEqual(truth);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
