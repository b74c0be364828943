/**
 * Redis Sentinel for real: a master, its replica and three sentinels started here, the worker
 * connected through the sentinels, and the master killed mid-sync right after it ran a page
 * apply whose reply never reached the worker. After the failover the worker carries on against
 * the promoted replica, sends that apply again (the store's page apply finds its checkpoint
 * stored and counts nothing twice) and the night completes with the store equal to the ground
 * truth.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/store/connection.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { createLogger } from '../../src/util/logger.js';
import { startPrivateSentinels, type PrivateSentinels } from '../../src/util/redis-server.js';
import { startReplyDropper, type ReplyDropper } from '../helpers/proxy.js';
import { SIM_ENV } from '../helpers/sim.js';
import { configure, expectExactNight, simWorkerConfig, until, waitForRun } from '../helpers/workers.js';

const PROVINCES = ['H49', 'H56'];
const world = generateWorld({ seed: 44, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: 400 });
Object.assign(process.env, SIM_ENV); // the worker runs in this process

let dir: string;
let sim: Simulator;
let group: PrivateSentinels;
let proxy: ReplyDropper | undefined;
let rt: Runtime | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-sentinel-'));
  // Everyone (sentinels, replica, worker) reaches the master through a proxy that can lose a reply.
  [sim, group] = await Promise.all([
    startSimulator(world),
    startPrivateSentinels({ via: async (port) => (proxy = await startReplyDropper(port)).port }),
  ]);
});
afterAll(async () => {
  await rt?.close();
  await proxy?.close();
  await group?.stop();
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Redis Sentinel', () => {
  it('the master killed mid-sync after running a page whose reply is lost: the worker follows the failover, nothing lost, nothing counted twice', async () => {
    const warnings: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => done(void warnings.push(String(chunk))) });
    const raw = simWorkerConfig(sim, world, {
      sentinel: { name: group.name, sentinels: group.addresses },
      prefix: 'failover',
    });
    const s = await configure(dir, raw, SIM_ENV, createLogger({ level: 'warn', destination }));
    rt = s.rt;
    expect(rt.config.redisTarget).toMatchObject({ kind: 'sentinel', name: group.name });
    await rt.events(); // subscribed before the failover: it must follow it too
    rt.startWorker();
    const pagesApplied = async (p: string) => (await rt!.store.getCheckpoint(p, p.toLowerCase())).pending?.pages ?? 0;
    const runId = 'failover';
    await rt.queue.add('nightly', {
      runId,
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    await until(
      'both syncs to have applied 5 pages',
      async () => (await Promise.all(PROVINCES.map(pagesApplied))).every((n) => n >= 5),
      60_000,
    );

    // The next page apply of H49 runs on the master, but its reply is held back...
    const before = await pagesApplied('H49');
    await proxy!.arm({ match: (command) => command.includes('{H49}:checkpoint:h49'), hold: true });
    const master = connect({ kind: 'single', url: group.master.url }, 'test');
    const lostPage = JSON.parse((await master.get('failover:{H49}:checkpoint:h49'))!) as { pending: { pages: number } };
    // ...it reaches the replica (so the failover keeps it), then the master dies.
    expect(await master.call('WAIT', '1', '5000')).toBe(1);
    master.disconnect();
    const switched = group.switched();
    group.master.child.kill('SIGKILL');
    expect(await switched).toEqual({ host: '127.0.0.1', port: group.replica.port });

    await waitForRun(rt, runId, 120_000);
    await expectExactNight(rt, runId, world);
    expect(lostPage.pending.pages).toBeGreaterThan(before); // the master had run it
    // The worker's connections saw the master go; its syncs never found a checkpoint other than
    // the one they left: the page whose reply was lost, sent again to the new master, was
    // recognised by its own checkpoint and counted once.
    expect(warnings.some((w) => w.includes('Redis connection lost'))).toBe(true);
    expect(warnings.filter((w) => w.includes('resuming from the stored checkpoint'))).toEqual([]);
  }, 120_000);
});
