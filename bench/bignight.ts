/**
 * The big province night, in the worker's shoes, over a store already synced from the
 * simulator: the month's counts (countPeriod), the national figures, the comparison, then the
 * explanation of every examinable key in one pass (`explainProvince`, as the explain-province
 * job runs it). Measures the time of counts + explanation, the national requests and records
 * fetched (the metered client's load), and the findings against the world's ground truth.
 */
import { rootAgency } from '../src/domain/codes.js';
import { compareCounts } from '../src/reconcile/compare.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { StoreThread } from '../src/reconcile/store-thread.js';
import { monthPeriod } from '../src/domain/period.js';
import { DAY_MS } from '../src/domain/time.js';
import { withAgencyTotals } from '../src/domain/figures.js';
import { examinable } from '../src/reconcile/explain.js';
import { explainProvince } from '../src/reconcile/gather.js';
import type { TruthEntry } from '../src/sim/world.js';
import { MONTH, PROVINCE, argsOf, peakRssMB, report } from './common.js';
import { reconcileSide } from './reconcile-side.js';

export interface BigNightArgs {
  redisUrl: string;
  prefix: string;
  nationalUrl: string;
  truth: TruthEntry[];
  /** National dossiers per agency in the world. */
  nationalByAgency: Record<string, number>;
}
export interface BigNightResult {
  stored: number;
  countMs: number;
  nationalStatsMs: number;
  mismatches: number;
  keys: number;
  agencies: number;
  explainMs: number;
  totalMs: number;
  /** CPU time of this process (both its threads) over counts + explanation, ms: the work done, whatever else ran on the machine. */
  cpuMs: number;
  nationalRequests: number;
  nationalRecords: number;
  examinedNationalDossiers: number;
  findings: number;
  /** Keys the pass left unexplained (`unexplained` findings). */
  unexplained: number;
  truth: number;
  missed: number;
  extra: number;
  /** Up to 10 of the missed injections and of the findings no injection explains (`kind|code`). */
  missedSome: string[];
  extraSome: string[];
  peakRssMB: number;
}

const args = argsOf<BigNightArgs>();
const { config, redis, store, national } = reconcileSide(args.redisUrl, args.prefix, args.nationalUrl);
const period = monthPeriod(MONTH);
const root = rootAgency(PROVINCE);
// Warm the simulator's per-agency and by-code views (built on first use) so they are not timed as ours.
await national.lookup(root, [`${root}-000000-0000`]);
for await (const _ of national.list(root, { start: period.start, end: period.start + 1000 }, 'TiepNhan', 1)) break;
// ... and its rendering of the national list items, kept per dossier once rendered, and its list
// pages, kept once answered (SimulatorOptions.prerender: the portal serves them from its own
// storage): the root's list over the days the pass reads, unmetered.
const lookback = { start: period.start - (config.national.lookbackDays + 1) * DAY_MS, end: period.end + DAY_MS };
for await (const _ of national.list(root, lookback, 'TiepNhan')) continue;
// ... and its statistics of the month, kept once computed (SimulatorOptions.prerender), so that
// the portal's counting does not take this machine's second core from ours while we count
await national.stats(root, period, { agency: true, procedure: true });

// as in a worker that has counted a large province before: its store thread runs (src/reconcile/store-thread.ts)
const storeThread = StoreThread.start({ kind: 'single', url: args.redisUrl });
await storeThread.started();
const stored = await store.countDossiers(PROVINCE);
const meter = national.metered();
// as the reconcile-province job does: the national figures asked for first, the store counted meanwhile
let nationalStatsMs = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const figures = meter.stats(root, period, { agency: true, procedure: true }).then((rows) => {
  nationalStatsMs = performance.now() - t0;
  return withAgencyTotals(rows);
});
const local = (await countPeriod(store, PROVINCE, period, config.counting, () => storeThread)).figures();
const countMs = performance.now() - t0;
const nat = await figures;
const mismatches = compareCounts(local, nat, config.tolerances);
const keys = mismatches.filter(examinable);

const t = performance.now();
const out = await explainProvince(
  {
    store,
    national: meter,
    rules: config.counting,
    lookbackDays: config.national.lookbackDays,
    recordBudget: Infinity,
    thread: process.env.BENCH_NO_THREAD ? undefined : () => storeThread, // BENCH_NO_THREAD=1: the store side read here
  },
  PROVINCE,
  period,
  mismatches,
);
const explainMs = performance.now() - t;
const totalMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const found = new Set(out.findings.filter((f) => f.kind !== 'unexplained').map((f) => `${f.kind}|${f.dossierCode}`));

const truth = new Set(args.truth.map((e) => `${e.kind}|${e.dossierCode}`));
const agencies = new Set(keys.map((m) => m.agency));
report({
  stored,
  countMs,
  nationalStatsMs,
  mismatches: mismatches.length,
  keys: keys.length,
  agencies: agencies.size,
  explainMs,
  totalMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  nationalRequests: meter.load.requests,
  nationalRecords: meter.load.records,
  examinedNationalDossiers: [...agencies].reduce((n, a) => n + (args.nationalByAgency[a] ?? 0), 0),
  findings: found.size,
  unexplained: out.findings.length - [...out.findings].filter((f) => f.kind !== 'unexplained').length,
  truth: truth.size,
  missed: [...truth].filter((k) => !found.has(k)).length,
  extra: [...found].filter((k) => !truth.has(k)).length,
  missedSome: [...truth].filter((k) => !found.has(k)).slice(0, 10),
  extraSome: [...found].filter((k) => !truth.has(k)).slice(0, 10),
  peakRssMB: peakRssMB(),
} satisfies BigNightResult);
await redis.quit();
process.exit(0);
