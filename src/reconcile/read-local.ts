/**
 * The explanation's store side (src/reconcile/gather.ts): the stored dossiers the pass
 * compares, read once, in the process's store thread for a large province.
 */
import type { Period } from '../domain/period.js';
import { THREAD_BUCKETS } from './count-store.js';
import { metricsOf, type CountingRules } from './counting.js';
import { LocalSide } from './local-side.js';
import type { GatherDeps } from './gather.js';
import { ColumnWriter, type DossierColumns } from '../store/columns.js';
import type { Store } from '../store/store.js';
import type { StoreThread } from './store-thread.js';

/** A span of instants, [start, end). */
export interface Days {
  start: number;
  end: number;
}

/** Whether a dossier was received within the days. */
export function receivedIn(d: { receivedAt: number | null }, days: Days): boolean {
  return d.receivedAt !== null && d.receivedAt >= days.start && d.receivedAt < days.end;
}

/** What the explanation reads: the dossiers of `Store.visitNear` that count in `period` or were received in `near`. */
export interface ReadNear {
  period: Period;
  rules: CountingRules;
  near: Days;
}

/** Those dossiers as columns, with each one's metrics in the period. */
export interface ReadColumns {
  columns: DossierColumns;
  bits: Uint16Array;
}

/**
 * The process's store thread, if the pass should use it for this province: a province whose
 * store side spans at least `threadFrom` buckets (default THREAD_BUCKETS).
 */
export async function threadFor(deps: GatherDeps, province: string, period: Period): Promise<StoreThread | undefined> {
  const { store, thread } = deps;
  if (!thread) return undefined;
  const buckets = (await store.nearBuckets(province, period)).lists.reduce((n, [, b]) => n + b.length, 0);
  return buckets >= (deps.threadFrom ?? THREAD_BUCKETS) ? thread() : undefined;
}

/**
 * The stored dossiers that count in the period or were received near it (a day either side),
 * with their metrics in the period, as the pass holds them (src/reconcile/local-side.ts): read
 * in the store thread when given (handed over as columns), or here.
 */
export async function readLocal(
  deps: GatherDeps,
  province: string,
  period: Period,
  near: Days,
  thread?: StoreThread,
): Promise<LocalSide> {
  const { store, rules } = deps;
  const what = { period, rules, near };
  if (thread) {
    const read = await thread.read(store.keys.prefix, province, what).catch(() => undefined); // a thread that fails costs time: the store is read here
    if (read) return new LocalSide(read.columns, read.bits);
  }
  const read = await readColumns(store, province, what);
  return new LocalSide(read.columns, read.bits);
}

/** What `readLocal` reads, read from `store` as columns: in the store thread, or here. */
export async function readColumns(store: Store, province: string, what: ReadNear): Promise<ReadColumns> {
  const { period, rules, near } = what;
  const out = new ColumnWriter();
  const bits: number[] = [];
  await store.visitNear(province, period, (code, d) => {
    const b = metricsOf(d, period, rules);
    if (b !== 0 || receivedIn(d, near)) {
      out.push(code, d);
      bits.push(b);
    }
  });
  return { columns: out.columns(), bits: Uint16Array.from(bits) };
}
