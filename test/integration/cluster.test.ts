/**
 * Redis Cluster for real: three masters started here (`redis-server --cluster-enabled yes`,
 * joined by `redis-cli --cluster create`), a night over four provinces whose hash tags land on
 * different masters, run by two worker processes of which one is killed outright mid-sync.
 * The store equals the simulator's ground truth on every province, and the report is the one
 * the same night gives on a single Redis. Every script and MULTI keeps to one slot (a cluster
 * refuses one that does not: CROSSSLOT).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Job } from 'bullmq';
import type { Command } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runReport, type RunReport } from '../../schemas/report.js';
import { checkRedis, connect, type RedisClient } from '../../src/store/connection.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { Incidents } from '../../src/store/incidents.js';
import { Repairs } from '../../src/store/repairs.js';
import { Runs } from '../../src/store/runs.js';
import { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/util/logger.js';
import { clusterUnsupported, startPrivateCluster, type PrivateCluster } from '../../src/util/redis-server.js';
import { useRedis } from '../helpers/redis.js';
import { SIM_ENV } from '../helpers/sim.js';
import {
  BIN,
  configure,
  expectExactNight,
  expireDeadWorkerLocks,
  simWorkerConfig,
  spawnWorker,
  until,
  waitForRun,
  type WorkerProcess,
} from '../helpers/workers.js';

const exec = promisify(execFile);
const unsupported = await clusterUnsupported();
if (unsupported) console.warn(`Redis Cluster tests skipped: ${unsupported}`);

const single = useRedis();
// H26 hashes to the first master's slots, H49 and H56 to the second's, H10 to the third's (checked below).
const PROVINCES = ['H26', 'H49', 'H56', 'H10'];
const VOLUME = 400;
const world = generateWorld({ seed: 33, month: '2026-10', provinces: PROVINCES, dossiersPerProvince: VOLUME });
const secrets = SIM_ENV;
Object.assign(process.env, SIM_ENV); // for the worker run in this process

let dir: string;
let sim: Simulator;
let cluster: PrivateCluster;
const workers: WorkerProcess[] = [];
const runtimes: Runtime[] = [];
const clients: RedisClient[] = [];

describe.skipIf(unsupported)('on a Redis Cluster of three masters', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dossier-sync-cluster-'));
    [sim, cluster] = await Promise.all([startSimulator(world), startPrivateCluster(3)]);
  });
  afterEach(async () => {
    for (const w of workers.splice(0))
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    for (const r of runtimes.splice(0)) await r.close();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await sim?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function setup(redis: Record<string, unknown>, prefix: string) {
    const s = await configure(dir, simWorkerConfig(sim, world, { ...redis, prefix }), secrets);
    runtimes.push(s.rt);
    return s;
  }

  /** The master (its port) that holds a key's slot. */
  async function masterOf(key: string): Promise<number> {
    const c = connect({ kind: 'cluster', nodes: cluster.urls }, 'test');
    clients.push(c);
    const slot = (await c.call('CLUSTER', 'KEYSLOT', key)) as number;
    const ranges = (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    return ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
  }

  it("the four provinces' keys lie on all three masters", async () => {
    const masters = await Promise.all(PROVINCES.map((p) => masterOf(`x:{${p}}:dossiers`)));
    expect(new Set(masters).size).toBe(3);
  });

  /**
   * Records, for each script and each MULTI sent on `c`, the keys it names (the commands
   * between MULTI and EXEC together).
   */
  function recordKeyGroups(c: RedisClient): { kind: string; keys: string[] }[] {
    const groups: { kind: string; keys: string[] }[] = [];
    let multi: string[] | undefined;
    const send = c.sendCommand.bind(c) as (cmd: Command, ...rest: unknown[]) => unknown;
    (c as unknown as { sendCommand: typeof send }).sendCommand = (cmd, ...rest) => {
      const keys = cmd.getKeys().map(String);
      if (cmd.name === 'multi') multi = [];
      else if (cmd.name === 'exec') {
        groups.push({ kind: 'multi', keys: multi ?? [] });
        multi = undefined;
      } else if (multi) multi.push(...keys);
      else if (cmd.name === 'evalsha' || cmd.name === 'eval')
        groups.push({ kind: `script of ${keys.length} key(s)`, keys });
      return send(cmd, ...rest);
    };
    return groups;
  }

  it('every script and MULTI of the store, runs, incidents and repairs keeps to one slot', async () => {
    const c = connect({ kind: 'cluster', nodes: cluster.urls }, 'test');
    clients.push(c);
    const groups = recordKeyGroups(c);
    const [store, runs, incidents, repairs] = [
      new Store(c, 'slots'),
      new Runs(c, 'slots'),
      new Incidents(c, 'slots'),
      new Repairs(c, 'slots'),
    ];
    const d = expectedStore(world.provinces[1]!).slice(0, 3);
    const entry = { source: 'h49', runId: 'r', page: 1, reason: 'status: unknown', at: 0, raw: {} };
    const checkpoint = { syncedTo: null, pending: { runId: 'r', from: 0, to: world.now, cursor: null, pages: 1 } };
    // Each of these fails with CROSSSLOT (or ioredis refuses the MULTI) if its keys span slots.
    await store.applyPage({
      province: 'H49',
      source: 'h49',
      runId: 'r',
      dossiers: d.slice(0, 2),
      quarantined: [{ key: 'q1', entry }],
      checkpoint,
    });
    await store.releaseQuarantined('H49', 'h49', [{ key: 'q1', reason: entry.reason, dossier: d[2]! }]);
    for await (const _ of store.scanDossiers('H49')) void _;
    await runs.create({
      runId: 'r',
      period: world.period,
      window: { to: 'x' },
      startedAt: new Date(0).toISOString(),
      finishedAt: null,
      provinces: ['H49'],
    });
    const load = { requests: 1, records: 2 };
    await runs.addNationalLoad('r', 'H49', load);
    // a finding naming a replaced code on the national side: its code is indexed in the same MULTI
    const side = { status: 2, receivedAt: null, dueAt: null, finishedAt: null, returnedAt: null, updatedAt: null };
    const replaced = {
      dossierCode: 'A-1',
      agency: 'a',
      kind: 'code_divergence' as const,
      metrics: ['received'],
      evidence: { local: { ...side, procedure: 'p', code: 'A-1' }, national: { ...side, procedure: 'p', code: 'A-2' } },
    };
    await runs.setExplanation(
      'r',
      { province: 'H49', coverage: { status: 'complete', why: null }, sources: [], agencies: 0, mismatches: [] },
      [replaced],
      load,
    );
    await runs.setIncidents('r', 'H49', []);
    const at = new Date(0).toISOString();
    await incidents.save([
      {
        key: 'k',
        province: 'H49',
        period: world.period,
        agency: 'a',
        cause: 'missing_national',
        status: 'open',
        openedAt: at,
        updatedAt: at,
        dossiers: ['A-1'],
        lines: [],
        residual: 0,
        history: [],
      },
    ]);
    const record = {
      runId: 'r',
      province: 'H49',
      dossierCode: d[0]!.code,
      agency: d[0]!.agency,
      kind: 'status_lag' as const,
      by: 't',
      at,
      sent: null,
      outcome: 'stored' as const,
      code: '0',
      message: null,
      resent: false,
    };
    await repairs.markSending('r', 'H49', [d[0]!.code], new Date(0));
    await repairs.record([record]);
    await repairs.saveChecks(
      'r2',
      'H49',
      [{ dossierCode: d[0]!.code, repairRun: 'r', status: 'verified' }],
      new Date(1),
    );
    expect((await repairs.records('r'))[0]!.verification?.status).toBe('verified');
    expect(await store.countDossiers('H49')).toBe(3);
    expect((await runs.report('r'))?.provinces.map((p) => p.province)).toEqual(['H49']);
    expect(await runs.nationalRecords('r')).toBe(4);
    // the run list's one pipeline of every run's meta and lines
    expect((await runs.lines(['r']))[0]?.provinces.map((p) => [p.province, p.coverage.status])).toEqual([
      ['H49', 'complete'],
    ]);
    expect(await incidents.list({ status: 'open' })).toHaveLength(1);
    // a dossier page's pipelines of the runs' findings that name a code
    expect((await runs.findingsNaming(['r'], 'A-2'))[0]?.provinces).toEqual([
      { province: 'H49', findings: [replaced] },
    ]);

    // And asked of the cluster: each group's keys hash to one slot.
    const distinct = [...new Map(groups.map((g) => [`${g.kind} ${g.keys.join(' ')}`, g])).values()]; // a script sent again as EVAL after NOSCRIPT counts once
    expect(distinct.map((g) => g.kind).sort()).toEqual([
      ...Array(7).fill('multi'),
      ...Array(4).fill('script of 1 key(s)'),
      'script of 3 key(s)',
      'script of 5 key(s)',
    ]); // the layout's reads: its odd codes, open buckets, month buckets, and the hash before buckets
    for (const g of groups) {
      const slots = await Promise.all(g.keys.map((k) => c.call('CLUSTER', 'KEYSLOT', k)));
      expect(new Set(slots).size, `${g.kind}: ${g.keys.join(' ')}`).toBe(1);
    }
  });

  it('reconcile and report run end to end on REDIS_CLUSTER', async () => {
    const file = join(dir, 'cli.json');
    const raw = simWorkerConfig(sim, world, { prefix: 'cli' }, 100);
    // The simulated month lies weeks before the real clock that `reconcile` uses: not staleness here.
    await writeFile(file, JSON.stringify({ ...raw, national: { ...raw.national, staleAfterDays: 0 } }));
    const env = { ...process.env, ...secrets, REDIS_URL: '', REDIS_CLUSTER: cluster.urls.join(',') };
    const cli = (...args: string[]) =>
      exec(process.execPath, [BIN, ...args, '--config', file, '--log-level', 'warn'], {
        env,
        maxBuffer: 32 * 1024 * 1024,
      });
    const report = runReport.parse(
      JSON.parse((await cli('reconcile', '--month', '2026-10', '--format', 'json')).stdout),
    );
    expect(report.provinces.map((p) => p.coverage.status)).toEqual(PROVINCES.map(() => 'complete'));
    expect(report.provinces.flatMap((p) => p.findings.map((f) => `${f.dossierCode} ${f.kind}`)).sort()).toEqual(
      world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort(),
    );
    expect(runReport.parse(JSON.parse((await cli('report', '--format', 'json')).stdout))).toEqual(report);
  }, 120_000);

  it('the start-up check reads every master and names the one that may evict', async () => {
    const c = connect({ kind: 'cluster', nodes: cluster.urls }, 'test');
    clients.push(c);
    await c.ping();
    const node = cluster.nodes[1]!;
    const direct = connect({ kind: 'single', url: node.url }, 'test');
    clients.push(direct);
    await direct.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) });
      await checkRedis(c, createLogger({ level: 'info', destination }));
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
        expect.objectContaining({ level: 40, policy: 'allkeys-lru', node: `127.0.0.1:${node.port}` }),
      ]);
    } finally {
      await direct.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  /** A report without what differs from one run to another: its id and times. */
  const comparable = (r: RunReport) =>
    JSON.parse(
      JSON.stringify({ ...r, runId: null, startedAt: null, finishedAt: null }).replaceAll(r.runId, '<run>'),
    ) as unknown;

  it('a night with two workers, one SIGKILLed mid-sync: store == ground truth, and the report of a single Redis', async () => {
    const { file, rt } = await setup({ cluster: cluster.urls }, 'cluster-night');
    expect(rt.config.redisTarget).toEqual({ kind: 'cluster', nodes: cluster.urls });
    const runId = 'cluster-night';
    const pagesApplied = async (p: string) => (await rt.store.getCheckpoint(p, p.toLowerCase())).pending?.pages ?? 0;
    const [a, b] = [spawnWorker(file, secrets, { logLevel: 'info' }), spawnWorker(file, secrets, { logLevel: 'info' })];
    workers.push(a, b);
    // Both workers up before the night, so that each takes two of the four syncs.
    await until(
      'both workers to start',
      async () => [a, b].every((w) => w.stderr().includes('worker started')),
      90_000,
    );
    await rt.queue.add('nightly', {
      runId,
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });

    // Four syncs at once over two workers of two slots each: every province is mid-sync.
    await until(
      'every sync to have applied 3 pages',
      async () => (await Promise.all(PROVINCES.map(pagesApplied))).every((n) => n >= 3),
      90_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; pages ${await Promise.all(PROVINCES.map(pagesApplied))}; jobs ${JSON.stringify(await rt.queue.getJobCounts())}; workers said:\n${a.stderr()}\n${b.stderr()}`,
      );
    });
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    const atKill = await Promise.all(PROVINCES.map(pagesApplied));
    expect(atKill.every((n) => n < VOLUME / 10)).toBe(true);
    // The dead worker's syncs wait for its locks to expire: bring that forward; the other worker takes them.
    const moved = await expireDeadWorkerLocks(rt, { pid: a.child.pid });
    expect(moved.length).toBeGreaterThan(0);
    await waitForRun(rt, runId, 120_000);

    const report = await expectExactNight(rt, runId, world);
    for (const id of moved) expect((await Job.fromId(rt.queue, id))!.stalledCounter).toBe(1);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // The same night on a single Redis, with one worker (in this process) and no kill, gives the same report.
    const one = await setup({ url: single.url }, 'single-night');
    one.rt.startWorker();
    await one.rt.queue.add('nightly', {
      runId: 'single-night',
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    await waitForRun(one.rt, 'single-night', 120_000);
    const reference = (await one.rt.runs.report('single-night'))!;
    expect(comparable(report)).toEqual(comparable(reference));
    expect(report.provinces.flatMap((p) => p.findings).length).toBeGreaterThan(0); // a report with something in it
  }, 180_000); // about 30 s on an idle machine; worker processes start slowly on a loaded one
});
