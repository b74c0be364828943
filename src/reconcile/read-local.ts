/**
 * The explanation's store side (src/reconcile/gather.ts): the stored dossiers the pass
 * compares, read once, in the process's store thread for a large province.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { makePeriod, type Period } from '../domain/period.js';
import { DAY_MS, formatDay } from '../domain/time.js';
import { THREAD_BUCKETS } from './count-store.js';
import { metricsOf } from './counting.js';
import { LocalSide } from './local-side.js';
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

/**
 * The stored dossiers that count in the period or were received near it (a day either side),
 * with their metrics in the period, as the pass holds them (src/reconcile/local-side.ts): read
 * in the store thread for a large province (handed over as columns), or here.
 */
export async function readLocal(deps: GatherDeps, province: string, period: Period, near: Days): Promise<LocalSide> {
  // Read through the layout (src/store/layout.ts): the open buckets and the buckets of the months
  // a day either side of the period touches hold every dossier that counts in it or was received
  // near it; the rest of the history is not read.
  const around = makePeriod(formatDay(period.start - DAY_MS), formatDay(period.end));
  const { store, rules, thread } = deps;
  const buckets = thread ? (await store.periodBuckets(province, around)).reduce((n, [, b]) => n + b.length, 0) : 0;
  if (thread && buckets >= (deps.threadFrom ?? THREAD_BUCKETS)) {
    const read = await thread()
      .read(store.keys.prefix, province, { around, period, rules, near })
      .catch(() => undefined); // a thread that fails costs time: the store is read here
    if (read) return new LocalSide(read.columns, read.bits);
  }
  const bits = (d: CanonicalDossier) => metricsOf(d, period, rules);
  const kept: CanonicalDossier[] = [];
  for await (const batch of store.readPeriod(province, around))
    for (const d of batch) if (bits(d) !== 0 || receivedIn(d, near)) kept.push(d);
  return LocalSide.of(kept, bits);
}
