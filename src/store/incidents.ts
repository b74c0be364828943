/** Incidents and their history, queryable across runs, and when each alert group was last told. */
import type { RedisClient } from './connection.js';
import { incident, type Incident } from '../../schemas/incident.js';
import { Keys } from './keys.js';

export interface IncidentQuery {
  province?: string;
  status?: 'open' | 'resolved';
}

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
    }
    await m.exec();
  }

  async list(q: IncidentQuery = {}): Promise<Incident[]> {
    const all = new Map<string, Incident>(); // HSCAN may return an entry twice
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.incidents(), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i < flat.length; i += 2) all.set(flat[i]!, incident.parse(JSON.parse(flat[i + 1]!)));
    } while (cursor !== '0');
    return [...all.values()]
      .filter((i) => (!q.province || i.province === q.province) && (!q.status || i.status === q.status))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.key.localeCompare(b.key));
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
