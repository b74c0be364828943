/**
 * The big province night, in the worker's shoes, over a store already synced from the
 * simulator: the month's counts (countPeriod), the national figures, the comparison, then the
 * explanation of every key the reconcile job would drill (`drillTargets`), one drill-down per
 * key as the drill-down job does. Measures the time of counts + explanation, the national
 * requests and records fetched, and the findings against the world's ground truth.
 *
 * Bounded: keys left when `maxSeconds` have passed are not explained; the result says how many
 * were, so that a slow path gives a figure in minutes rather than hours.
 */
import { drillTargets } from '../jobs/reconcile-province.js';
import type { Finding } from '../schemas/report.js';
import { rootAgency } from '../src/normalise/codes.js';
import { compareCounts } from '../src/reconcile/compare.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { monthPeriod, withAgencyTotals, type Metric } from '../src/reconcile/counting.js';
import { drillDown } from '../src/reconcile/drill-down.js';
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
  maxSeconds: number;
}
export interface BigNightResult {
  stored: number;
  countMs: number;
  nationalStatsMs: number;
  mismatches: number;
  keys: number;
  agencies: number;
  keysExplained: number;
  explainMs: number;
  totalMs: number;
  nationalRequests: number;
  nationalRecords: number;
  examinedNationalDossiers: number;
  findings: number;
  truth: number;
  missed: number;
  extra: number;
  peakRssMB: number;
}

const args = argsOf<BigNightArgs>();
const { config, redis, store, http, national } = reconcileSide(args.redisUrl, args.prefix, args.nationalUrl);
const period = monthPeriod(MONTH);
const root = rootAgency(PROVINCE);
// Warm the simulator's per-agency and by-code views (built on first use) so they are not timed as ours.
await national.lookup(root, [`${root}-000000-0000`]);
for await (const _ of national.list(root, { start: period.start, end: period.start + 1000 }, 'TiepNhan', 1)) break;
const warm = { requests: http.stats.requests, records: national.records };

const stored = await store.countDossiers(PROVINCE);
const t0 = performance.now();
const local = await countPeriod(store, PROVINCE, period, config.counting);
const countMs = performance.now() - t0;
let t = performance.now();
const nat = withAgencyTotals(await national.stats(root, period, { agency: true, procedure: true }));
const nationalStatsMs = performance.now() - t;
const mismatches = compareCounts(local, nat, config.tolerances);
const keys = drillTargets(mismatches);

t = performance.now();
const found = new Map<string, Finding>();
let keysExplained = 0;
for (const m of keys) {
  if (performance.now() - t > args.maxSeconds * 1000) break;
  const out = await drillDown(
    { store, national, rules: config.counting, lookbackDays: config.national.lookbackDays },
    { province: PROVINCE, agency: m.agency, procedure: m.procedure, metric: m.metric as Metric, period },
  );
  for (const f of out.findings) found.set(`${f.kind}|${f.dossierCode}`, f);
  keysExplained++;
}
const explainMs = performance.now() - t;
const totalMs = performance.now() - t0;

const truth = new Set(args.truth.map((e) => `${e.kind}|${e.dossierCode}`));
const agencies = new Set(keys.map((m) => m.agency));
report({
  stored,
  countMs,
  nationalStatsMs,
  mismatches: mismatches.length,
  keys: keys.length,
  agencies: agencies.size,
  keysExplained,
  explainMs,
  totalMs,
  nationalRequests: http.stats.requests - warm.requests,
  nationalRecords: national.records - warm.records,
  examinedNationalDossiers: [...agencies].reduce((n, a) => n + (args.nationalByAgency[a] ?? 0), 0),
  findings: found.size,
  truth: truth.size,
  missed: [...truth].filter((k) => !found.has(k)).length,
  extra: [...found.keys()].filter((k) => !truth.has(k)).length,
  peakRssMB: peakRssMB(),
} satisfies BigNightResult);
await redis.quit();
process.exit(0);
