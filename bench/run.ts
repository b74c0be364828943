/**
 * `npm run bench`: how close the worker runs to this machine's limit. On a private Redis,
 * with the simulator in its own process. Scenarios (`BENCH_ONLY=sync,reconcile,history,bignight,country`
 * picks some; each runs alone in a few minutes on an idle machine):
 *   sync: end-to-end sync (HTTP simulator → validate → normalise → idempotent apply) per
 *     volume; the floor (the same pages from memory: parse + validate + normalise + apply, and
 *     JSON.parse alone) and the ratio end-to-end / floor; Redis bytes per stored dossier (INFO
 *     memory before/after) and the worker's peak RSS;
 *   reconcile: counting one month of a province with 1M dossiers (countPeriod) and the
 *     comparison; the drill-down of a key with 100k differing dossiers;
 *   history: counting the last month of a province holding a year of history (generated and
 *     applied from memory): what the count reads against what counts in the month, with the
 *     store as it is and as the version before the closed twins kept it (bench/history.ts);
 *   bignight: one province with 1M dossiers and 2,000 differing dossiers of the seven kinds over
 *     10 agencies: counts + the explanation pass, national records fetched, findings
 *     against the ground truth (bench/bignight.ts);
 *   country: 34 provinces, 1M dossiers, 30,000 updated since the night before, 2 worker
 *     processes: the whole night (bench/country.ts).
 * Prints the figures with each target met or missed and writes bench/results.json. Bounded:
 * gives up after BENCH_DEADLINE_S (default 1800) seconds.
 *
 * Environment: BENCH_VOLUMES=100000,500000,2000000  BENCH_RECONCILE=1000000
 * BENCH_MISSING=100000  BENCH_HISTORY_MONTHS=12  BENCH_HISTORY_PER_MONTH=100000
 * BENCH_BIGNIGHT=1000000  BENCH_COUNTRY=1000000 BENCH_COUNTRY_UPDATES=30000
 * BENCH_PROF=sync,floor,reconcile,history,bignight,country (--cpu-prof into bench/profiles/)
 * BENCH_SYNC_NODE_ARGS='--max-semi-space-size=4' (flags for the worker process) BENCH_VERBOSE=1 (children's own output)
 * BENCH_NO_THREAD=1 (the big night's store side read in its main thread, not the store thread).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, totalmem, release, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/util/redis-server.js';
import { startChild, type Child } from './common.js';
import type { FloorResult } from './floor.js';
import type { ReconcileResult } from './reconcile.js';
import type { HistoryArgs, HistoryResult } from './history.js';
import type { SimReady } from './sim.js';
import type { SyncResult } from './sync.js';
import type { BigNightArgs, BigNightResult } from './bignight.js';
import type { CountryArgs, CountryResult } from './country.js';
import type { SimArgs } from './sim.js';
import type { WorldOptions } from '../src/sim/world.js';
import { COUNTRY_PROVINCES } from './common.js';

const TARGET = {
  rate: 50_000,
  ofFloor: 0.5,
  countMs: 1_500,
  reconcileMs: 3_000,
  bytes: 150,
  rssMB: 300,
  bigNightMs: 10_000,
  countryMs: 60_000,
  recordsRatio: 1.5,
  historyRead: 1.5,
};
const numbers = (v: string | undefined, d: number[]) => (v ? v.split(',').map((s) => Number(s.trim())) : d);
const VOLUMES = numbers(process.env.BENCH_VOLUMES, [100_000, 500_000, 2_000_000]);
const RECONCILE = numbers(process.env.BENCH_RECONCILE, [1_000_000])[0]!;
const MISSING = numbers(process.env.BENCH_MISSING, [100_000])[0]!;
/**
 * Which scenarios run (each can run alone, in a few minutes): sync (end-to-end, floor, bytes,
 * RSS per volume), reconcile (counting the 1M month, a drill-down), bignight, country.
 */
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'sync,reconcile,history,bignight,country').split(',').map((s) => s.trim()),
);
const HISTORY_MONTHS = numbers(process.env.BENCH_HISTORY_MONTHS, [12])[0]!;
const HISTORY_PER_MONTH = numbers(process.env.BENCH_HISTORY_PER_MONTH, [100_000])[0]!;
const BIG_NIGHT = numbers(process.env.BENCH_BIGNIGHT, [1_000_000])[0]!;
/** 2,000 differing dossiers of the seven finding kinds over 10 agencies (each on its own agency and procedure). */
const BIG_NIGHT_WORLD: Partial<WorldOptions> = {
  agenciesPerProvince: 10,
  procedures: 600,
  inject: {
    notSynced: 400,
    statusLag: 350,
    dateShift: 300,
    missingLocal: 250,
    replacedCode: 200,
    unmappedProcedure: 0,
    definitionDrift: 250,
    duplicateNational: 250,
  },
};
const COUNTRY = numbers(process.env.BENCH_COUNTRY, [1_000_000])[0]!;
const COUNTRY_UPDATES = numbers(process.env.BENCH_COUNTRY_UPDATES, [30_000])[0]!;
const DEADLINE_S = Number(process.env.BENCH_DEADLINE_S ?? 1800);
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
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => void cleanup().finally(() => process.exit(130)));

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
async function syncVolume(
  volume: number,
  extra: Omit<SimArgs, 'volume'> = {},
): Promise<{ ready: SimReady; sim: Child<SimReady>; sync: SyncResult; bytes: number }> {
  await redis.flushall();
  const before = await usedMemory();
  const sim = child<SimReady>('sim', { volume, ...extra } satisfies SimArgs, BIG_HEAP);
  const ready = await sim.next();
  const s = child<SyncResult>(
    'sync',
    {
      redisUrl: redisServer.url,
      prefix: 'bench',
      sourceUrl: ready.sourceUrl,
      nationalUrl: ready.nationalUrl,
      now: ready.now,
    },
    SYNC_NODE_ARGS,
  );
  const sync = await s.next();
  await s.stop();
  const after = await usedMemory();
  return { ready, sim, sync, bytes: (after - before) / sync.applied };
}

async function measure() {
  const results: VolumeResult[] = [];
  for (const volume of ONLY.has('sync') ? VOLUMES : []) {
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
      floor: {
        ...floor,
        parseRate: rate(floor.dossiers, floor.parseMs),
        normaliseRate: rate(floor.dossiers, floor.normaliseMs),
        applyRate,
      },
      ofFloor: syncRate / applyRate,
    });
  }

  let rec: Awaited<ReturnType<typeof syncVolume>> | undefined;
  let reconcile: ReconcileResult | undefined;
  if (ONLY.has('reconcile')) {
    say(
      `… reconcile: ${RECONCILE.toLocaleString('en')} dossiers, ${MISSING.toLocaleString('en')} missing nationally at one agency`,
    );
    rec = await syncVolume(RECONCILE, { missing: MISSING });
    const r = child<ReconcileResult>('reconcile', {
      redisUrl: redisServer.url,
      prefix: 'bench',
      nationalUrl: rec.ready.nationalUrl,
      drill: { agency: rec.ready.drill!.agency, metric: 'received' },
    });
    reconcile = await r.next();
    await r.stop();
    await rec.sim.stop();
  }

  let history: HistoryResult | undefined;
  if (ONLY.has('history')) {
    say(
      `… history: ${HISTORY_MONTHS} months of ${HISTORY_PER_MONTH.toLocaleString('en')} dossiers, the last month counted`,
    );
    const h = child<HistoryResult>(
      'history',
      {
        redisUrl: redisServer.url,
        prefix: 'bench',
        months: HISTORY_MONTHS,
        perMonth: HISTORY_PER_MONTH,
      } satisfies HistoryArgs,
      BIG_HEAP,
    );
    history = await h.next();
    await h.stop();
    await redis.flushall();
  }

  let bigNight: (BigNightResult & { syncRate: number; bytes: number }) | undefined;
  if (ONLY.has('bignight')) {
    say(
      `… big province night: ${BIG_NIGHT.toLocaleString('en')} dossiers, 2,000 differing dossiers of seven kinds over 10 agencies`,
    );
    const big = await syncVolume(BIG_NIGHT, { world: BIG_NIGHT_WORLD, truth: true });
    const b = child<BigNightResult>('bignight', {
      redisUrl: redisServer.url,
      prefix: 'bench',
      nationalUrl: big.ready.nationalUrl,
      truth: big.ready.truth!,
      nationalByAgency: big.ready.nationalByAgency!,
    } satisfies BigNightArgs);
    bigNight = { ...(await b.next()), syncRate: rate(big.sync.pulled, big.sync.ms), bytes: big.bytes };
    await b.stop();
    await big.sim.stop();
  }

  let country: CountryResult | undefined;
  if (ONLY.has('country')) {
    say(
      `… country night: ${COUNTRY_PROVINCES.length} provinces, ${COUNTRY.toLocaleString('en')} dossiers, ${COUNTRY_UPDATES.toLocaleString('en')} updated since the last night, 2 workers`,
    );
    await redis.flushall();
    const perProvince = Math.ceil(COUNTRY / COUNTRY_PROVINCES.length);
    const sim = child<SimReady>(
      'sim',
      {
        volume: perProvince,
        world: { provinces: COUNTRY_PROVINCES },
        updatesSince: COUNTRY_UPDATES,
        truth: true,
      } satisfies SimArgs,
      BIG_HEAP,
    );
    const ready = await sim.next();
    const c = child<CountryResult>('country', {
      redisUrl: redisServer.url,
      prefix: 'bench',
      ready,
      workers: 2,
    } satisfies CountryArgs);
    country = await c.next();
    await c.stop();
    await sim.stop();
  }
  return { results, rec, reconcile, history, bigNight, country };
}

let measured;
try {
  measured = await measure();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  await cleanup();
  process.exit(1);
}
const { results, rec, reconcile, history, bigNight, country } = measured;
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
say('');
say(
  `dossier-sync bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}`,
);
const targets: Record<string, { target: string; met: boolean; [k: string]: unknown }> = {};
const targetLines: string[] = [];
function target(name: string, text: string, met: boolean, detail: string, figures: Record<string, unknown>): void {
  targets[name] = { target: text, met, ...figures };
  targetLines.push(`  ${text}: ${ok(met)} (${detail})`);
}

if (results.length) {
  const rows: string[][] = [
    [
      'volume',
      'e2e dossiers/s',
      'floor dossiers/s',
      'e2e/floor',
      'parse+validate+normalise /s',
      'JSON.parse /s',
      'Redis B/dossier',
      'worker peak RSS MB',
    ],
  ];
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
  for (const [i, row] of rows.entries()) {
    say(row.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) say(widths.map((w) => '-'.repeat(w)).join('  '));
  }
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
  const signed = (mb: number) => `${mb >= 0 ? '+' : ''}${mb.toFixed(0)} MB`;
  target(
    'endToEndRate',
    `end-to-end >= ${TARGET.rate.toLocaleString('en')}/s`,
    minRate >= TARGET.rate,
    `slowest ${minRate.toLocaleString('en')}/s`,
    { worst: minRate },
  );
  target(
    'ofFloor',
    `end-to-end >= ${TARGET.ofFloor * 100}% of the floor at every volume`,
    minOfFloor >= TARGET.ofFloor,
    `lowest ${Math.round(minOfFloor * 100)}%`,
    { worst: minOfFloor },
  );
  target(
    'redisBytes',
    `Redis <= ${TARGET.bytes} B/dossier, layout included`,
    maxBytes <= TARGET.bytes,
    `largest ${maxBytes.toFixed(1)}`,
    { worst: maxBytes },
  );
  target(
    'workerRss',
    `worker RSS < ${TARGET.rssMB} MB and flat`,
    maxRss < TARGET.rssMB && rssFlat,
    `peak ${maxRss.toFixed(0)} MB; ${signed(rssLate)} between the two largest volumes, ${signed(rssGrowth)} from the smallest to the largest`,
    { worst: maxRss, growthMB: rssGrowth, lateGrowthMB: rssLate },
  );
}

if (rec && reconcile) {
  const recSync = rate(rec.sync.pulled, rec.sync.ms);
  const countCompare = reconcile.countMs + reconcile.compareMs;
  say('');
  say(
    `reconcile, one month, ${reconcile.stored.toLocaleString('en')} dossiers stored (synced at ${recSync.toLocaleString('en')}/s, ${rec.bytes.toFixed(1)} B/dossier in Redis):`,
  );
  say(
    `  count from the store ${secs(reconcile.countMs)} s + compare ${secs(reconcile.compareMs)} s = ${secs(countCompare)} s` +
      ` (national ThongKeHoSo from the simulator ${secs(reconcile.nationalMs)} s; ${reconcile.mismatches} mismatches)`,
  );
  if (reconcile.drill)
    say(
      `explanation, ${rec.ready.drill!.missing.toLocaleString('en')} dossiers missing nationally at ${rec.ready.drill!.agency}: ` +
        `${secs(reconcile.drill.ms)} s, ${reconcile.drill.findings.toLocaleString('en')} findings ${JSON.stringify(reconcile.drill.kinds)}`,
    );
  say(`reconcile process peak RSS ${reconcile.peakRssMB.toFixed(0)} MB`);
  target(
    'count1M',
    `counting a 1M-dossier month <= ${secs(TARGET.countMs)} s`,
    reconcile.countMs <= TARGET.countMs,
    `${secs(reconcile.countMs)} s`,
    { ms: reconcile.countMs },
  );
  target(
    'reconcile1M',
    `1M-dossier month reconciled (counts + comparison) <= ${secs(TARGET.reconcileMs)} s`,
    countCompare <= TARGET.reconcileMs,
    `${secs(countCompare)} s`,
    { ms: countCompare },
  );
}

if (history) {
  const h = history;
  const of = (n: number) => `${n.toLocaleString('en')} (${(n / Math.max(1, h.counting)).toFixed(2)} x)`;
  say('');
  say(
    `history, ${h.months} months, ${h.stored.toLocaleString('en')} dossiers stored (filled from memory at ${rate(h.stored, h.fillMs).toLocaleString('en')}/s); ${h.counting.toLocaleString('en')} count in the last month:`,
  );
  say(`  counting it read ${of(h.now.read)} dossiers in ${secs(h.now.ms)} s`);
  say(
    `  the store as the version before the closed twins kept it: ${of(h.before.read)} dossiers in ${secs(h.before.ms)} s; moved once in ${secs(h.split.ms)} s; the same figures: ${h.same}`,
  );
  const ratio = h.now.read / Math.max(1, h.counting);
  target(
    'historyRead',
    `counting a month after a year of history reads <= ${TARGET.historyRead} x the dossiers that count in it`,
    ratio <= TARGET.historyRead && h.same,
    `${ratio.toFixed(2)} x${h.same ? '' : '; the figures differ from the layout before'}`,
    { ratio, read: h.now.read, counting: h.counting, beforeRatio: h.before.read / Math.max(1, h.counting) },
  );
}

if (bigNight) {
  const b = bigNight;
  say('');
  say(
    `big province night, ${b.stored.toLocaleString('en')} dossiers stored (synced at ${b.syncRate.toLocaleString('en')}/s, ${b.bytes.toFixed(1)} B/dossier):`,
  );
  say(
    `  counts ${secs(b.countMs)} s, national figures ${secs(b.nationalStatsMs)} s (asked for while counting); ${b.mismatches} mismatches, ${b.keys} keys to explain over ${b.agencies} agencies`,
  );
  say(`  explanation (one pass) ${secs(b.explainMs)} s; total ${secs(b.totalMs)} s`);
  say(
    `  national: ${b.nationalRequests.toLocaleString('en')} requests, ${b.nationalRecords.toLocaleString('en')} records for ${b.examinedNationalDossiers.toLocaleString('en')} national dossiers of the examined agencies`,
  );
  say(
    `  findings ${b.findings} against ${b.truth} injected: ${b.missed} missed, ${b.extra} extra; ${b.unexplained} keys unexplained`,
  );
  if (b.missed + b.extra > 0) say(`  missed ${JSON.stringify(b.missedSome)}, extra ${JSON.stringify(b.extraSome)}`);
  const ratio = b.nationalRecords / Math.max(1, b.examinedNationalDossiers);
  target(
    'bigNightTime',
    `big province night: counts + explanation of every key <= ${TARGET.bigNightMs / 1000} s`,
    b.totalMs <= TARGET.bigNightMs,
    `${secs(b.totalMs)} s`,
    { ms: b.totalMs, keys: b.keys },
  );
  target(
    'bigNightRecords',
    `big province night: national records <= ${TARGET.recordsRatio} x the examined agencies' national dossiers`,
    ratio <= TARGET.recordsRatio,
    `${ratio.toFixed(2)} x`,
    { ratio, records: b.nationalRecords, examined: b.examinedNationalDossiers },
  );
  target(
    'bigNightFindings',
    'big province night: findings == ground truth',
    b.missed === 0 && b.extra === 0,
    `${b.missed} missed, ${b.extra} extra`,
    { missed: b.missed, extra: b.extra },
  );
}

if (country) {
  const c = country;
  say('');
  say(
    `country night, ${c.provinces} provinces, ${c.stored.toLocaleString('en')} dossiers stored, ${c.pulled.toLocaleString('en')} pulled, ${c.workers} worker processes:`,
  );
  say(
    `  whole night ${secs(c.ms)} s (${c.status}); ${c.mismatches} mismatches; the night before (the initial load) ${secs(c.firstNightMs)} s`,
  );
  say(
    `  national: ${c.nationalRequests.toLocaleString('en')} requests, ${c.nationalRecords.toLocaleString('en')} records for ${c.examinedNationalDossiers.toLocaleString('en')} national dossiers of the examined agencies`,
  );
  say(
    `  findings ${c.findings} against ${c.truth} injected: ${c.missed} missed ${JSON.stringify(c.missedKinds)}, ${c.extra} extra ${JSON.stringify(c.extraKinds)}; ${c.unexplained} keys unexplained`,
  );
  const ratio = c.nationalRecords / Math.max(1, c.examinedNationalDossiers);
  target(
    'countryNight',
    `country night (sync of the updates, counts, explanation, finish) <= ${TARGET.countryMs / 1000} s`,
    c.ms <= TARGET.countryMs,
    `${secs(c.ms)} s`,
    { ms: c.ms },
  );
  target(
    'countryRecords',
    `country night: national records <= ${TARGET.recordsRatio} x the examined agencies' national dossiers`,
    ratio <= TARGET.recordsRatio,
    `${ratio.toFixed(2)} x`,
    { ratio, records: c.nationalRecords, examined: c.examinedNationalDossiers },
  );
  target(
    'countryFindings',
    'country night: findings == ground truth',
    c.missed === 0 && c.extra === 0,
    `${c.missed} missed, ${c.extra} extra`,
    { missed: c.missed, extra: c.extra },
  );
}

say('');
say('targets:');
for (const line of targetLines) say(line);
say(`bench wall time ${totalS.toFixed(0)} s`);

const file = fileURLToPath(new URL('./results.json', import.meta.url));
// Scenarios run alone update their own part of the file and leave the others' figures as they were.
const previous = (await readFile(file, 'utf8')
  .then((t) => JSON.parse(t) as Record<string, unknown>)
  .catch(() => ({}))) as Record<string, unknown>;
const scenarioKey = {
  sync: 'volumes',
  reconcile: 'reconcile',
  history: 'history',
  bignight: 'bigNight',
  country: 'country',
} as const;
await writeFile(
  file,
  `${JSON.stringify(
    {
      ...previous,
      machine,
      ...Object.fromEntries(
        [...ONLY]
          .filter((n) => n in scenarioKey)
          .map((n) => [`${scenarioKey[n as keyof typeof scenarioKey]}At`, new Date().toISOString()]),
      ),
      ...(ONLY.has('sync') ? { volumes: results } : {}),
      ...(ONLY.has('reconcile') && reconcile && rec
        ? {
            reconcile: {
              ...reconcile,
              sync: { ...rec.sync, rate: rate(rec.sync.pulled, rec.sync.ms) },
              redisBytesPerDossier: rec.bytes,
              drillKey: rec.ready.drill,
            },
          }
        : {}),
      ...(ONLY.has('history') ? { history } : {}),
      ...(ONLY.has('bignight') ? { bigNight } : {}),
      ...(ONLY.has('country') ? { country } : {}),
      targets: { ...(previous.targets as object | undefined), ...targets },
    },
    null,
    2,
  )}\n`,
);
say(`\nwritten ${file}`);
process.exit(0);
