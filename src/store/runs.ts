/** Reconciliation runs: their meta, each province's result and findings, and the latest run. */
import type { RedisClient } from '../queue/connection.js';
import {
  finding,
  incidentChange,
  provinceReport,
  type FailedJob,
  type Finding,
  type IncidentChange,
  type ProvinceReport,
  type RunReport,
} from '../../schemas/report.js';
import { z } from 'zod';
import { groupBy } from '../util/group.js';
import { tupleKey } from '../util/tuple-key.js';
import { Keys } from './keys.js';

const runMeta = z.object({
  runId: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  window: z.object({ to: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  provinces: z.array(z.string()),
  /** A scheduled night's run (see `NightStep.scheduled`); absent for a manual run. */
  scheduled: z.boolean().optional(),
});
export type RunMeta = z.infer<typeof runMeta>;

export type ProvinceSummary = Omit<ProvinceReport, 'findings' | 'incidents'>;
type Coverage = ProvinceSummary['coverage'];

/**
 * A province's coverage with jobs that failed for good added (those not already listed): a
 * complete province becomes partial, and `why` names each kind of job that failed and why.
 */
export function withFailedJobs(coverage: Coverage, jobs: FailedJob[]): Coverage {
  const listed = new Set((coverage.failedJobs ?? []).map((j) => j.id));
  const added = jobs.filter((j) => !listed.has(j.id));
  if (added.length === 0) return coverage;
  const said = [...groupBy(added, (j) => tupleKey(j.job, j.reason)).values()].map(
    (same) => `${same[0]!.job} failed${same.length > 1 ? ` (${same.length} jobs)` : ''}: ${same[0]!.reason}`,
  );
  return {
    status: coverage.status === 'complete' ? 'partial' : coverage.status,
    why: [coverage.why, ...said].filter(Boolean).join('; '),
    failedJobs: [...(coverage.failedJobs ?? []), ...added],
  };
}

const parseSummary = (raw: string): ProvinceSummary => provinceReport.omit({ findings: true, incidents: true }).parse(JSON.parse(raw));

/** What a province that has no stored result yet reports. */
function notReconciled(province: string): ProvinceSummary {
  return { province, coverage: { status: 'failed', why: 'not reconciled (yet)' }, sources: [], agencies: 0, mismatches: [] };
}

export class Runs {
  readonly keys: Keys;
  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  async create(meta: RunMeta): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.run(meta.runId), JSON.stringify(meta))
      .zadd(this.keys.runs(), Date.parse(meta.startedAt), meta.runId)
      .exec();
  }

  async meta(runId: string): Promise<RunMeta | undefined> {
    const raw = await this.redis.get(this.keys.run(runId));
    return raw ? runMeta.parse(JSON.parse(raw)) : undefined;
  }

  async finish(runId: string, at: Date): Promise<void> {
    const meta = await this.meta(runId);
    if (!meta) throw new Error(`run ${runId} does not exist`);
    await this.redis.set(this.keys.run(runId), JSON.stringify({ ...meta, finishedAt: at.toISOString() }));
  }

  async setProvince(runId: string, summary: ProvinceSummary): Promise<void> {
    await this.redis.set(this.keys.runProvince(runId, summary.province), JSON.stringify(summary));
  }

  /** Records jobs of the run that failed for good against the province (see `withFailedJobs`); once each. */
  async addFailedJobs(runId: string, province: string, jobs: FailedJob[]): Promise<void> {
    const raw = await this.redis.get(this.keys.runProvince(runId, province));
    const summary = raw ? parseSummary(raw) : { ...notReconciled(province), coverage: { status: 'failed' as const, why: null } };
    await this.setProvince(runId, { ...summary, coverage: withFailedJobs(summary.coverage, jobs) });
  }

  /** Records what one drill-down found; the same dossier found under several metrics is merged in the report. */
  async addFindings(runId: string, province: string, metric: string, findings: Finding[]): Promise<void> {
    if (findings.length === 0) return;
    const fields = Object.fromEntries(findings.map((f) => [tupleKey(f.dossierCode, metric), JSON.stringify(f)]));
    await this.redis.hset(this.keys.runFindings(runId, province), fields);
  }

  /** What the run did to each province's incidents. */
  async setIncidents(runId: string, province: string, changes: IncidentChange[]): Promise<void> {
    await this.redis.hset(this.keys.runIncidents(runId), province, JSON.stringify(changes));
  }

  /** Records that a scheduled night up to `windowTo` completed its syncs; keeps the latest. */
  async markNight(windowTo: number): Promise<void> {
    const key = this.keys.lastNight();
    const prev = Number((await this.redis.get(key)) ?? 0);
    if (windowTo > prev) await this.redis.set(key, String(windowTo));
  }

  async lastNight(): Promise<number | undefined> {
    const v = await this.redis.get(this.keys.lastNight());
    return v === null ? undefined : Number(v);
  }

  async latestRunId(): Promise<string | undefined> {
    const [id] = await this.redis.zrange(this.keys.runs(), '-1', '-1');
    return id;
  }

  async list(limit = 20): Promise<string[]> {
    return this.redis.zrevrange(this.keys.runs(), 0, limit - 1);
  }

  async report(runId: string): Promise<RunReport | undefined> {
    const meta = await this.meta(runId);
    if (!meta) return undefined;
    const provinces: ProvinceReport[] = [];
    for (const code of meta.provinces) {
      const raw = await this.redis.get(this.keys.runProvince(runId, code));
      const summary = raw ? parseSummary(raw) : notReconciled(code);
      const changes = await this.redis.hget(this.keys.runIncidents(runId), code);
      const incidents = changes ? z.array(incidentChange).parse(JSON.parse(changes)) : [];
      provinces.push({ ...summary, findings: await this.findings(runId, code), incidents });
    }
    return {
      runId: meta.runId,
      period: meta.period,
      window: meta.window,
      startedAt: meta.startedAt,
      finishedAt: meta.finishedAt,
      status: meta.finishedAt ? 'complete' : 'running',
      provinces,
    };
  }

  private async findings(runId: string, province: string): Promise<Finding[]> {
    const h = await this.redis.hgetall(this.keys.runFindings(runId, province));
    const byCode = new Map<string, Finding>();
    for (const raw of Object.values(h)) {
      const f = finding.parse(JSON.parse(raw));
      const seen = byCode.get(f.dossierCode);
      if (seen) seen.metrics = [...new Set([...seen.metrics, ...f.metrics])].sort();
      else byCode.set(f.dossierCode, f);
    }
    return [...byCode.values()].sort((a, b) => a.agency.localeCompare(b.agency) || a.dossierCode.localeCompare(b.dossierCode));
  }
}
