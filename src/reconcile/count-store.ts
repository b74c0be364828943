/**
 * A province's counts for a period from the store: per agency, and per agency and procedure.
 * `countPeriod` reads only the dossiers the store's layout says can count in the period
 * (`Store.visitOdd`, `Store.visitBuckets` of `Store.periodBuckets`: the codes of another
 * shape, the open buckets, the closed twins that can still count in it and the buckets of the
 * months the period overlaps), optionally half
 * of the buckets in the store thread
 * (src/reconcile/store-thread.ts); `countStore` (src/reconcile/compare.ts) reads every stored
 * dossier and stays as the reference. Both group through `GroupTally`.
 */
import type { Store } from '../store/store.js';
import type { Counted } from '../store/pack.js';
import type { StoreThread } from './store-thread.js';
import { METRICS } from '../../schemas/metrics.js';
import { hasMetric, metricsOf, type Countable, type CountingRules } from './counting.js';
import { zeroCounts, type Figures } from '../domain/figures.js';
import type { Period } from '../domain/period.js';

/**
 * Counts grouped by agency and by agency and procedure, fed one dossier at a time. Each
 * (agency, procedure) keeps how many of its dossiers count in each combination of metrics and
 * status (a few dozen combinations occur), turned into counts at the end, and the agency's row
 * is the sum of its procedures'. Rows come in the order their first dossier came, the agency's
 * first. Two tallies of the same period and rules add up (`dump`, `merge`): the store
 * thread's part of a count joins the rest this way.
 */
export class GroupTally {
  private readonly agencies = new Map<string, Map<string, Map<number, number>>>();
  private readonly order: [string, string | null][] = [];

  constructor(
    private readonly period: Period,
    private readonly rules: CountingRules,
  ) {}

  /** Adds a dossier; returns the metrics it counts in (`metricsOf`), 0 when none. */
  add(d: Countable & { agency: string; procedure: string }): number {
    const bits = metricsOf(d, this.period, this.rules);
    if (bits === 0) return 0;
    const combos = this.combos(d.agency, d.procedure);
    const key = bits * STATUSES + d.status;
    combos.set(key, (combos.get(key) ?? 0) + 1);
    return bits;
  }

  private combos(agency: string, procedure: string): Map<number, number> {
    let procedures = this.agencies.get(agency);
    if (!procedures) {
      this.agencies.set(agency, (procedures = new Map()));
      this.order.push([agency, null]);
    }
    let combos = procedures.get(procedure);
    if (!combos) {
      procedures.set(procedure, (combos = new Map()));
      this.order.push([agency, procedure]);
    }
    return combos;
  }

  figures(): Figures[] {
    return this.order.map(([agency, procedure]) => {
      const procedures = this.agencies.get(agency)!;
      const counts = zeroCounts();
      for (const combos of procedure === null ? procedures.values() : [procedures.get(procedure)!])
        for (const [key, n] of combos) {
          const bits = Math.floor(key / STATUSES);
          for (const m of METRICS) if (hasMetric(bits, m)) counts[m] += n;
        }
      return { agency, procedure, counts };
    });
  }

  /** How many counted dossiers `which` picks, by the metrics they count in and their status. */
  dossiers(which: (bits: number, status: number) => boolean): number {
    let n = 0;
    for (const procedures of this.agencies.values())
      for (const combos of procedures.values())
        for (const [key, count] of combos) if (which(Math.floor(key / STATUSES), key % STATUSES)) n += count;
    return n;
  }

  /** The tally as plain data (for another thread): per (agency, procedure), its combinations and their counts. */
  dump(): TallyDump {
    const out: TallyDump = [];
    for (const [agency, procedures] of this.agencies)
      for (const [procedure, combos] of procedures)
        out.push([agency, procedure, [...combos.keys()], [...combos.values()]]);
    return out;
  }

  /** Adds a dump of a tally of the same period and rules. */
  merge(dump: TallyDump): void {
    for (const [agency, procedure, keys, counts] of dump) {
      const combos = this.combos(agency, procedure);
      for (let i = 0; i < keys.length; i++) combos.set(keys[i]!, (combos.get(keys[i]!) ?? 0) + counts[i]!);
    }
  }
}

/** `GroupTally.dump`: [agency, procedure, combination keys, counts]. */
export type TallyDump = [string, string, number[], number[]][];

/** Statuses fit below this (1..10): a combination's key is metrics × STATUSES + status. */
const STATUSES = 16;

/** From this many buckets in a period (about 100 dossiers each), `countPeriod` counts half of them in a thread. */
export const THREAD_BUCKETS = 2_000;

/**
 * A province's counts for a period (`GroupTally`: its `figures()`, and `dossiers` for a count
 * by status). With `thread` (the process's `StoreThread`, started when first asked for) and at
 * least `minBuckets` buckets to read, the second half of each list of buckets is counted there,
 * beside this thread's half: the same tally, in about half the time on two cores. A thread
 * that fails costs time, not the count: its half is then read here.
 */
export async function countPeriod(
  store: Store,
  province: string,
  period: Period,
  rules: CountingRules,
  thread?: () => StoreThread,
  minBuckets = THREAD_BUCKETS,
): Promise<GroupTally> {
  const tally = new GroupTally(period, rules);
  const add = (d: Counted) => tally.add(d);
  const lists = await store.periodBuckets(province, period);
  const split = thread !== undefined && lists.reduce((n, [, b]) => n + b.length, 0) >= minBuckets;
  const half = (b: string[]) => (split ? b.length >> 1 : b.length);
  const theirs = lists.map(([kind, b]): [string, string[]] => [kind, b.slice(half(b))]);
  const there = split
    ? thread()
        .count(store.keys.prefix, province, period, rules, theirs)
        .catch(() => undefined)
    : undefined;
  await store.visitOdd(province, add);
  for (const [kind, b] of lists) await store.visitBuckets(kind, b.slice(0, half(b)), add);
  const dump = await there;
  if (dump) tally.merge(dump);
  else if (split) for (const [kind, b] of theirs) await store.visitBuckets(kind, b, add);
  return tally;
}
