/**
 * Repairs in Redis: each dossier's push state while a batch pushes it, the record of every
 * pushed dossier (who, when, what, result), the pushes waiting for a later night's check, and
 * what each run found of earlier repairs. Every key is a key of no province (`{global}`), so a
 * batch's records, the dossiers' lists and the pending set are written in one MULTI.
 */
import type { RedisClient } from './connection.js';
import {
  pendingRepair,
  repairCheck,
  repairRecord,
  type PendingRepair,
  type RepairCheck,
  type RepairRecord,
} from '../../schemas/repair.js';
import { z } from 'zod';
import { tupleKey } from '../util/tuple-key.js';
import { Keys } from './keys.js';

/** The key of a dossier of a province in a repair's hashes and plan. */
export const repairKey = (province: string, code: string): string => tupleKey(province, code);

/** Where a dossier's push stands in a run's repair. */
export type PushState = 'sending' | 'done';

export class Repairs {
  readonly keys: Keys;
  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  /** The push state of these dossiers in the run's repair (absent: never tried). */
  async states(runId: string, province: string, codes: string[]): Promise<Map<string, PushState>> {
    const out = new Map<string, PushState>();
    if (codes.length === 0) return out;
    const fields = codes.map((c) => repairKey(province, c));
    const [sending, done] = await Promise.all([
      this.redis.hmget(this.keys.repairState(runId), ...fields),
      this.redis.hmget(this.keys.repairRecords(runId), ...fields),
    ]);
    codes.forEach((c, i) => {
      if (done[i] !== null && repairRecord.parse(JSON.parse(done[i]!)).outcome !== 'skipped') out.set(c, 'done');
      else if (sending[i] !== null) out.set(c, 'sending');
    });
    return out;
  }

  /** Marks dossiers as being sent, before the push: a batch run again after a crash looks them up before sending. */
  async markSending(runId: string, province: string, codes: string[], at: Date): Promise<void> {
    if (codes.length === 0) return;
    await this.redis.hset(
      this.keys.repairState(runId),
      Object.fromEntries(codes.map((c) => [repairKey(province, c), at.toISOString()])),
    );
  }

  /**
   * Records what became of dossiers (all of one run), at once: their records, their push state
   * cleared, each dossier's list of repairs, and the stored ones pending a later night's check.
   */
  async record(records: RepairRecord[]): Promise<void> {
    if (records.length === 0) return;
    const runId = records[0]!.runId;
    const tx = this.redis.multi();
    tx.hset(
      this.keys.repairRecords(runId),
      Object.fromEntries(records.map((r) => [repairKey(r.province, r.dossierCode), JSON.stringify(r)])),
    );
    tx.hdel(this.keys.repairState(runId), ...records.map((r) => repairKey(r.province, r.dossierCode)));
    for (const r of records) {
      if (r.outcome === 'skipped') continue;
      tx.zadd(this.keys.repairsOfDossier(r.dossierCode), Date.parse(r.at), tupleKey(runId, r.province));
      if (r.outcome === 'stored') {
        const p: PendingRepair = {
          runId,
          province: r.province,
          dossierCode: r.dossierCode,
          agency: r.agency,
          at: r.at,
        };
        tx.hset(this.keys.repairsPending(), repairKey(runId, repairKey(r.province, r.dossierCode)), JSON.stringify(p));
      }
    }
    await tx.exec();
  }

  /** Every record of a run's repair, by province and code. */
  async records(runId: string): Promise<RepairRecord[]> {
    const h = await this.redis.hgetall(this.keys.repairRecords(runId));
    return Object.values(h)
      .map((raw) => repairRecord.parse(JSON.parse(raw)))
      .sort(
        (a, b) =>
          a.province.localeCompare(b.province) ||
          a.agency.localeCompare(b.agency) ||
          a.dossierCode.localeCompare(b.dossierCode),
      );
  }

  /** The keys (`repairKey`) of the run's dossiers already pushed: stored or rejected. */
  async done(runId: string): Promise<Set<string>> {
    const h = await this.redis.hgetall(this.keys.repairRecords(runId));
    return new Set(
      Object.entries(h)
        .filter(([, raw]) => repairRecord.parse(JSON.parse(raw)).outcome !== 'skipped')
        .map(([k]) => k),
    );
  }

  /** Every push of a dossier, in every run's repair, oldest first. */
  async ofDossier(code: string, limit = 30): Promise<RepairRecord[]> {
    const members = await this.redis.zrange(this.keys.repairsOfDossier(code), String(-limit), '-1');
    const out: RepairRecord[] = [];
    for (const m of members) {
      const [runId, province] = JSON.parse(m) as [string, string];
      const raw = await this.redis.hget(this.keys.repairRecords(runId), repairKey(province, code));
      if (raw) out.push(repairRecord.parse(JSON.parse(raw)));
    }
    return out;
  }

  /** Stored pushes no reconciliation has checked yet. */
  async pending(): Promise<PendingRepair[]> {
    return Object.values(await this.redis.hgetall(this.keys.repairsPending())).map((raw) =>
      pendingRepair.parse(JSON.parse(raw)),
    );
  }

  /**
   * What run `runId` found of earlier pushes in a province: each check is kept on its push's
   * record and in the run's own report, and leaves the pending set. Checking again writes the same.
   */
  async saveChecks(runId: string, province: string, checks: RepairCheck[], at: Date): Promise<void> {
    if (checks.length === 0) return;
    const records = new Map<string, RepairRecord[]>();
    for (const c of checks) {
      const raw = await this.redis.hget(this.keys.repairRecords(c.repairRun), repairKey(province, c.dossierCode));
      if (!raw) continue;
      const r = repairRecord.parse(JSON.parse(raw));
      r.verification = { status: c.status, runId, at: at.toISOString(), ...(c.kind ? { kind: c.kind } : {}) };
      (records.get(c.repairRun) ?? records.set(c.repairRun, []).get(c.repairRun)!).push(r);
    }
    const tx = this.redis.multi();
    for (const [repairRun, list] of records) {
      tx.hset(
        this.keys.repairRecords(repairRun),
        Object.fromEntries(list.map((r) => [repairKey(province, r.dossierCode), JSON.stringify(r)])),
      );
    }
    tx.hdel(
      this.keys.repairsPending(),
      ...checks.map((c) => repairKey(c.repairRun, repairKey(province, c.dossierCode))),
    );
    tx.hset(this.keys.runRepairChecks(runId), province, JSON.stringify(checks));
    await tx.exec();
  }

  /** What a run found of earlier repairs, per province. */
  async checks(runId: string): Promise<Map<string, RepairCheck[]>> {
    const h = await this.redis.hgetall(this.keys.runRepairChecks(runId));
    return new Map(Object.entries(h).map(([p, raw]) => [p, z.array(repairCheck).parse(JSON.parse(raw))]));
  }
}
