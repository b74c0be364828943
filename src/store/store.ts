/**
 * The store: canonical dossiers per province, checkpoints, quarantine and sync counters.
 * A page is applied in one Lua script together with its checkpoint, its quarantined items
 * and its counters, so a crash leaves either the whole page or none of it, and a record
 * older than (or as old as) the stored one changes nothing.
 */
import type { RedisClient } from './connection.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { checkpoint, syncCounters, type Checkpoint, type QuarantineEntry, type SyncCounters } from '../../schemas/store.js';
import { Keys } from './keys.js';
import { agencyOfBucket, codeIn, monthsOf, placeOf, slotOf } from './layout.js';
import { pack, storedVersion, unpack } from './pack.js';
import type { Period } from '../domain/period.js';

/**
 * A stored value's updatedAt in whole seconds, for any value: `storedVersion` in
 * src/store/pack.ts, the same rule (a signed base-36 integer after "~", a signed decimal one
 * otherwise, at most 10 digits, then "|"; anything else is older than any record).
 */
const VERSION_FN = `
local UNREADABLE = -math.huge
local function version(v)
  local sign, digits, base
  if string.byte(v, 1) == 126 then
    sign, digits = string.match(v, '^~(%-?)([0-9a-z]+)|')
    base = 36
  else
    sign, digits = string.match(v, '^(%-?)([0-9]+)|')
    base = 10
  end
  if digits == nil or #digits > 10 then return UNREADABLE end
  local n = tonumber(digits, base)
  if n == nil then return UNREADABLE end
  if sign == '-' then return -n end
  return n
end
`;

/**
 * The dossier layout (src/store/layout.ts) in Lua: `find` and `put` for one record given its
 * place (computed by `placeOf` in TypeScript and passed along: bucket, field, code month, open
 * flag). Keys are built from the province's layout prefix `L` (ARGV): every key of a province
 * shares its hash tag, so the script stays on one slot. `legacy` is the hash of the layout
 * before buckets, read while it exists and emptied as its records are met.
 */
const LAYOUT_FN = `
${VERSION_FN}
local L, legacy = ARGV[1], KEYS[1]
local ODD, OPEN_BUCKETS, hasLegacy = L .. ':odd', L .. ':open-buckets', redis.call('EXISTS', legacy) == 1
local registered, added = {}, 0
-- what this script knows of a code: {value, where}, false when absent, nil when not looked up
local known = {}
-- the stored value of a code and where it is: its bucket (b), its open bucket (o), the hash of
-- codes of another shape (x), the layout before buckets (l)
local function find(code, bucket, field)
  local k = known[code]
  if k then return k[1], k[2] end
  if k == false then return nil, nil end
  local v
  if bucket ~= '' then
    v = redis.call('HGET', L .. ':b:' .. bucket, field)
    if v then return v, 'b' end
    v = redis.call('HGET', L .. ':o:' .. bucket, field)
    if v then return v, 'o' end
  else
    v = redis.call('HGET', ODD, code)
    if v then return v, 'x' end
  end
  if hasLegacy then
    v = redis.call('HGET', legacy, code)
    if v then return v, 'l' end
  end
  return nil, nil
end
local function register(set, member)
  local k = set .. member
  if not registered[k] then registered[k] = true; redis.call('SADD', set, member) end
end
-- applies rec unless the stored record is as recent; returns 1 when applied
local function put(code, rec, bucket, field, month, open)
  local old, at = find(code, bucket, field)
  if old and version(rec) <= version(old) then return 0 end
  if bucket == '' then
    redis.call('HSET', ODD, code, rec)
  elseif open == '1' then
    redis.call('HSET', L .. ':o:' .. bucket, field, rec)
    register(OPEN_BUCKETS, bucket)
    if at == 'b' then redis.call('HDEL', L .. ':b:' .. bucket, field) end
  else
    redis.call('HSET', L .. ':b:' .. bucket, field, rec)
    register(L .. ':bm:' .. month, bucket)
    register(L .. ':months', month)
    if at == 'o' then
      local ob = L .. ':o:' .. bucket
      redis.call('HDEL', ob, field)
      -- an open bucket emptied leaves the list every count reads
      if redis.call('EXISTS', ob) == 0 then redis.call('SREM', OPEN_BUCKETS, bucket); registered[OPEN_BUCKETS .. bucket] = nil end
    end
  end
  if at == 'l' then redis.call('HDEL', legacy, code) end
  if at == nil then added = added + 1 end
  known[code] = {rec, bucket == '' and 'x' or (open == '1' and 'o' or 'b')}
  return 1
end
-- looks up the codes of records (ARGV from first, step apart) with one HMGET per bucket and kind
local function prefetch(first, n, step)
  local byBucket = {}
  for i = 0, n - 1 do
    local j = first + i * step
    local bucket = ARGV[j + 2]
    if bucket ~= '' then
      local b = byBucket[bucket]
      if not b then b = {codes = {}, fields = {}}; byBucket[bucket] = b end
      b.codes[#b.codes + 1] = ARGV[j]
      b.fields[#b.fields + 1] = ARGV[j + 3]
    end
  end
  for bucket, b in pairs(byBucket) do
    local home = redis.call('HMGET', L .. ':b:' .. bucket, unpack(b.fields))
    local open = redis.call('HMGET', L .. ':o:' .. bucket, unpack(b.fields))
    for i, code in ipairs(b.codes) do
      if home[i] then known[code] = {home[i], 'b'}
      elseif open[i] then known[code] = {open[i], 'o'}
      elseif not hasLegacy then known[code] = false end
    end
  end
end
-- the count of stored dossiers, once per script
local function counted()
  if added > 0 then redis.call('HINCRBY', L .. ':meta', 'dossiers', added) end
end
`;

/** Arguments per record after the code and the packed value: see LAYOUT_FN's `put`. */
const PLACE_ARGS = 4;

const APPLY_PAGE = `
local cp, stats, qitems, qreasons = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- Each page carries its own checkpoint: finding it already stored means this very page was
-- applied (a command sent again after a lost reply), and it must not count twice.
local stored = redis.call('GET', cp)
if stored == ARGV[2] then return {0, 0, 0} end
-- The checkpoint the page follows ('' when not checked, '-' for none, '=' and the stored text):
-- another one stored means earlier pages were lost (a failover) or applied by someone else.
local after = ARGV[3]
if after == '-' and stored or after ~= '' and after ~= '-' and stored ~= string.sub(after, 2) then return {-1, 0, 0} end
local n = tonumber(ARGV[4])
${LAYOUT_FN}
-- records in page order: a later record of the same code compares with the earlier one
local applied = 0
local first = 5
prefetch(first, n, ${2 + PLACE_ARGS})
for i = 0, n - 1 do
  local j = first + i * ${2 + PLACE_ARGS}
  applied = applied + put(ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4], ARGV[j + 5])
end
local unchanged = n - applied
local q = 0
for j = first + ${2 + PLACE_ARGS} * n, #ARGV, 3 do
  if redis.call('HSETNX', qitems, ARGV[j], ARGV[j + 2]) == 1 then
    redis.call('HINCRBY', qreasons, ARGV[j + 1], 1)
  end
  q = q + 1
end
counted()
redis.call('SET', cp, ARGV[2])
redis.call('HINCRBY', stats, 'pulled', n + q)
redis.call('HINCRBY', stats, 'applied', applied)
redis.call('HINCRBY', stats, 'unchanged', unchanged)
redis.call('HINCRBY', stats, 'quarantined', q)
redis.call('HINCRBY', stats, 'pages', 1)
return {applied, unchanged, q}
`;

/**
 * Releases quarantined items that now normalise: each leaves the quarantine (its reason's
 * count goes down) and its record is applied under the same rule as a page's. An item no
 * longer in the quarantine (released already) changes nothing.
 */
const RELEASE_QUARANTINED = `
local qitems, qreasons = KEYS[2], KEYS[3]
${LAYOUT_FN}
local applied, unchanged, released = 0, 0, 0
for j = 2, #ARGV, ${4 + PLACE_ARGS} do
  local key, reason = ARGV[j], ARGV[j + 1]
  if redis.call('HDEL', qitems, key) == 1 then
    released = released + 1
    if redis.call('HINCRBY', qreasons, reason, -1) <= 0 then redis.call('HDEL', qreasons, reason) end
    local a = put(ARGV[j + 2], ARGV[j + 3], ARGV[j + 4], ARGV[j + 5], ARGV[j + 6], ARGV[j + 7])
    applied = applied + a
    unchanged = unchanged + 1 - a
  end
end
counted()
return {applied, unchanged, released}
`;

/** The stored values of codes (false where absent), given their places: ARGV code, bucket, field. */
const LOOKUP = `
${LAYOUT_FN}
local out = {}
for j = 2, #ARGV, 3 do
  local v = find(ARGV[j], ARGV[j + 1], ARGV[j + 2])
  out[#out + 1] = v or false
end
return out
`;

/**
 * Moves records of the layout before buckets into the buckets (ARGV code and place), each
 * under the version rule against what the buckets already hold. A code no longer in the old
 * hash (moved already) changes nothing.
 */
const MIGRATE = `
${LAYOUT_FN}
local moved = 0
for j = 2, #ARGV, ${1 + PLACE_ARGS} do
  local rec = redis.call('HGET', legacy, ARGV[j])
  if rec then
    redis.call('HDEL', legacy, ARGV[j])
    put(ARGV[j], rec, ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4])
    moved = moved + 1
  end
end
counted()
return moved
`;

/**
 * Whole buckets (ARGV after the prefix of their kind, `<layout>:b` or `<layout>:o`): for each,
 * its fields and values joined by newlines into one string, and how many entries that is (see
 * scanHash on the newline rule). KEYS[1] is any key of the province (its hash tag sends the
 * script to the node that holds the buckets on a cluster).
 */
const READ_BUCKETS = `
local out = {}
for j = 2, #ARGV do
  local r = redis.call('HGETALL', ARGV[1] .. ':' .. ARGV[j])
  out[#out + 1] = table.concat(r, '\\n')
  out[#out + 1] = #r
end
return out
`;

/**
 * One HSCAN step, its entries joined by newlines into one string (codes and packed values hold
 * no newline as a rule: see scanDossiers), with how many entries that is. One reply string
 * per step instead of two per dossier is what makes scanning a million dossiers cheap.
 */
const SCAN_JOINED = `
local r = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
return {r[1], table.concat(r[2], '\\n'), #r[2]}
`;

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

type WithApply = RedisClient & {
  applyPage(...keysThenArgs: string[]): Promise<[number, number, number]>;
  releaseQuarantined(...keysThenArgs: string[]): Promise<[number, number, number]>;
  scanJoined(key: string, cursor: string, count: number): Promise<[string, string, number]>;
  lookupDossiers(legacy: string, ...args: string[]): Promise<(string | null)[]>;
  migrateDossiers(legacy: string, ...args: string[]): Promise<number>;
  readBuckets(...args: string[]): Promise<(string | number)[]>;
};

/** A dossier's place as the scripts take it (LAYOUT_FN's `put`, after code and value). */
function placeArgs(d: CanonicalDossier): string[] {
  const p = placeOf(d);
  return [p.bucket ?? '', p.field, p.month, p.open ? '1' : '0'];
}

/** Buckets read per script call: at most 100 dossiers each. */
const BUCKETS_PER_STEP = 64;

/**
 * The apply rule played without writing, for dry runs: records in order, each applied when its
 * code is new or its update time (whole seconds, as stored) is later than the stored version or
 * than the last one played here; otherwise unchanged. Remembers the codes it has played.
 */
export class ApplyRule {
  private readonly latest = new Map<string, number>();

  /** @param versions the stored versions of codes, as `Store.versions` */
  constructor(private readonly versions: (codes: string[]) => Promise<Map<string, number>>) {}

  async play(dossiers: CanonicalDossier[]): Promise<{ applied: number; unchanged: number }> {
    const stored = await this.versions([...new Set(dossiers.map((d) => d.code).filter((c) => !this.latest.has(c)))]);
    let applied = 0;
    for (const d of dossiers) {
      const version = Math.floor(d.updatedAt / 1000);
      const old = this.latest.get(d.code) ?? stored.get(d.code);
      if (old !== undefined && version <= old) continue;
      this.latest.set(d.code, version);
      applied++;
    }
    return { applied, unchanged: dossiers.length - applied };
  }
}

export class Store {
  readonly keys: Keys;
  private readonly redis: WithApply;

  constructor(redis: RedisClient, prefix: string) {
    this.keys = new Keys(prefix);
    this.redis = redis as WithApply;
    if (!('applyPage' in redis)) redis.defineCommand('applyPage', { numberOfKeys: 5, lua: APPLY_PAGE });
    if (!('scanJoined' in redis)) redis.defineCommand('scanJoined', { numberOfKeys: 1, lua: SCAN_JOINED });
    if (!('releaseQuarantined' in redis)) redis.defineCommand('releaseQuarantined', { numberOfKeys: 3, lua: RELEASE_QUARANTINED });
    if (!('lookupDossiers' in redis)) redis.defineCommand('lookupDossiers', { numberOfKeys: 1, lua: LOOKUP });
    if (!('migrateDossiers' in redis)) redis.defineCommand('migrateDossiers', { numberOfKeys: 1, lua: MIGRATE });
    if (!('readBuckets' in redis)) redis.defineCommand('readBuckets', { numberOfKeys: 1, lua: READ_BUCKETS });
  }

  async applyPage(page: PageInput): Promise<PageOutcome> {
    const k = this.keys;
    const after = page.after === undefined ? '' : page.after === null ? '-' : `=${page.after}`;
    const args: string[] = [k.layout(page.province), checkpointText(page.checkpoint), after, String(page.dossiers.length)];
    for (const d of page.dossiers) args.push(d.code, pack(d), ...placeArgs(d));
    for (const q of page.quarantined) args.push(q.key, q.entry.reason, JSON.stringify(q.entry));
    const keys = [
      k.dossiers(page.province),
      k.checkpoint(page.province, page.source, page.backfill),
      k.syncStats(page.province, page.source, page.runId),
      k.quarantine(page.province, page.source),
      k.quarantineReasons(page.province, page.source),
    ];
    const [applied, unchanged, quarantined] = await this.redis.applyPage(...keys, ...args);
    if (applied === -1) throw new CheckpointMoved(`the checkpoint of ${page.source} is not the one its page ${page.checkpoint.pending?.pages ?? 'last'} follows`);
    return { applied, unchanged, quarantined };
  }

  async getCheckpoint(province: string, source: string, backfill?: string): Promise<Checkpoint> {
    return (await this.readCheckpoint(province, source, backfill)).checkpoint;
  }

  /** The checkpoint, and its stored text (null when none is stored) for `PageInput.after`. */
  async readCheckpoint(province: string, source: string, backfill?: string): Promise<{ checkpoint: Checkpoint; stored: string | null }> {
    const stored = await this.redis.get(this.keys.checkpoint(province, source, backfill));
    return { checkpoint: stored ? checkpoint.parse(JSON.parse(stored)) : { syncedTo: null, pending: null }, stored };
  }

  async setCheckpoint(province: string, source: string, cp: Checkpoint): Promise<void> {
    await this.redis.set(this.keys.checkpoint(province, source), checkpointText(cp));
  }

  /** The stored versions of these codes, read by the apply script's own rule (`storedVersion`). */
  async versions(province: string, codes: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    (await this.storedValues(province, codes)).forEach((v, i) => {
      if (v !== null) out.set(codes[i]!, storedVersion(v));
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
    const args = [this.keys.layout(province)];
    for (const code of codes) {
      const slot = slotOf(code);
      args.push(code, slot?.bucket ?? '', slot?.field ?? code);
    }
    return this.redis.lookupDossiers(this.keys.dossiers(province), ...args);
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
   * applied meanwhile loses nothing. Returns how many records moved.
   */
  async migrate(province: string): Promise<number> {
    const legacy = this.keys.dossiers(province);
    let moved = 0;
    while ((await this.redis.exists(legacy)) === 1) {
      const [, flat] = await this.redis.hscan(legacy, '0', 'COUNT', 1000);
      const args = [this.keys.layout(province)];
      for (let i = 0; i < flat.length; i += 2) args.push(flat[i]!, ...placeArgs(unpack(flat[i]!, flat[i + 1]!)));
      moved += await this.redis.migrateDossiers(legacy, ...args);
    }
    return moved;
  }

  /**
   * Every stored dossier that can count in a period (and some that cannot: the caller counts
   * through `metricsOf`), a batch at a time, without reading the rest of the history: the codes
   * of another shape, the open buckets, then the buckets of the code months the period overlaps
   * (src/store/layout.ts). The layout before buckets is migrated first.
   */
  async *readPeriod(province: string, period: Period): AsyncGenerator<CanonicalDossier[]> {
    await this.migrate(province);
    yield* this.readLayout(province, monthsOf(period));
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
    for (const source of [this.readLayout(province, months, batch), this.scanHash(this.keys.dossiers(province), batch)]) {
      for await (const dossiers of source) {
        const out = dossiers.filter((d) => seen.size !== seen.add(d.code).size);
        if (out.length) yield out;
      }
    }
  }

  /** The codes of another shape, the open buckets, and the buckets of these code months. */
  private async *readLayout(province: string, months: string[], batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
    const L = this.keys.layout(province);
    yield* this.scanHash(`${L}:odd`, batch);
    yield* this.readBuckets(`${L}:o`, await this.redis.smembers(`${L}:open-buckets`));
    yield* this.readBuckets(`${L}:b`, (await Promise.all(months.map((m) => this.redis.smembers(`${L}:bm:${m}`)))).flat());
  }

  /** Every dossier in these buckets (`<kind>:<bucket>` keys), a batch at a time. */
  private async *readBuckets(kind: string, buckets: string[]): AsyncGenerator<CanonicalDossier[]> {
    // each bucket's fields and values, flat; a bucket whose joined string does not split into its
    // count (a value with a newline in it) is read again as a plain HGETALL
    const step = async (list: string[]): Promise<string[][]> => {
      const got = await this.redis.readBuckets(kind, kind, ...list);
      return Promise.all(
        list.map(async (bucket, i) => {
          const count = got[2 * i + 1] as number;
          const flat = count === 0 ? [] : (got[2 * i] as string).split('\n');
          return flat.length === count ? flat : Object.entries(await this.redis.hgetall(`${kind}:${bucket}`)).flat();
        }),
      );
    };
    let pending = buckets.length ? step(buckets.slice(0, BUCKETS_PER_STEP)) : undefined;
    for (let at = 0; pending; at += BUCKETS_PER_STEP) {
      const got = await pending;
      // ask for the next step before decoding this one: Redis reads while this process decodes
      const next = at + BUCKETS_PER_STEP;
      pending = next < buckets.length ? step(buckets.slice(next, next + BUCKETS_PER_STEP)) : undefined;
      pending?.catch(() => undefined); // surfaced when awaited; ignored if the caller stops early
      const out: CanonicalDossier[] = [];
      got.forEach((flat, i) => {
        const bucket = buckets[at + i]!;
        const agency = agencyOfBucket(bucket);
        for (let j = 0; j < flat.length; j += 2) out.push(unpack(codeIn(bucket, flat[j]!), flat[j + 1]!, agency));
      });
      if (out.length) yield out;
    }
  }

  /**
   * Every dossier of one hash (code → packed value), a batch at a time. HSCAN may return an
   * entry twice while the hash is resized; each code is yielded once.
   *
   * Each step's entries come back as one newline-joined string (SCAN_JOINED). A code or a
   * value with a newline in it (none is expected: the normalisers refuse whitespace in codes)
   * would show as a count that does not match; that step is then read again as a plain HSCAN
   * from the same cursor, so the result never depends on the rule.
   */
  private async *scanHash(key: string, batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
    const step = async (cursor: string): Promise<[string, string[]]> => {
      const [next, joined, count] = await this.redis.scanJoined(key, cursor, batch);
      const flat = count === 0 ? [] : joined.split('\n');
      return flat.length === count ? [next, flat] : this.redis.hscan(key, cursor, 'COUNT', batch);
    };
    const seen = new Set<string>();
    let pending = step('0');
    for (;;) {
      const [next, flat] = await pending;
      // ask for the next step before decoding this one: Redis scans while this process decodes
      if (next !== '0') {
        pending = step(next);
        pending.catch(() => undefined); // surfaced when awaited; ignored if the caller stops early
      }
      const out: CanonicalDossier[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const code = flat[i]!;
        const known = seen.size;
        if (seen.add(code).size === known) continue; // seen before
        out.push(unpack(code, flat[i + 1]!));
      }
      if (out.length) yield out;
      if (next === '0') return;
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
  async *scanQuarantine(province: string, source: string, batch = 500): AsyncGenerator<{ key: string; entry: QuarantineEntry }[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.quarantine(province, source), cursor, 'COUNT', batch);
      cursor = next;
      const out: { key: string; entry: QuarantineEntry }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ key: flat[i]!, entry: JSON.parse(flat[i + 1]!) as QuarantineEntry });
      if (out.length) yield out;
    } while (cursor !== '0');
  }

  /** See RELEASE_QUARANTINED: these items now normalise to these dossiers. */
  async releaseQuarantined(province: string, source: string, items: { key: string; reason: string; dossier: CanonicalDossier }[]): Promise<{ applied: number; unchanged: number; released: number }> {
    if (items.length === 0) return { applied: 0, unchanged: 0, released: 0 };
    const args = items.flatMap((i) => [i.key, i.reason, i.dossier.code, pack(i.dossier), ...placeArgs(i.dossier)]);
    const keys = [this.keys.dossiers(province), this.keys.quarantine(province, source), this.keys.quarantineReasons(province, source)];
    const [applied, unchanged, released] = await this.redis.releaseQuarantined(...keys, this.keys.layout(province), ...args);
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
