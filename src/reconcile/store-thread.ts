/**
 * A thread that reads the store beside the main one: reading a large province's dossiers is
 * JavaScript work on one core (decoding the packed values), which a second core can do while
 * the main thread does the rest.
 * - Counting (`countPeriod` with a thread, src/reconcile/count-store.ts): the thread tallies
 *   half of the period's buckets while the main thread tallies the other half; the tallies add
 *   up (`GroupTally.merge`).
 * - The explanation's store side (`readLocal`, src/reconcile/read-local.ts): the thread reads and
 *   decodes the dossiers near the period (`Store.visitNear`), keeps those the pass needs, and hands them over as
 *   columns (src/store/columns.ts), while the main thread reads the national lists.
 * - The explanation's national list pages (src/reconcile/list-pages.ts): the thread reads some
 *   of them (parsed, normalised, filtered) from their bytes, and hands back the kept dossiers.
 * The thread has its own Redis connection (to the store's Redis, any prefix); it is started once
 * per process, when a province large enough to gain from it (`THREAD_BUCKETS` in
 * src/reconcile/count-store.ts) is first read, and reused.
 *
 * This module is also the thread's own code: started as a thread with `workerData.storeThread`,
 * it answers the requests.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import type { RedisTarget } from '../config/load.js';
import type { Period } from '../domain/period.js';
import { columnBuffers } from '../store/columns.js';
import { DateBounds } from '../normalise/fields.js';
import type { DateLimits } from '../../schemas/limits.js';
import { connect } from '../store/connection.js';
import { Store } from '../store/store.js';
import { startTsWorker } from '../util/ts-worker.js';
import { GroupTally, type TallyDump } from './count-store.js';
import type { CountingRules } from './counting.js';
import { readColumns, type ReadNear, type ReadColumns } from './read-local.js';
import { readAsColumns, type KeptPage, type ListContext } from './list-pages.js';
import type { PageRead } from '../national/client.js';

interface ThreadData {
  storeThread: true;
  target: RedisTarget;
  /** The configured `dates`: the thread's stores hold the version rule to them (a migration reads it). */
  dates?: DateLimits;
}

type Request =
  | { kind: 'ping' }
  | {
      kind: 'count';
      prefix: string;
      province: string;
      period: Period;
      rules: CountingRules;
      lists: [string, string[]][];
    }
  | ({ kind: 'read'; prefix: string; province: string } & ReadNear)
  | { kind: 'page'; bytes: Uint8Array; context: ListContext };
type Reply =
  | { id: number; dump: TallyDump }
  | ({ id: number } & ReadColumns)
  | { id: number; page: PageRead<KeptPage> }
  | { id: number; error: string };
type Answer = TallyDump | ReadColumns | PageRead<KeptPage>;

export class StoreThread {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;
  private pages = 0;

  private constructor(target: RedisTarget, dates?: DateLimits) {
    this.worker = startTsWorker(new URL(import.meta.url), { storeThread: true, target, dates } satisfies ThreadData);
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) p?.reject(new Error(`store thread: ${reply.error}`));
      else
        p?.resolve(
          'dump' in reply ? reply.dump : 'page' in reply ? reply.page : { columns: reply.columns, bits: reply.bits },
        );
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`store thread exited (${code})`)));
  }

  /** A thread reading stores on the Redis at `target`; `dates` as configured (default: the default limits). */
  static start(target: RedisTarget, dates?: DateLimits): StoreThread {
    return new StoreThread(target, dates);
  }

  /** The tally of these buckets (lists of `Store.periodBuckets` of the store under `prefix`) for the period, counted in the thread. */
  count(
    prefix: string,
    province: string,
    period: Period,
    rules: CountingRules,
    lists: [string, string[]][],
  ): Promise<TallyDump> {
    return this.ask({ kind: 'count', prefix, province, period, rules, lists }) as Promise<TallyDump>;
  }

  /** The dossiers the explanation reads (`ReadNear`) of the store under `prefix`, read in the thread, with each one's metrics in the period. */
  read(prefix: string, province: string, what: ReadNear): Promise<ReadColumns> {
    return this.ask({ kind: 'read', prefix, province, ...what }) as Promise<ReadColumns>;
  }

  /** A national list page's items (their bytes, `splitDataArray`) read in the thread as the pass keeps them (src/reconcile/list-pages.ts). */
  async readPage(bytes: Uint8Array, context: ListContext): Promise<PageRead<KeptPage>> {
    const own = new Uint8Array(bytes); // a copy of its own, handed over whole
    this.pages++;
    try {
      return (await this.ask({ kind: 'page', bytes: own, context }, [own.buffer])) as PageRead<KeptPage>;
    } finally {
      this.pages--;
    }
  }

  /** Pages asked of the thread (`readPage`) and not yet answered. */
  get pagesInHand(): number {
    return this.pages;
  }

  /** Resolves once the thread runs (its modules loaded): a request asked before waits for that. */
  async started(): Promise<void> {
    await this.ask({ kind: 'ping' });
  }

  private ask(request: Request, transfer: ArrayBuffer[] = []): Promise<Answer> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request }, transfer);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new Error('store thread closed');
    await this.worker.terminate();
  }
}

/** The thread's side: one Redis connection, a store per prefix, an answer per request. */
function serve({ target, dates }: ThreadData): void {
  const redis = connect(target, 'store-thread');
  const stores = new Map<string, Store>();
  const bounds = new DateBounds(dates); // the system clock: the worker's clock does not cross into the thread
  const latest = () => bounds.latest();
  const storeOf = (prefix: string) =>
    stores.get(prefix) ?? stores.set(prefix, new Store(redis, prefix, { latest })).get(prefix)!;
  const answer = async (m: Request): Promise<{ dump: TallyDump } | ReadColumns | { page: PageRead<KeptPage> }> => {
    if (m.kind === 'ping') return { dump: [] };
    if (m.kind === 'page') return { page: readAsColumns(m.bytes, m.context) };
    const store = storeOf(m.prefix);
    if (m.kind === 'count') {
      const tally = new GroupTally(m.period, m.rules);
      for (const [kind, buckets] of m.lists) await store.visitBuckets(kind, buckets, (d) => tally.add(d));
      return { dump: tally.dump() };
    }
    return readColumns(store, m.province, m);
  };
  parentPort!.on('message', (m: Request & { id: number }) => {
    answer(m).then(
      (a) =>
        parentPort!.postMessage(
          { id: m.id, ...a },
          'columns' in a
            ? [...columnBuffers(a.columns), a.bits.buffer as ArrayBuffer]
            : 'page' in a
              ? pageBuffers(a.page.value)
              : [],
        ),
      (err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.storeThread === true) serve(workerData as ThreadData);

/** The buffers of a page read in the thread, handed over instead of copied. */
function pageBuffers(page: KeptPage): ArrayBuffer[] {
  const columns = Array.isArray(page.kept) ? [] : columnBuffers(page.kept);
  return [...columns, page.onlyIfStored.buffer as ArrayBuffer];
}
