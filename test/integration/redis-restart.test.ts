/**
 * Redis restarted in the middle of a night, with the append-only file on (as in
 * docker-compose.yml): a private redis-server is stopped while a real worker process pulls
 * pages and a new one started on the same folder and port. The queue, the checkpoints and the
 * store come back as they were; the worker's connections reconnect by themselves
 * (`maxRetriesPerRequest: null`) and the run completes with the store equal to the ground
 * truth, nothing counted twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/store/connection.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { Store } from '../../src/store/store.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { startReplyDropper } from '../helpers/proxy.js';
import {
  configure,
  expectExactNight,
  simWorkerConfig,
  spawnWorker,
  until,
  waitForRun,
  type WorkerProcess,
} from '../helpers/workers.js';

const PROVINCES = ['H49', 'H56'];
const VOLUME = 1500;
const world = generateWorld({ seed: 22, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: VOLUME });
const secrets = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let dir: string;
let dataDir: string;
let port: number;
let server: PrivateRedis | undefined;
let sim: Simulator;
let rt: Runtime | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-restart-'));
  dataDir = await mkdtemp(join(tmpdir(), 'dossier-sync-restart-redis-'));
  port = await freePort();
  server = await startPrivateRedis({ appendOnly: true, dir: dataDir, port });
  sim = await startSimulator(world);
});
afterAll(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await rt?.close();
  await server?.stop();
  await sim.close();
  await rm(dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const checkpointOf = (p: string) => rt!.store.getCheckpoint(p, p.toLowerCase());

describe('Redis restarted mid-run (append-only file on)', () => {
  it('queues, checkpoints and store survive; the worker reconnects and the run completes exactly', async () => {
    const s = await configure(dir, simWorkerConfig(sim, world, { url: server!.url, prefix: 'restart' }), secrets);
    rt = s.rt;
    await rt.events(); // subscribed before the restart: it must reconnect too
    worker = spawnWorker(s.file, secrets);
    const runId = 'restarted';
    await rt.queue.add('nightly', {
      runId,
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    await until('both syncs to have applied 15 pages', async () =>
      (await Promise.all(PROVINCES.map(checkpointOf))).every((cp) => (cp.pending?.pages ?? 0) >= 15),
    );

    // What is there just before the stop: everything after it can only be further on.
    const before = await Promise.all(
      PROVINCES.map(async (p) => ({ cp: await checkpointOf(p), stored: await rt!.store.countDossiers(p) })),
    );
    await server!.stop();
    // Down until the worker has seen it go, mid-page: its commands wait for the connection.
    await until('the worker to see Redis gone', async () =>
      /Redis connection lost: reconnecting/.test(worker!.stderr()),
    );
    expect(worker.child.exitCode).toBeNull(); // the worker rides it out
    server = await startPrivateRedis({ appendOnly: true, dir: dataDir, port });

    // Everything came back from the append-only file.
    expect(await rt.runs.meta(runId)).toMatchObject({ runId, provinces: PROVINCES });
    expect(await Job.fromId(rt.queue, `run@${runId}`)).toBeDefined();
    for (const [i, p] of PROVINCES.entries()) {
      const cp = await checkpointOf(p);
      expect(
        cp.syncedTo !== null || (cp.pending?.pages ?? 0) >= before[i]!.cp.pending!.pages,
        `checkpoint of ${p}`,
      ).toBe(true);
      expect(await rt.store.countDossiers(p)).toBeGreaterThanOrEqual(before[i]!.stored);
      expect(await Job.fromId(rt.queue, `sync@${runId}@${p.toLowerCase()}`)).toBeDefined();
    }

    await waitForRun(rt, runId);
    await expectExactNight(rt, runId, world);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.stderr()).not.toMatch(/Unhandled error event/);
  });

  it('a page apply whose reply is lost (connection dropped after Redis ran it) is sent again and counts once', async () => {
    const proxy = await startReplyDropper(server!.port);
    const proxied = connect({ kind: 'single', url: `redis://127.0.0.1:${proxy.port}` }, 'store');
    proxied.on('error', () => undefined);
    try {
      const store = new Store(proxied, 'lost-reply');
      const d = expectedStore(world.provinces[0]!).slice(0, 5);
      const page = (n: number, dossiers = d) => ({
        province: 'H49',
        source: 'h49',
        runId: 'r',
        dossiers,
        quarantined: [],
        checkpoint: { syncedTo: null, pending: { runId: 'r', from: 0, to: world.now, cursor: { n }, pages: n } },
      });
      await store.applyPage(page(1, d.slice(0, 2))); // the script is loaded: the next apply is one EVALSHA
      void proxy.arm();
      // ioredis sends it again once reconnected; the script finds the page's checkpoint stored and does nothing.
      expect(await store.applyPage(page(2))).toEqual({ applied: 0, unchanged: 0, quarantined: 0 });
      // The page is applied, with its checkpoint, and counted once.
      expect(await store.syncCounters('H49', 'h49', 'r')).toMatchObject({
        pulled: 2 + 5,
        applied: 5,
        unchanged: 2,
        pages: 2,
      });
      expect((await store.getCheckpoint('H49', 'h49')).pending?.pages).toBe(2);
    } finally {
      proxied.disconnect();
      await proxy.close();
    }
  });
});
