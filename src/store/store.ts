/**
 * The store: canonical dossiers per province, checkpoints, quarantine and sync counters.
 * A page is applied in one Lua script together with its checkpoint, its quarantined items
 * and its counters, so a crash leaves either the whole page or none of it, and a record
 * older than (or as old as) the stored one changes nothing.
 */
import type { RedisClient } from '../queue/connection.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { checkpoint, syncCounters, type Checkpoint, type QuarantineEntry, type SyncCounters } from '../../schemas/store.js';
import { Keys } from './keys.js';
import { pack, storedVersion, unpack } from './pack.js';

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

const APPLY_PAGE = `
local dossiers, cp, stats, qitems, qreasons = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
-- Each page carries its own checkpoint: finding it already stored means this very page was
-- applied (a command sent again after a lost reply), and it must not count twice.
local stored = redis.call('GET', cp)
if stored == ARGV[1] then return {0, 0, 0} end
-- The checkpoint the page follows ('' when not checked, '-' for none, '=' and the stored text):
-- another one stored means earlier pages were lost (a failover) or applied by someone else.
local after = ARGV[2]
if after == '-' and stored or after ~= '' and after ~= '-' and stored ~= string.sub(after, 2) then return {-1, 0, 0} end
local n = tonumber(ARGV[3])
${VERSION_FN}
local CHUNK = 500
local applied, unchanged = 0, 0
-- the stored values, read in chunks of codes (one HMGET per chunk rather than one HGET per record)
local olds = {}
for first = 0, n - 1, CHUNK do
  local codes = {}
  for i = first, math.min(first + CHUNK, n) - 1 do codes[#codes + 1] = ARGV[4 + 2 * i] end
  local got = redis.call('HMGET', dossiers, unpack(codes))
  for j = 1, #codes do olds[first + j] = got[j] end
end
-- records in page order: a later record of the same code compares with the earlier one
local latest, order = {}, {}
for i = 0, n - 1 do
  local code, rec = ARGV[4 + 2 * i], ARGV[5 + 2 * i]
  local old = latest[code]
  if old == nil then old = olds[i + 1] end
  if old and version(rec) <= version(old) then
    unchanged = unchanged + 1
  else
    if latest[code] == nil then order[#order + 1] = code end
    latest[code] = rec
    applied = applied + 1
  end
end
for first = 1, #order, CHUNK do
  local args = {}
  for i = first, math.min(first + CHUNK - 1, #order) do
    args[#args + 1] = order[i]
    args[#args + 1] = latest[order[i]]
  end
  redis.call('HSET', dossiers, unpack(args))
end
local q = 0
for j = 4 + 2 * n, #ARGV, 3 do
  if redis.call('HSETNX', qitems, ARGV[j], ARGV[j + 2]) == 1 then
    redis.call('HINCRBY', qreasons, ARGV[j + 1], 1)
  end
  q = q + 1
end
redis.call('SET', cp, ARGV[1])
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
local dossiers, qitems, qreasons = KEYS[1], KEYS[2], KEYS[3]
${VERSION_FN}
local applied, unchanged, released = 0, 0, 0
for j = 1, #ARGV, 4 do
  local key, reason, code, rec = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
  if redis.call('HDEL', qitems, key) == 1 then
    released = released + 1
    if redis.call('HINCRBY', qreasons, reason, -1) <= 0 then redis.call('HDEL', qreasons, reason) end
    local old = redis.call('HGET', dossiers, code)
    if old and version(rec) <= version(old) then
      unchanged = unchanged + 1
    else
      redis.call('HSET', dossiers, code, rec)
      applied = applied + 1
    end
  end
end
return {applied, unchanged, released}
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
};

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
  }

  async applyPage(page: PageInput): Promise<PageOutcome> {
    const k = this.keys;
    const after = page.after === undefined ? '' : page.after === null ? '-' : `=${page.after}`;
    const args: string[] = [checkpointText(page.checkpoint), after, String(page.dossiers.length)];
    for (const d of page.dossiers) args.push(d.code, pack(d));
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
    if (codes.length === 0) return out;
    const values = await this.redis.hmget(this.keys.dossiers(province), ...codes);
    values.forEach((v, i) => {
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
    if (codes.length === 0) return out;
    const values = await this.redis.hmget(this.keys.dossiers(province), ...codes);
    values.forEach((v, i) => {
      if (v !== null) out.set(codes[i]!, unpack(codes[i]!, v));
    });
    return out;
  }

  async countDossiers(province: string): Promise<number> {
    return this.redis.hlen(this.keys.dossiers(province));
  }

  /**
   * Every stored dossier of a province, a batch at a time. HSCAN may return an entry twice
   * while the hash is resized; each code is yielded once.
   *
   * Each step's entries come back as one newline-joined string (SCAN_JOINED). A code or a
   * value with a newline in it (none is expected: the normalisers refuse whitespace in codes)
   * would show as a count that does not match; that step is then read again as a plain HSCAN
   * from the same cursor, so the result never depends on the rule.
   */
  async *scanDossiers(province: string, batch = 10_000): AsyncGenerator<CanonicalDossier[]> {
    const key = this.keys.dossiers(province);
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
    const args = items.flatMap((i) => [i.key, i.reason, i.dossier.code, pack(i.dossier)]);
    const keys = [this.keys.dossiers(province), this.keys.quarantine(province, source), this.keys.quarantineReasons(province, source)];
    const [applied, unchanged, released] = await this.redis.releaseQuarantined(...keys, ...args);
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
