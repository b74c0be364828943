/**
 * Reconcile and explain, in the worker's shoes, over a store already synced: the counts of
 * the month from the store (countPeriod), the national figures (ThongKeHoSo from the
 * simulator), the comparison; then the explanation pass over one (agency, metric) key.
 */
import { rootAgency } from '../src/domain/codes.js';
import { compareCounts } from '../src/reconcile/compare.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { StoreThread } from '../src/reconcile/store-thread.js';
import { monthPeriod } from '../src/domain/period.js';
import { withAgencyTotals, type Metric } from '../src/domain/figures.js';
import { explainProvince } from '../src/reconcile/gather.js';
import { MONTH, PROVINCE, argsOf, peakRssMB, report } from './common.js';
import { reconcileSide } from './reconcile-side.js';

export interface ReconcileArgs {
  redisUrl: string;
  prefix: string;
  nationalUrl: string;
  drill?: { agency: string; metric: Metric };
}
export interface ReconcileResult {
  stored: number;
  countMs: number;
  nationalMs: number;
  compareMs: number;
  mismatches: number;
  drill?: { ms: number; findings: number; kinds: Record<string, number>; unreadable: number };
  peakRssMB: number;
}

const args = argsOf<ReconcileArgs>();
const { config, redis, store, national } = reconcileSide(args.redisUrl, args.prefix, args.nationalUrl);
const period = monthPeriod(MONTH);
const root = rootAgency(PROVINCE);
// Warm the simulator's by-code index (built on first use) so it is not timed as ours.
await national.lookup(root, [`${root}-000000-0000`]);

// as in a worker that has counted a large province before: its store thread runs (src/reconcile/store-thread.ts)
const storeThread = StoreThread.start({ kind: 'single', url: args.redisUrl });
await storeThread.started();
const stored = await store.countDossiers(PROVINCE);
let t = performance.now();
const local = (await countPeriod(store, PROVINCE, period, config.counting, () => storeThread)).figures();
const countMs = performance.now() - t;
t = performance.now();
const nat = withAgencyTotals(await national.stats(root, period, { agency: true, procedure: true }));
const nationalMs = performance.now() - t;
t = performance.now();
const mismatches = compareCounts(local, nat, config.tolerances);
const compareMs = performance.now() - t;

let drill: ReconcileResult['drill'];
if (args.drill) {
  t = performance.now();
  const key = mismatches.find(
    (m) => m.agency === args.drill!.agency && m.procedure === null && m.metric === args.drill!.metric,
  );
  const out = await explainProvince(
    {
      store,
      national: national.metered(),
      rules: config.counting,
      lookbackDays: config.national.lookbackDays,
      recordBudget: Infinity,
    },
    PROVINCE,
    period,
    key ? [key] : [],
  );
  const kinds: Record<string, number> = {};
  for (const f of out.findings) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
  drill = { ms: performance.now() - t, findings: out.findings.length, kinds, unreadable: out.unreadable };
}
report({
  stored,
  countMs,
  nationalMs,
  compareMs,
  mismatches: mismatches.length,
  drill,
  peakRssMB: peakRssMB(),
} satisfies ReconcileResult);
await redis.quit();
process.exit(0);
