/**
 * The store: canonical dossiers per province, checkpoints, quarantine and sync counters.
 * A page is applied in one Lua script together with its checkpoint, its quarantined items
 * and its counters, so a crash leaves either the whole page or none of it, and a record
 * older than (or as old as) the stored one changes nothing.
 */
import type { Redis } from 'ioredis';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { checkpoint, syncCounters, type Checkpoint, type QuarantineEntry, type SyncCounters } from '../../schemas/store.js';
import { Keys } from './keys.js';
import { pack, unpack } from './pack.js';

const APPLY_PAGE = `
local dossiers, cp, stats, qitems, qreasons = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local n = tonumber(ARGV[2])
local applied, unchanged = 0, 0
for i = 0, n - 1 do
  local code, rec = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local old = redis.call('HGET', dossiers, code)
  if old and tonumber(string.match(rec, '^(%d+)')) <= tonumber(string.match(old, '^(%d+)')) then
    unchanged = unchanged + 1
  else
    redis.call('HSET', dossiers, code, rec)
    applied = applied + 1
  end
end
local q = 0
for j = 3 + 2 * n, #ARGV, 3 do
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

export interface PageInput {
  province: string;
  source: string;
  runId: string;
  dossiers: CanonicalDossier[];
  quarantined: { key: string; entry: QuarantineEntry }[];
  checkpoint: Checkpoint;
  /** Set for a backfill: the page's checkpoint is the backfill's own. */
  backfill?: string;
}

export interface PageOutcome {
  applied: number;
  unchanged: number;
  quarantined: number;
}

type WithApply = Redis & {
  applyPage(...keysThenArgs: string[]): Promise<[number, number, number]>;
};

export class Store {
  readonly keys: Keys;
  private readonly redis: WithApply;

  constructor(redis: Redis, prefix: string) {
    this.keys = new Keys(prefix);
    this.redis = redis as WithApply;
    if (!('applyPage' in redis)) redis.defineCommand('applyPage', { numberOfKeys: 5, lua: APPLY_PAGE });
  }

  async applyPage(page: PageInput): Promise<PageOutcome> {
    const k = this.keys;
    const args: string[] = [JSON.stringify(page.checkpoint), String(page.dossiers.length)];
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
    return { applied, unchanged, quarantined };
  }

  async getCheckpoint(province: string, source: string, backfill?: string): Promise<Checkpoint> {
    const raw = await this.redis.get(this.keys.checkpoint(province, source, backfill));
    return raw ? checkpoint.parse(JSON.parse(raw)) : { syncedTo: null, pending: null };
  }

  async setCheckpoint(province: string, source: string, cp: Checkpoint): Promise<void> {
    await this.redis.set(this.keys.checkpoint(province, source), JSON.stringify(cp));
  }

  async syncCounters(province: string, source: string, runId: string): Promise<SyncCounters> {
    const h = await this.redis.hgetall(this.keys.syncStats(province, source, runId));
    return syncCounters.parse({
      pulled: Number(h.pulled ?? 0),
      applied: Number(h.applied ?? 0),
      unchanged: Number(h.unchanged ?? 0),
      quarantined: Number(h.quarantined ?? 0),
      pages: Number(h.pages ?? 0),
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
   */
  async *scanDossiers(province: string, batch = 2000): AsyncGenerator<CanonicalDossier[]> {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.dossiers(province), cursor, 'COUNT', batch);
      cursor = next;
      const out: CanonicalDossier[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const code = flat[i]!;
        if (seen.has(code)) continue;
        seen.add(code);
        out.push(unpack(code, flat[i + 1]!));
      }
      if (out.length) yield out;
    } while (cursor !== '0');
  }

  async quarantineReasons(province: string, source: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.quarantineReasons(province, source));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  async quarantineEntries(province: string, source: string, limit = 1000): Promise<QuarantineEntry[]> {
    const out: QuarantineEntry[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.quarantine(province, source), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 1; i < flat.length && out.length < limit; i += 2) out.push(JSON.parse(flat[i]!) as QuarantineEntry);
    } while (cursor !== '0' && out.length < limit);
    return out;
  }
}
