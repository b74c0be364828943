/** Incidents and their history, queryable across runs, and when each alert group was last told. */
import type { RedisClient } from './connection.js';
import { incident, type Incident } from '../../schemas/incident.js';
import { Keys } from './keys.js';

export interface IncidentQuery {
  province?: string;
  status?: 'open' | 'resolved';
}

const latestFirst = (a: Incident, b: Incident) => b.updatedAt.localeCompare(a.updatedAt) || a.key.localeCompare(b.key);

export class Incidents {
  readonly keys: Keys;
  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  /** The province's incidents for a period, open or resolved. */
  async forPeriod(province: string, period: { from: string; to: string }): Promise<Incident[]> {
    const list = await this.get(await this.redis.smembers(this.keys.incidentsOf(province, period)));
    return list.sort((a, b) => a.key.localeCompare(b.key));
  }

  async get(keys: string[]): Promise<Incident[]> {
    if (keys.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.incidents(), ...keys);
    return raw.filter((r): r is string => r !== null).map((r) => incident.parse(JSON.parse(r)));
  }

  async save(list: Incident[]): Promise<void> {
    if (list.length === 0) return;
    const m = this.redis.multi();
    m.hset(this.keys.incidents(), Object.fromEntries(list.map((i) => [i.key, JSON.stringify(i)])));
    for (const i of list) {
      if (i.status === 'open') m.sadd(this.keys.openIncidents(), i.key);
      else m.srem(this.keys.openIncidents(), i.key);
      if (i.cause !== null) m.sadd(this.keys.incidentsOf(i.province, i.period), i.key);
      m.sadd(this.keys.incidentsIn(i.province), i.key);
    }
    await m.exec();
  }

  /**
   * Incidents, the latest updated first. With `province`, only that province's are read
   * (`ofProvinces`); without, all of them.
   */
  async list(q: IncidentQuery = {}): Promise<Incident[]> {
    const all = q.province ? await this.ofProvinces([q.province]) : [...(await this.scan()).values()];
    return all.filter((i) => !q.status || i.status === q.status).sort(latestFirst);
  }

  /**
   * The incidents of these provinces, the latest updated first, read through each province's
   * set of keys, never the others': a province's page costs its own incidents, not the
   * country's. Incidents stored before the sets were kept are indexed once, by the first read.
   */
  async ofProvinces(provinces: readonly string[]): Promise<Incident[]> {
    if (provinces.length === 0) return [];
    if (!(await this.redis.exists(this.keys.incidentsIndexed()))) {
      const m = this.redis.multi();
      for (const i of (await this.scan()).values()) m.sadd(this.keys.incidentsIn(i.province), i.key);
      m.set(this.keys.incidentsIndexed(), '1');
      await m.exec();
    }
    const sets = this.redis.pipeline();
    for (const p of provinces) sets.smembers(this.keys.incidentsIn(p));
    const keys = ((await sets.exec()) ?? []).flatMap(([err, members]) => {
      if (err) throw err;
      return members as string[];
    });
    return (await this.get([...new Set(keys)])).sort(latestFirst);
  }

  /** Every incident, by key (HSCAN may return an entry twice). */
  private async scan(): Promise<Map<string, Incident>> {
    const all = new Map<string, Incident>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.incidents(), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) all.set(flat[i]!, incident.parse(JSON.parse(flat[i + 1]!)));
    } while (cursor !== '0');
    return all;
  }

  /**
   * Resolves, once, every incident still open under a per-metric key (stored before incidents
   * followed causes), with a note: the first run to finish after the change does it, whatever
   * its provinces, so none stays open forever; `resolve` makes the resolved incident
   * (src/reconcile/incidents.ts). Returns how many were resolved.
   */
  async resolveLegacy(run: { runId: string }, resolve: (open: Incident) => Incident): Promise<number> {
    if (await this.redis.exists(this.keys.incidentsMigrated())) return 0;
    const open = await this.get(await this.redis.smembers(this.keys.openIncidents()));
    const legacy = open.filter((i) => i.cause === null && i.status === 'open');
    await this.save(legacy.map((i) => resolve(i)));
    await this.redis.set(this.keys.incidentsMigrated(), run.runId);
    return legacy.length;
  }

  async markGroupsSent(groups: string[], at: Date): Promise<void> {
    if (groups.length)
      await this.redis.hset(
        this.keys.alertGroupSent(),
        Object.fromEntries(groups.map((g) => [g, String(at.getTime())])),
      );
  }

  /** When each alert group was last sent a message (epoch ms), for `alerts.repeatHours`. */
  async groupsLastSent(groups: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (groups.length === 0) return out;
    const values = await this.redis.hmget(this.keys.alertGroupSent(), ...groups);
    values.forEach((v, i) => {
      if (v !== null) out.set(groups[i]!, Number(v));
    });
    return out;
  }
}
