/**
 * The store: canonical dossiers per province, checkpoints, quarantine and sync counters.
 * A page is applied in one Lua script together with its checkpoint, its quarantined items
 * and its counters, so a crash leaves either the whole page or none of it, and a record
 * older than (or as old as) the stored one changes nothing (see `latestVersion` on the future).
 */
import type { RedisClient } from './connection.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import {
  checkpoint,
  syncCounters,
  type Checkpoint,
  type QuarantineEntry,
  type SyncCounters,
} from '../../schemas/store.js';
import { Keys } from './keys.js';
import { agencyOfBucket, codeHead, codeMonth, monthOfBucket, monthsOf, onEdge, slotOf, untilMonth } from './layout.js';
import { layoutBuckets, nearBuckets, writeEdges } from './bucket-lists.js';
import { blankCounted, pack, storedVersion, unpack, unpackCounted, type Counted } from './pack.js';
import { DEFAULT_DATE_BOUNDS } from '../normalise/fields.js';
import {
  APPLY_PAGE,
  LOOKUP,
  MIGRATE,
  READ_BUCKETS,
  RELEASE_QUARANTINED,
  SCAN_JOINED,
  SPLIT_CLOSED,
} from './scripts.js';
import { splitClosedTwins } from './migrate.js';
import { updatedIn } from './newest.js';
import type { Period } from '../domain/period.js';
import { byBucket, placeArgs } from './script-args.js';
import { bucketSteps, scanHash, type StepReader } from './steps.js';

export { ApplyRule, type StoredVersions } from './apply-rule.js';

export interface PageInput {
  province: string;
  source: string;
  runId: string;
  dossiers: CanonicalDossier[];
  quarantined: { key: string; entry: QuarantineEntry }[];
  checkpoint: Checkpoint;
  /** Set for a backfill: the page's checkpoint is the backfill's own. */
  backfill?: string;
  /**
   * The stored checkpoint this page follows, as `readCheckpoint` gave it or `checkpointText`
   * of the previous page's (null: none stored). When given, a page that finds another one
   * stored is not applied: see CheckpointMoved.
   */
  after?: string | null;
}

/**
 * The stored checkpoint is not the one the page follows: pages acknowledged earlier were lost
 * (a failover to a replica that had not received them yet) or another worker applied pages of
 * this sync. Nothing was applied; the sync resumes from the stored checkpoint.
 */
export class CheckpointMoved extends Error {
  override readonly name = 'CheckpointMoved';
}

/** A checkpoint as the store keeps it (and as `PageInput.after` compares it). */
export const checkpointText = (cp: Checkpoint): string => JSON.stringify(cp);

export interface PageOutcome {
  applied: number;
  unchanged: number;
  quarantined: number;
}

type WithApply = StepReader & {
  applyPage(...keysThenArgs: string[]): Promise<[number, number, number]>;
  releaseQuarantined(...keysThenArgs: string[]): Promise<[number, number, number]>;
  lookupDossiers(legacy: string, ...args: string[]): Promise<(string | null)[]>;
  migrateDossiers(legacy: string, ...args: string[]): Promise<number>;
  splitClosed(legacy: string, ...args: string[]): Promise<number>;
};

export class Store {
  readonly keys: Keys;
  private readonly redis: WithApply;
  private readonly latest: () => number;
  /** Provinces whose open twins are known split (`splitClosedTwins`). */
  private readonly split = new Set<string>();

  /**
   * @param opts.latest now + the clock skew (epoch ms), the normaliser's bound on update times
   *   (`DateBounds.latest` of the configured `dates` and the worker's clock); default: the
   *   default skew after the system clock
   */
  constructor(redis: RedisClient, prefix: string, opts: { latest?: () => number } = {}) {
    this.keys = new Keys(prefix);
    this.redis = redis as WithApply;
    this.latest = opts.latest ?? (() => DEFAULT_DATE_BOUNDS.latest());
    if (!('applyPage' in redis)) redis.defineCommand('applyPage', { numberOfKeys: 5, lua: APPLY_PAGE });
    if (!('scanJoined' in redis)) redis.defineCommand('scanJoined', { numberOfKeys: 1, lua: SCAN_JOINED });
    if (!('releaseQuarantined' in redis))
      redis.defineCommand('releaseQuarantined', { numberOfKeys: 3, lua: RELEASE_QUARANTINED });
    if (!('lookupDossiers' in redis)) redis.defineCommand('lookupDossiers', { numberOfKeys: 1, lua: LOOKUP });
    if (!('migrateDossiers' in redis)) redis.defineCommand('migrateDossiers', { numberOfKeys: 1, lua: MIGRATE });
    if (!('readBuckets' in redis)) redis.defineCommand('readBuckets', { numberOfKeys: 1, lua: READ_BUCKETS });
    if (!('splitClosed' in redis)) redis.defineCommand('splitClosed', { numberOfKeys: 1, lua: SPLIT_CLOSED });
  }

  /**
   * The version rule's bound (whole seconds): a stored version after it (a future time stored
   * before the normaliser refused those) is unreadable, older than any record, so the next
   * record of its code replaces it. Read at each call; every script is sent the bound of its
   * moment (src/store/scripts.ts, VERSION_FN).
   */
  latestVersion(): number {
    return Math.floor(this.latest() / 1000);
  }

  async applyPage(page: PageInput): Promise<PageOutcome> {
    const k = this.keys;
    const after = page.after === undefined ? '' : page.after === null ? '-' : `=${page.after}`;
    const [buckets, records] = byBucket(page.dossiers);
    const args: string[] = [
      k.layout(page.province),
      String(this.latestVersion()),
      checkpointText(page.checkpoint),
      after,
      String(page.dossiers.length),
      String(buckets),
      ...records,
    ];
    for (const q of page.quarantined) args.push(q.key, q.entry.reason, JSON.stringify(q.entry));
    const keys = [
      k.dossiers(page.province),
      k.checkpoint(page.province, page.source, page.backfill),
      k.syncStats(page.province, page.source, page.runId),
      k.quarantine(page.province, page.source),
      k.quarantineReasons(page.province, page.source),
    ];
    const [applied, unchanged, quarantined] = await this.redis.applyPage(...keys, ...args);
    if (applied === -1)
      throw new CheckpointMoved(
        `the checkpoint of ${page.source} is not the one its page ${page.checkpoint.pending?.pages ?? 'last'} follows`,
      );
    return { applied, unchanged, quarantined };
  }

  async getCheckpoint(province: string, source: string, backfill?: string): Promise<Checkpoint> {
    return (await this.readCheckpoint(province, source, backfill)).checkpoint;
  }

  /** The checkpoint, and its stored text (null when none is stored) for `PageInput.after`. */
  async readCheckpoint(
    province: string,
    source: string,
    backfill?: string,
  ): Promise<{ checkpoint: Checkpoint; stored: string | null }> {
    const stored = await this.redis.get(this.keys.checkpoint(province, source, backfill));
    return { checkpoint: stored ? checkpoint.parse(JSON.parse(stored)) : { syncedTo: null, pending: null }, stored };
  }

  async setCheckpoint(province: string, source: string, cp: Checkpoint): Promise<void> {
    await this.redis.set(this.keys.checkpoint(province, source), checkpointText(cp));
  }

  /** The stored versions of these codes, read by the apply script's own rule (`storedVersion` under `latestVersion`). */
  async versions(province: string, codes: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const latest = this.latestVersion();
    (await this.storedValues(province, codes)).forEach((v, i) => {
      if (v !== null) out.set(codes[i]!, storedVersion(v, latest));
    });
    return out;
  }

  async syncCounters(province: string, source: string, runId: string): Promise<SyncCounters> {
    const h = await this.redis.hgetall(this.keys.syncStats(province, source, runId));
    return syncCounters.parse({
      pulled: Number(h.pulled ?? 0),
      applied: Number(h.applied ?? 0),
      unchanged: Number(h.unchanged ?? 0),
      quarantined: Number(h.quarantined ?? 0),
      pages: Number(h.pages ?? 0),
      retries: Number(h.retries ?? 0),
    });
  }

  async getDossiers(province: string, codes: string[]): Promise<Map<string, CanonicalDossier>> {
    const out = new Map<string, CanonicalDossier>();
    (await this.storedValues(province, codes)).forEach((v, i) => {
      if (v !== null) out.set(codes[i]!, unpack(codes[i]!, v));
    });
    return out;
  }

  /** The stored (packed) values of these codes, null where absent, wherever the layout keeps them. */
  async storedValues(province: string, codes: string[]): Promise<(string | null)[]> {
    if (codes.length === 0) return [];
    const args = [this.keys.layout(province), String(this.latestVersion())];
    for (const code of codes) {
      const slot = slotOf(code);
      args.push(slot?.bucket ?? '', slot?.field ?? code);
    }
    return this.redis.lookupDossiers(this.keys.dossiers(province), ...args);
  }

  /** A stored dossier updated in the days, or undefined when none was (src/store/newest.ts). */
  updatedIn(
    province: string,
    days: { start: number; end: number },
  ): Promise<{ code: string; updatedAt: number } | undefined> {
    return updatedIn(this.redis, `${this.keys.layout(province)}:meta`, days, () => this.scanDossiers(province));
  }

  async countDossiers(province: string): Promise<number> {
    const [counted, legacy] = await Promise.all([
      this.redis.hget(`${this.keys.layout(province)}:meta`, 'dossiers'),
      this.redis.hlen(this.keys.dossiers(province)),
    ]);
    return Number(counted ?? 0) + legacy;
  }

  /**
   * Empties the layout before buckets (one hash of every dossier) into the buckets, a chunk
   * at a time; each chunk moves in one script, under the version rule, so a crash or a page
   * applied meanwhile loses nothing; then, once per province, moves what open twins kept from
   * before the closed twins (`splitClosedTwins`). Returns how many records of the layout
   * before buckets moved.
   */
  async migrate(province: string): Promise<number> {
    const legacy = this.keys.dossiers(province);
    let moved = 0;
    while ((await this.redis.exists(legacy)) === 1) {
      const [, flat] = await this.redis.hscan(legacy, '0', 'COUNT', 1000);
      const args = [this.keys.layout(province), String(this.latestVersion())];
      for (let i = 0; i < flat.length; i += 2) args.push(flat[i]!, ...placeArgs(unpack(flat[i]!, flat[i + 1]!)));
      moved += await this.redis.migrateDossiers(legacy, ...args);
    }
    if (!this.split.has(province)) {
      await splitClosedTwins(this.redis, this.keys.layout(province), legacy, String(this.latestVersion()));
      this.split.add(province);
    }
    return moved;
  }

  /**
   * Every stored dossier of a province, a batch at a time: the whole layout, then what is left
   * of the layout before buckets. A dossier moved by a page applied meanwhile may come twice
   * (each code is yielded once) or, if it moves from its open bucket into its bucket after its
   * month's buckets were read, not at all: read at rest for a complete view.
   */
  async *scanDossiers(province: string, batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
    const seen = new Set<string>();
    const months = (await this.redis.smembers(`${this.keys.layout(province)}:months`)).sort();
    for (const source of [
      this.readLayout(province, months, batch),
      scanHash(this.redis, this.keys.dossiers(province), batch),
    ]) {
      for await (const dossiers of source) {
        const out = dossiers.filter((d) => seen.size !== seen.add(d.code).size);
        if (out.length) yield out;
      }
    }
  }

  /**
   * The buckets of the dossiers that can count in a period (the open buckets, the closed twins
   * listed under its months or later ones, and the buckets of the months it overlaps; beside
   * them, the codes of another shape, `visitOdd`), as lists of `[kind, buckets]` for
   * `visitBuckets`, the layout migrated first: split among readers, they read the same.
   */
  async periodBuckets(province: string, period: Period): Promise<[string, string[]][]> {
    await this.migrate(province);
    return layoutBuckets(this.redis, this.keys.layout(province), monthsOf(period), untilMonth(period.start));
  }

  /**
   * What counting reads (`Counted`) of each stored dossier of another shape, handed to `visit`
   * one at a time (to be read, not kept).
   */
  async visitOdd(province: string, visit: (d: Counted) => void): Promise<void> {
    await this.migrate(province);
    for await (const batch of scanHash(this.redis, `${this.keys.layout(province)}:odd`))
      for (const d of batch) visit(d);
  }

  /**
   * What counting reads (`Counted`) of each dossier of these buckets of one kind (a list
   * `periodBuckets` gave, or part of one), handed to `visit` one at a time: a value is read in
   * place (`unpackCounted`) into one object reused for the next (to be read, not kept).
   */
  async visitBuckets(kind: string, buckets: string[], visit: (d: Counted) => void): Promise<void> {
    const into = blankCounted();
    for await (const step of bucketSteps(this.redis, kind, buckets, 'HVALS'))
      for (const { bucket, text, bounds } of step) {
        const agency = agencyOfBucket(bucket);
        for (let k = 0; k + 1 < bounds.length; k++)
          visit(unpackCounted(text, bounds[k]!, bounds[k + 1]! - 1, agency, into));
      }
  }

  /**
   * Every stored dossier the explanation of a period may need, handed to `visit` with its code:
   * the codes of another shape, the open buckets, the closed twins from the day before it, the
   * buckets of the months the period overlaps, and of the months a day either side of it
   * reaches only their edge buckets (`nearBuckets`;
   * src/store/layout.ts), so every dossier that can count in the period or was received a day
   * either side of it, and others (the caller keeps what it needs). A value is read in place
   * (`unpackCounted`) into one object reused for the next (to be read, not kept). What the
   * explanation's store side reads at the size of a large province (src/reconcile/read-local.ts),
   * without an object per dossier. A month whose edge list is not known complete (written
   * before edge lists were kept) is read whole, and its edge list written from what was read.
   */
  async visitNear(province: string, period: Period, visit: (code: string, d: Counted) => void): Promise<void> {
    const { lists, whole } = await this.nearBuckets(province, period); // migrates first
    const L = this.keys.layout(province);
    for await (const batch of scanHash(this.redis, `${L}:odd`)) for (const d of batch) visit(d.code, d);
    const home = `${L}:b`;
    const edges = new Map(whole.map((m) => [m, { month: codeMonth(m)!, buckets: new Set<string>() }] as const));
    const into = blankCounted();
    for (const [kind, buckets] of lists)
      for await (const step of bucketSteps(this.redis, kind, buckets, 'HGETALL'))
        for (const { bucket, text, bounds } of step) {
          const agency = agencyOfBucket(bucket);
          const head = codeHead(bucket);
          const edge = kind === home ? edges.get(monthOfBucket(bucket)) : undefined;
          for (let k = 0; k + 2 < bounds.length; k += 2) {
            const code = head + text.slice(bounds[k], bounds[k + 1]! - 1);
            visit(code, unpackCounted(text, bounds[k + 1]!, bounds[k + 2]! - 1, agency, into));
            if (edge && onEdge(into.receivedAt, edge.month)) edge.buckets.add(bucket);
          }
        }
    await writeEdges(this.redis, L, edges);
  }

  /**
   * The buckets `visitNear` reads for a period, as lists of `[kind, buckets]`, and `whole`: the
   * months a day either side of the period reaches whose edge list is not known complete, read
   * whole. Migrates the layout before buckets first.
   */
  async nearBuckets(province: string, period: Period): Promise<{ lists: [string, string[]][]; whole: string[] }> {
    await this.migrate(province);
    return nearBuckets(this.redis, this.keys.layout(province), period);
  }

  /** The codes of another shape, the open buckets, every closed twin, and the buckets of these code months. */
  private async *readLayout(province: string, months: string[], batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
    yield* scanHash(this.redis, `${this.keys.layout(province)}:odd`, batch);
    for (const [kind, buckets] of await layoutBuckets(this.redis, this.keys.layout(province), months, ''))
      for await (const step of bucketSteps(this.redis, kind, buckets, 'HGETALL')) {
        const out: CanonicalDossier[] = [];
        for (const { bucket, text, bounds } of step) {
          const agency = agencyOfBucket(bucket);
          const head = codeHead(bucket); // once a bucket, not once a dossier
          for (let k = 0; k + 2 < bounds.length; k += 2) {
            const field = text.slice(bounds[k], bounds[k + 1]! - 1);
            out.push(unpack(head + field, text.slice(bounds[k + 1], bounds[k + 2]! - 1), agency));
          }
        }
        if (out.length) yield out;
      }
  }

  async quarantineReasons(province: string, source: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.quarantineReasons(province, source));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  async quarantineEntries(province: string, source: string, limit = 1000): Promise<QuarantineEntry[]> {
    const out: QuarantineEntry[] = [];
    for await (const batch of this.scanQuarantine(province, source)) {
      for (const { entry } of batch) if (out.length < limit) out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** A source's quarantined items with their keys, a batch at a time (an item may come twice). */
  async *scanQuarantine(
    province: string,
    source: string,
    batch = 500,
  ): AsyncGenerator<{ key: string; entry: QuarantineEntry }[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.quarantine(province, source), cursor, 'COUNT', batch);
      cursor = next;
      const out: { key: string; entry: QuarantineEntry }[] = [];
      for (let i = 0; i < flat.length; i += 2)
        out.push({ key: flat[i]!, entry: JSON.parse(flat[i + 1]!) as QuarantineEntry });
      if (out.length) yield out;
    } while (cursor !== '0');
  }

  /** See RELEASE_QUARANTINED: these items now normalise to these dossiers. */
  async releaseQuarantined(
    province: string,
    source: string,
    items: { key: string; reason: string; dossier: CanonicalDossier }[],
  ): Promise<{ applied: number; unchanged: number; released: number }> {
    if (items.length === 0) return { applied: 0, unchanged: 0, released: 0 };
    const args = items.flatMap((i) => [i.key, i.reason, ...placeArgs(i.dossier), pack(i.dossier)]);
    const keys = [
      this.keys.dossiers(province),
      this.keys.quarantine(province, source),
      this.keys.quarantineReasons(province, source),
    ];
    const [applied, unchanged, released] = await this.redis.releaseQuarantined(
      ...keys,
      this.keys.layout(province),
      String(this.latestVersion()),
      ...args,
    );
    return { applied, unchanged, released };
  }

  /**
   * Adds HTTP retries to a sync's counters. Diagnostics for the report, recorded apart from
   * the page apply: a crash between the two may lose a page's count, never a record.
   */
  async addRetries(province: string, source: string, runId: string, n: number): Promise<void> {
    if (n > 0) await this.redis.hincrby(this.keys.syncStats(province, source, runId), 'retries', n);
  }
}
