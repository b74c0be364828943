/**
 * Counting a month at the end of a long history, in its own process. A province's store is
 * filled with `months` months of dossiers, generated here and applied through the store's page
 * script from memory (no simulator, no HTTP): each received on its code's day and closed some
 * days later (often in the next month), a few still open, withdrawn or awaiting their return.
 * The last month is counted (`countPeriod`, the store thread running) as the store keeps it,
 * then as the version before the closed twins kept it (every dossier closed after its code
 * month in the open twins, read by every count), then the move from that layout is timed
 * (`splitClosedTwins`, src/store/migrate.ts). Reports what each count read and its time.
 */
import { Redis } from 'ioredis';
import { STATUS, type CanonicalDossier } from '../schemas/dossier.js';
import { monthPeriod, type Period } from '../src/domain/period.js';
import { DAY_MS, formatDay } from '../src/domain/time.js';
import { DEFAULT_RULES } from '../src/reconcile/counting.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { StoreThread } from '../src/reconcile/store-thread.js';
import { Rng } from '../src/sim/random.js';
import { Keys } from '../src/store/keys.js';
import { Store } from '../src/store/store.js';
import { MONTH, PAGE_SIZE, PROVINCE, SEED, argsOf, report } from './common.js';

export interface HistoryArgs {
  redisUrl: string;
  prefix: string;
  months: number;
  perMonth: number;
}
export interface CountRead {
  ms: number;
  /** Dossiers in the buckets and twins the count read (the codes of another shape included). */
  read: number;
}
export interface HistoryResult {
  stored: number;
  months: number;
  /** Dossiers that count in the last month (received in it, or carried over into it). */
  counting: number;
  fillMs: number;
  now: CountRead;
  before: CountRead;
  /** The move of the closed dossiers out of the open twins, once per province. */
  split: { ms: number };
  /** Both counts gave the same figures. */
  same: boolean;
}

const args = argsOf<HistoryArgs>();
const redis = new Redis(args.redisUrl);
/** The province's layout prefix (src/store/keys.ts). */
const L = new Keys(args.prefix).layout(PROVINCE);
const last = monthPeriod(MONTH);
const monthsBack = (n: number): Period => {
  let start = last.start;
  for (let i = 0; i < n; i++) start = monthPeriod(formatDay(start - DAY_MS).slice(0, 7)).start;
  return monthPeriod(formatDay(start).slice(0, 7));
};

/** A month's dossiers, as a provincial system would have them at the end of the last month. */
function monthOf(period: Period, n: number, rnd: () => number): CanonicalDossier[] {
  const now = last.end;
  const days = Math.round((period.end - period.start) / DAY_MS);
  const seq = new Map<string, number>();
  const out: CanonicalDossier[] = [];
  for (let i = 0; i < n; i++) {
    const agency = `000.00.${10 + Math.floor(rnd() * 10)}.${PROVINCE}`;
    const dayStart = period.start + Math.floor(rnd() * days) * DAY_MS;
    const day = formatDay(dayStart);
    const key = `${agency}-${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}`;
    const k = seq.get(key) ?? 0;
    seq.set(key, k + 1);
    const receivedAt = dayStart + (8 + rnd() * 9) * 3_600_000;
    const finishedAt = receivedAt + Math.floor(rnd() * rnd() * 40 * 24) * 3_600_000;
    const returnedAt = finishedAt + Math.floor(rnd() * 48) * 3_600_000;
    const withdrawn = rnd() < 0.01;
    const status = withdrawn
      ? STATUS.WITHDRAWN
      : returnedAt < now
        ? STATUS.RETURNED
        : finishedAt < now
          ? STATUS.FINISHED
          : STATUS.IN_PROGRESS;
    const finished = status === STATUS.RETURNED || status === STATUS.FINISHED;
    out.push({
      code: `${key}-${String(k).padStart(4, '0')}`,
      agency,
      procedure: `1.00${String(1000 + Math.floor(rnd() * 50))}`,
      status,
      channel: (1 + Math.floor(rnd() * 3)) as 1 | 2 | 3,
      digitised: rnd() < 0.6,
      paidOnline: false,
      receivedAt,
      dueAt: receivedAt + 15 * DAY_MS,
      finishedAt: finished ? finishedAt : null,
      returnedAt: status === STATUS.RETURNED ? returnedAt : null,
      updatedAt: Math.min(now - 1, status === STATUS.RETURNED ? returnedAt : finished ? finishedAt : receivedAt),
    });
  }
  return out;
}

async function fill(store: Store): Promise<number> {
  const rng = new Rng(SEED);
  const rnd = () => rng.next();
  let page = 0;
  for (let m = args.months - 1; m >= 0; m--) {
    const dossiers = monthOf(monthsBack(m), args.perMonth, rnd);
    for (let i = 0; i < dossiers.length; i += PAGE_SIZE, page++)
      await store.applyPage({
        province: PROVINCE,
        source: 'history',
        runId: 'history',
        dossiers: dossiers.slice(i, i + PAGE_SIZE),
        quarantined: [],
        checkpoint: {
          syncedTo: null,
          pending: { runId: 'history', from: 0, to: last.end, cursor: { page }, pages: page },
        },
      });
  }
  return store.countDossiers(PROVINCE);
}

/** How many dossiers the count of the last month reads: its buckets' and twins' sizes. */
async function readBy(store: Store): Promise<number> {
  const pipe = redis.pipeline();
  pipe.hlen(`${L}:odd`);
  for (const [kind, buckets] of await store.periodBuckets(PROVINCE, last))
    for (const b of buckets) pipe.hlen(`${kind}:${b}`);
  return (await pipe.exec())!.reduce((n, [, v]) => n + (v as number), 0);
}

/** The count of the last month, timed; its rows as one text (to compare), and how many dossiers count in it. */
async function timedCount(store: Store): Promise<CountRead & { figures: string; counting: number }> {
  const read = await readBy(store); // migrates first, if there is anything to move
  const t0 = performance.now();
  const tally = await countPeriod(store, PROVINCE, last, DEFAULT_RULES, () => thread);
  const ms = performance.now() - t0;
  const rows = tally.figures();
  const counting = rows.reduce((n, f) => n + (f.procedure === null ? f.counts.toProcess : 0), 0);
  return { ms, read, counting, figures: JSON.stringify(rows.map((f) => JSON.stringify(f)).sort()) };
}

/** The closed twins' dossiers put back in the open twins, as the version before kept them. */
async function asBefore(): Promise<void> {
  const twins = (await redis.smembers(`${L}:close-months`)).map((m) => redis.smembers(`${L}:cm:${m}`));
  for (const bucket of new Set((await Promise.all(twins)).flat())) {
    const closed = await redis.hgetall(`${L}:c:${bucket}`);
    if (Object.keys(closed).length === 0) continue;
    await redis
      .multi()
      .hset(`${L}:o:${bucket}`, closed)
      .sadd(`${L}:open-buckets`, bucket)
      .del(`${L}:c:${bucket}`)
      .exec();
  }
  await redis.del(`${L}:close-months`, ...(await redis.keys(`${L}:cm:*`)));
}

await redis.flushall();
const thread = StoreThread.start({ kind: 'single', url: args.redisUrl });
await thread.started();
let t0 = performance.now();
const stored = await fill(new Store(redis, args.prefix));
const fillMs = performance.now() - t0;
const now = await timedCount(new Store(redis, args.prefix));
await asBefore();
const before = await timedCount(new Store(redis, args.prefix)); // the store marked split: read as it is
await redis.hdel(`${L}:meta`, 'closed-twins');
t0 = performance.now();
const again = new Store(redis, args.prefix); // a `Store` remembers the provinces it has split
await again.migrate(PROVINCE);
const split = { ms: performance.now() - t0 };
const after = await timedCount(again);
report({
  stored,
  months: args.months,
  counting: now.counting,
  fillMs,
  now: { ms: now.ms, read: now.read },
  before: { ms: before.ms, read: before.read },
  split,
  same: now.figures === before.figures && after.figures === now.figures && after.read === now.read,
} satisfies HistoryResult);
await thread.close();
await redis.quit();
process.exit(0);
