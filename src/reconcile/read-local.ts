/**
 * The explanation's store side (src/reconcile/gather.ts): the stored dossiers the pass
 * compares, read once, in the process's store thread for a large province.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { makePeriod, type Period } from '../domain/period.js';
import { DAY_MS, formatDay } from '../domain/time.js';
import { fromColumns } from '../store/columns.js';
import { THREAD_BUCKETS } from './count-store.js';
import { metricsOf, type CountingRules } from './counting.js';
import type { GatherDeps } from './gather.js';

/** A span of instants, [start, end). */
export interface Days {
  start: number;
  end: number;
}

/** Whether a dossier was received within the days. */
export function receivedIn(d: CanonicalDossier, days: Days): boolean {
  return d.receivedAt !== null && d.receivedAt >= days.start && d.receivedAt < days.end;
}

/** Whether the pass keeps a stored dossier: it counts in the period, or was received near it. */
export function kept(d: CanonicalDossier, period: Period, rules: CountingRules, near: Days): boolean {
  return metricsOf(d, period, rules) !== 0 || receivedIn(d, near);
}

/**
 * The stored dossiers that count in the period or were received near it (a day either side),
 * by code: in the store thread for a large province (the same dossiers, handed over as columns),
 * or here.
 */
export async function readLocal(
  deps: GatherDeps,
  province: string,
  period: Period,
  near: Days,
): Promise<Map<string, CanonicalDossier>> {
  // Read through the layout (src/store/layout.ts): the open buckets and the buckets of the months
  // a day either side of the period touches hold every dossier that counts in it or was received
  // near it; the rest of the history is not read.
  const local = new Map<string, CanonicalDossier>();
  const around = makePeriod(formatDay(period.start - DAY_MS), formatDay(period.end));
  const { store, rules, thread } = deps;
  const buckets = thread ? (await store.periodBuckets(province, around)).reduce((n, [, b]) => n + b.length, 0) : 0;
  if (thread && buckets >= (deps.threadFrom ?? THREAD_BUCKETS)) {
    const columns = await thread()
      .read(store.keys.prefix, province, { around, period, rules, near })
      .catch(() => undefined); // a thread that fails costs time: the store is read here
    if (columns) {
      fromColumns(columns, (d) => local.set(d.code, d));
      return local;
    }
  }
  for await (const batch of store.readPeriod(province, around))
    for (const d of batch) if (kept(d, period, rules, near)) local.set(d.code, d);
  return local;
}
