/** Incidents and their history, queryable across runs. */
import type { RedisClient } from '../queue/connection.js';
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
    const prefix = `${province}|${period.from}..${period.to}|`;
    return (await this.list({ province })).filter((i) => i.key.startsWith(prefix));
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

  async markAlerted(key: string, at: Date): Promise<void> {
    await this.redis.hset(this.keys.alertSent(), key, String(at.getTime()));
  }

  /** When each key was last alerted (epoch ms), for the cooldown. */
  async lastAlerted(keys: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keys.length === 0) return out;
    const values = await this.redis.hmget(this.keys.alertSent(), ...keys);
    values.forEach((v, i) => {
      if (v !== null) out.set(keys[i]!, Number(v));
    });
    return out;
  }
}
