/**
 * A thread that counts buckets of the store beside the main one (`countPeriod` with a thread,
 * src/reconcile/count-store.ts): reading and tallying a period's dossiers is JavaScript work
 * on one core, and a province's buckets split into halves that add up (`GroupTally.merge`).
 * The thread has its own Redis connection (to the store's Redis, any prefix); it is started once
 * per process, when a province large enough to gain from it is counted first
 * (`COUNT_THREAD_BUCKETS` in src/reconcile/count-store.ts), and reused.
 *
 * This module is also the thread's own code: started as a thread with `workerData.countThread`,
 * it answers count requests.
 */
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import type { RedisTarget } from '../config/load.js';
import type { Period } from '../domain/period.js';
import { connect } from '../store/connection.js';
import { Store } from '../store/store.js';
import { startTsWorker } from '../util/ts-worker.js';
import { GroupTally, type TallyDump } from './count-store.js';
import type { CountingRules } from './counting.js';

interface ThreadData {
  countThread: true;
  target: RedisTarget;
}
/** A count of buckets, or (without `lists`) a question that is answered once the thread runs. */
interface CountRequest {
  id: number;
  /** The store's key prefix. */
  prefix?: string;
  province?: string;
  period?: Period;
  rules?: CountingRules;
  lists?: [string, string[]][];
}
type CountReply = { id: number; dump: TallyDump } | { id: number; error: string };

export class CountThread {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (d: TallyDump) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;

  private constructor(target: RedisTarget) {
    this.worker = startTsWorker(new URL(import.meta.url), { countThread: true, target } satisfies ThreadData);
    this.worker.on('message', (reply: CountReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('dump' in reply) p?.resolve(reply.dump);
      else p?.reject(new Error(`counting thread: ${reply.error}`));
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`counting thread exited (${code})`)));
  }

  /** A thread counting from stores on the Redis at `target`. */
  static start(target: RedisTarget): CountThread {
    return new CountThread(target);
  }

  /** The tally of these buckets (lists of `Store.periodBuckets` of the store under `prefix`) for the period, counted in the thread. */
  count(
    prefix: string,
    province: string,
    period: Period,
    rules: CountingRules,
    lists: [string, string[]][],
  ): Promise<TallyDump> {
    return this.ask({ prefix, province, period, rules, lists });
  }

  /** Resolves once the thread runs (its modules loaded): a count asked before waits for that. */
  async started(): Promise<void> {
    await this.ask({});
  }

  private ask(request: Omit<CountRequest, 'id'>): Promise<TallyDump> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<TallyDump>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request } satisfies CountRequest);
    });
  }

  async close(): Promise<void> {
    this.dead ??= new Error('counting thread closed');
    await this.worker.terminate();
  }
}

/** The thread's side: one Redis connection, a store per prefix, a tally per request. */
function serve({ target }: ThreadData): void {
  const redis = connect(target, 'count-thread');
  const stores = new Map<string, Store>();
  const storeOf = (prefix: string) => stores.get(prefix) ?? stores.set(prefix, new Store(redis, prefix)).get(prefix)!;
  parentPort!.on('message', (m: CountRequest) => {
    void (async (): Promise<CountReply> => {
      try {
        if (!m.lists) return { id: m.id, dump: [] };
        const tally = new GroupTally(m.period!, m.rules!);
        const store = storeOf(m.prefix!);
        for (const [kind, buckets] of m.lists) await store.visitBuckets(kind, buckets, (d) => tally.add(d));
        return { id: m.id, dump: tally.dump() };
      } catch (err) {
        return { id: m.id, error: err instanceof Error ? err.message : String(err) };
      }
    })().then((reply) => parentPort!.postMessage(reply));
  });
}

if (!isMainThread && (workerData as Partial<ThreadData> | null)?.countThread === true) serve(workerData as ThreadData);
