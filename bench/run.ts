/**
 * `npm run bench`: how close the worker runs to this machine's limit. On a private Redis,
 * with the simulator in its own process:
 *   1. end-to-end sync (HTTP simulator → validate → normalise → idempotent apply) per volume;
 *   2. the floor: the same pages from memory (parse + validate + normalise + apply), and
 *      JSON.parse alone, and the ratio end-to-end / floor;
 *   3. reconcile of one month of a province with 1M dossiers (counts + comparison);
 *   4. drill-down of a key with 100k differing dossiers;
 *   5. Redis bytes per stored dossier (INFO memory before/after) and the worker's peak RSS.
 * Prints a table and writes bench/results.json. Bounded: gives up after BENCH_DEADLINE_S
 * (default 600) seconds.
 *
 * Environment: BENCH_VOLUMES=100000,500000,2000000  BENCH_RECONCILE=1000000
 * BENCH_MISSING=100000  BENCH_PROF=sync,floor,reconcile (--cpu-prof into bench/profiles/)
 * BENCH_SYNC_NODE_ARGS='--max-semi-space-size=4' (flags for the worker process) BENCH_VERBOSE=1 (children's own output).
 */
import { writeFile } from 'node:fs/promises';
import { arch, cpus, totalmem, release, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/util/redis-server.js';
import { startChild, type Child } from './common.js';
import type { FloorResult } from './floor.js';
import type { ReconcileResult } from './reconcile.js';
import type { SimReady } from './sim.js';
import type { SyncResult } from './sync.js';

const TARGET = { rate: 50_000, ofFloor: 0.5, reconcileMs: 3_000, bytes: 150, rssMB: 300 };
const numbers = (v: string | undefined, d: number[]) => (v ? v.split(',').map((s) => Number(s.trim())) : d);
const VOLUMES = numbers(process.env.BENCH_VOLUMES, [100_000, 500_000, 2_000_000]);
const RECONCILE = numbers(process.env.BENCH_RECONCILE, [1_000_000])[0]!;
const MISSING = numbers(process.env.BENCH_MISSING, [100_000])[0]!;
const DEADLINE_S = Number(process.env.BENCH_DEADLINE_S ?? 600);
const BIG_HEAP = ['--max-old-space-size=8192'];
/** Extra Node flags for the worker (sync) process only, e.g. BENCH_SYNC_NODE_ARGS=--max-semi-space-size=4. */
const SYNC_NODE_ARGS = (process.env.BENCH_SYNC_NODE_ARGS ?? '').split(' ').filter(Boolean);

const started = performance.now();
const children = new Set<Child<unknown>>();
const redisServer = await startPrivateRedis();
const redis = new Redis(redisServer.url);

async function cleanup(): Promise<void> {
  for (const c of children) await c.stop().catch(() => undefined);
  await redis.quit().catch(() => undefined);
  await redisServer.stop();
}
const deadline = setTimeout(() => {
  process.stderr.write(`bench: over ${DEADLINE_S} s, giving up\n`);
  void cleanup().finally(() => process.exit(1));
}, DEADLINE_S * 1000);
deadline.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));


function child<T>(script: string, args: unknown, nodeArgs: string[] = []): Child<T> {
  const c = startChild<T>(script, args, nodeArgs);
  children.add(c as Child<unknown>);
  c.proc.once('exit', () => children.delete(c as Child<unknown>));
  return c;
}

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(2);
const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);

interface VolumeResult {
  volume: number;
  generateMs: number;
  sync: SyncResult & { rate: number };
  redisBytesPerDossier: number;
  floor: FloorResult & { parseRate: number; normaliseRate: number; applyRate: number };
  ofFloor: number;
}

/** Syncs a world of `volume` dossiers from a simulator process; returns its figures (the store is left filled). */
async function syncVolume(volume: number, missing?: number): Promise<{ ready: SimReady; sim: Child<SimReady>; sync: SyncResult; bytes: number }> {
  await redis.flushall();
  const before = await usedMemory();
  const sim = child<SimReady>('sim', { volume, missing }, BIG_HEAP);
  const ready = await sim.next();
  const s = child<SyncResult>(
    'sync',
    { redisUrl: redisServer.url, prefix: 'bench', sourceUrl: ready.sourceUrl, nationalUrl: ready.nationalUrl, now: ready.now },
    SYNC_NODE_ARGS,
  );
  const sync = await s.next();
  await s.stop();
  const after = await usedMemory();
  return { ready, sim, sync, bytes: (after - before) / sync.applied };
}

async function measure() {
  const results: VolumeResult[] = [];
  for (const volume of VOLUMES) {
    say(`… ${volume.toLocaleString('en')} dossiers: end-to-end`);
    const { ready, sim, sync, bytes } = await syncVolume(volume);
    await sim.stop();
    if (sync.applied !== volume) throw new Error(`bench: ${volume} dossiers served but ${sync.applied} applied`);
    say(`… ${volume.toLocaleString('en')} dossiers: floor`);
    await redis.flushall();
    const f = child<FloorResult>('floor', { volume, redisUrl: redisServer.url, prefix: 'floor' }, BIG_HEAP);
    const floor = await f.next();
    await f.stop();
    await redis.flushall();
    const syncRate = rate(sync.pulled, sync.ms);
    const applyRate = rate(floor.dossiers, floor.applyMs);
    results.push({
      volume,
      generateMs: ready.generateMs,
      sync: { ...sync, rate: syncRate },
      redisBytesPerDossier: bytes,
      floor: { ...floor, parseRate: rate(floor.dossiers, floor.parseMs), normaliseRate: rate(floor.dossiers, floor.normaliseMs), applyRate },
      ofFloor: syncRate / applyRate,
    });
  }

  say(`… reconcile: ${RECONCILE.toLocaleString('en')} dossiers, ${MISSING.toLocaleString('en')} missing nationally at one agency`);
  const rec = await syncVolume(RECONCILE, MISSING);
  const r = child<ReconcileResult>('reconcile', {
    redisUrl: redisServer.url,
    prefix: 'bench',
    nationalUrl: rec.ready.nationalUrl,
    drill: { agency: rec.ready.drill!.agency, metric: 'received' },
  });
  const reconcile = await r.next();
  await r.stop();
  await rec.sim.stop();
  return { results, rec, reconcile };
}

let measured;
try {
  measured = await measure();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  await cleanup();
  process.exit(1);
}
const { results, rec, reconcile } = measured;
const redisVersion = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?';
await cleanup();
clearTimeout(deadline);
const totalS = (performance.now() - started) / 1000;

// ---------------------------------------------------------------- report
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()} ${arch()}`,
  node: process.version,
  redis: redisVersion,
};
const ok = (b: boolean) => (b ? 'met' : 'MISSED');
const rows: string[][] = [['volume', 'e2e dossiers/s', 'floor dossiers/s', 'e2e/floor', 'parse+validate+normalise /s', 'JSON.parse /s', 'Redis B/dossier', 'worker peak RSS MB']];
for (const v of results)
  rows.push([
    v.volume.toLocaleString('en'),
    v.sync.rate.toLocaleString('en'),
    v.floor.applyRate.toLocaleString('en'),
    `${Math.round(v.ofFloor * 100)}%`,
    v.floor.normaliseRate.toLocaleString('en'),
    v.floor.parseRate.toLocaleString('en'),
    v.redisBytesPerDossier.toFixed(1),
    v.sync.peakRssMB.toFixed(0),
  ]);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
say('');
say(`dossier-sync bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}`);
say('');
for (const [i, row] of rows.entries()) {
  say(row.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
  if (i === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
}
const recSync = rate(rec.sync.pulled, rec.sync.ms);
const countCompare = reconcile.countMs + reconcile.compareMs;
say('');
say(`reconcile, one month, ${reconcile.stored.toLocaleString('en')} dossiers stored (synced at ${recSync.toLocaleString('en')}/s):`);
say(`  count from the store ${secs(reconcile.countMs)} s + compare ${secs(reconcile.compareMs)} s = ${secs(countCompare)} s` +
  ` (national ThongKeHoSo from the simulator ${secs(reconcile.nationalMs)} s; ${reconcile.mismatches} mismatches)`);
if (reconcile.drill)
  say(`drill-down, ${rec.ready.drill!.missing.toLocaleString('en')} dossiers missing nationally at ${rec.ready.drill!.agency}: ` +
    `${secs(reconcile.drill.ms)} s, ${reconcile.drill.findings.toLocaleString('en')} findings ${JSON.stringify(reconcile.drill.kinds)}`);
say(`reconcile process peak RSS ${reconcile.peakRssMB.toFixed(0)} MB; bench wall time ${totalS.toFixed(0)} s`);

const minRate = Math.min(...results.map((v) => v.sync.rate));
const minOfFloor = Math.min(...results.map((v) => v.ofFloor));
const maxBytes = Math.max(...results.map((v) => v.redisBytesPerDossier));
const rss = results.map((v) => v.sync.peakRssMB);
const maxRss = Math.max(...rss);
const rssGrowth = rss[rss.length - 1]! - rss[0]!;
// Flat: no growth with volume once warmed up, i.e. between the two largest volumes (4x apart
// by default) less than 10%; the growth from the smallest volume is printed beside it.
const rssLate = rss.length > 1 ? rss[rss.length - 1]! - rss[rss.length - 2]! : 0;
const rssFlat = rss.length < 2 || rssLate < 0.1 * rss[rss.length - 2]!;
const targets = {
  endToEndRate: { target: `>= ${TARGET.rate}/s`, worst: minRate, met: minRate >= TARGET.rate },
  ofFloor: { target: `>= ${TARGET.ofFloor * 100}%`, worst: minOfFloor, met: minOfFloor >= TARGET.ofFloor },
  reconcile1M: { target: `<= ${TARGET.reconcileMs} ms`, ms: countCompare, met: countCompare <= TARGET.reconcileMs },
  redisBytes: { target: `<= ${TARGET.bytes} B/dossier`, worst: maxBytes, met: maxBytes <= TARGET.bytes },
  workerRss: { target: `< ${TARGET.rssMB} MB, flat`, worst: maxRss, growthMB: rssGrowth, lateGrowthMB: rssLate, met: maxRss < TARGET.rssMB && rssFlat },
};
say('');
say('targets:');
say(`  end-to-end >= ${TARGET.rate.toLocaleString('en')}/s: ${ok(targets.endToEndRate.met)} (slowest ${minRate.toLocaleString('en')}/s)`);
say(`  end-to-end >= 50% of the floor: ${ok(targets.ofFloor.met)} (lowest ${Math.round(minOfFloor * 100)}%)`);
say(`  1M-dossier month reconciled <= 3 s: ${ok(targets.reconcile1M.met)} (${secs(countCompare)} s)`);
say(`  Redis <= ${TARGET.bytes} B/dossier: ${ok(targets.redisBytes.met)} (largest ${maxBytes.toFixed(1)})`);
const signed = (mb: number) => `${mb >= 0 ? '+' : ''}${mb.toFixed(0)} MB`;
say(
  `  worker RSS < ${TARGET.rssMB} MB and flat: ${ok(targets.workerRss.met)} (peak ${maxRss.toFixed(0)} MB; ` +
    `${signed(rssLate)} between the two largest volumes, ${signed(rssGrowth)} from the smallest to the largest)`,
);

const file = fileURLToPath(new URL('./results.json', import.meta.url));
await writeFile(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), machine, wallSeconds: totalS, volumes: results, reconcile: { ...reconcile, sync: { ...rec.sync, rate: recSync }, drillKey: rec.ready.drill }, targets }, null, 2)}\n`,
);
say(`\nwritten ${file}`);
process.exit(0);
