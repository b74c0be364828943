/** Reconciliation runs: their meta, each province's result and findings, and the latest run. */
import type { ChainableCommander } from 'ioredis';
import type { NationalLoad } from '../domain/figures.js';
import type { RedisClient } from './connection.js';
import {
  finding,
  incidentChange,
  provinceReport,
  repairCheck,
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
import { INDEX_KEPT, byAgencyAndCode, codeField, indexOf } from './finding-codes.js';
import {
  LINES_KEPT,
  NOT_RECONCILED,
  fieldsOfReport,
  findingsField,
  incidentsField,
  lineOf,
  lineOfReport,
  resultField,
  runHead,
  type RunLine,
} from './run-lines.js';

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

/** A run's findings that name a code (and maybe others), per province, as `Runs.findingsNaming` reads them. */
export type RunFindings = Pick<RunReport, 'runId' | 'period' | 'startedAt'> & {
  provinces: { province: string; findings: Finding[] }[];
};

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

const parseSummary = (raw: string): ProvinceSummary =>
  provinceReport.omit({ findings: true, incidents: true }).parse(JSON.parse(raw));

/** What a province that has no stored result yet reports. */
function notReconciled(province: string): ProvinceSummary {
  return {
    province,
    coverage: { ...NOT_RECONCILED },
    sources: [],
    agencies: 0,
    mismatches: [],
  };
}

/** A finding's field in the run's findings: its dossier, or for an unexplained key the key. */
function findingField(f: Finding): string {
  return f.key ? tupleKey(f.agency, f.key.procedure, f.key.metric) : tupleKey(f.dossierCode);
}

/** A province's findings hash as its findings, in report order. */
function findingsOfHash(h: Record<string, string>): Finding[] {
  // Reports stored before the explanation pass hold a field per dossier and metric: merged here.
  const byCode = new Map<string, Finding>();
  for (const raw of Object.values(h)) {
    const f = finding.parse(JSON.parse(raw));
    const field = findingField(f);
    const seen = byCode.get(field);
    if (seen) seen.metrics = [...new Set([...seen.metrics, ...f.metrics])].sort();
    else byCode.set(field, f);
  }
  return [...byCode.entries()].sort(byAgencyAndCode).map(([, f]) => f);
}

/** A run's head and the findings read of its provinces. */
function runFindings(m: RunMeta, provinces: RunFindings['provinces']): RunFindings {
  return { runId: m.runId, period: m.period, startedAt: m.startedAt, provinces };
}

/** `<province>|requests` and `<province>|records` fields as a load per province. */
function loadsOf(h: Record<string, string>): Map<string, NationalLoad> {
  const out = new Map<string, NationalLoad>();
  for (const [field, v] of Object.entries(h)) {
    const [province, what] = field.split('|') as [string, string];
    if (province === '*' || (what !== 'requests' && what !== 'records')) continue;
    let l = out.get(province);
    if (!l) out.set(province, (l = { requests: 0, records: 0 }));
    l[what] = Number(v);
  }
  return out;
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
      .hset(this.keys.runLines(meta.runId), LINES_KEPT, '1')
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
    await this.redis
      .multi()
      .set(this.keys.runProvince(runId, summary.province), JSON.stringify(summary))
      .hset(this.keys.runLines(runId), ...resultField(summary))
      .exec();
  }

  /** Records jobs of the run that failed for good against the province (see `withFailedJobs`); once each. */
  async addFailedJobs(runId: string, province: string, jobs: FailedJob[]): Promise<void> {
    const raw = await this.redis.get(this.keys.runProvince(runId, province));
    const summary = raw
      ? parseSummary(raw)
      : { ...notReconciled(province), coverage: { status: 'failed' as const, why: null } };
    await this.setProvince(runId, { ...summary, coverage: withFailedJobs(summary.coverage, jobs) });
  }

  /** A province's result as reconciled, without its findings; undefined before it is reconciled. */
  async province(runId: string, province: string): Promise<ProvinceSummary | undefined> {
    const raw = await this.redis.get(this.keys.runProvince(runId, province));
    return raw ? parseSummary(raw) : undefined;
  }

  /**
   * What the explanation pass found for a province, all at once: its mismatches with their
   * accounting, its findings (replacing any earlier attempt's) and the national load it cost.
   * A retried pass writes the same again: nothing is counted twice but the load it really sent.
   */
  async setExplanation(
    runId: string,
    summary: ProvinceSummary,
    findings: Finding[],
    load: NationalLoad,
  ): Promise<void> {
    const key = this.keys.runFindings(runId, summary.province);
    const codes = this.keys.runFindingCodes(runId, summary.province);
    const byField = new Map(findings.map((f) => [findingField(f), f])); // one finding per field, the last one
    const tx = this.redis
      .multi()
      .set(this.keys.runProvince(runId, summary.province), JSON.stringify(summary))
      .del(key, codes)
      .hset(codes, indexOf(byField))
      .hset(
        this.keys.runLines(runId),
        ...resultField(summary),
        ...findingsField(summary.province, [...byField.values()]),
      );
    if (byField.size) tx.hset(key, Object.fromEntries([...byField].map(([field, f]) => [field, JSON.stringify(f)])));
    await this.loadInto(tx, runId, summary.province, load).exec();
  }

  /** Adds national requests and records sent for a province in a run. */
  async addNationalLoad(runId: string, province: string, load: NationalLoad): Promise<void> {
    await this.loadInto(this.redis.multi(), runId, province, load).exec();
  }

  private loadInto(tx: ChainableCommander, runId: string, province: string, load: NationalLoad): ChainableCommander {
    for (const [k, field] of [
      [this.keys.runNational(runId), province],
      [this.keys.nationalLoad(), province],
    ] as const) {
      tx.hincrby(k, `${field}|requests`, load.requests).hincrby(k, `${field}|records`, load.records);
    }
    return tx.hincrby(this.keys.runNational(runId), '*|records', load.records);
  }

  /** National records fetched so far in a run, all provinces together. */
  async nationalRecords(runId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.runNational(runId), '*|records')) ?? 0);
  }

  /** National requests and records of every run so far, per province. */
  async nationalLoad(): Promise<Map<string, NationalLoad>> {
    return loadsOf(await this.redis.hgetall(this.keys.nationalLoad()));
  }

  /** What the run did to each province's incidents. */
  async setIncidents(runId: string, province: string, changes: IncidentChange[]): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.runIncidents(runId), province, JSON.stringify(changes))
      .hset(this.keys.runLines(runId), ...incidentsField(province, changes))
      .exec();
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

  /**
   * What the run list shows of these runs (src/store/run-lines.ts), in the same order (a run
   * gone meanwhile is left out): each run's meta and lines, all in one round trip. A run stored
   * before lines were kept is read from its report, and once it is finished its lines are
   * stored from it, so that it is read whole once (docs/architecture.md).
   */
  async lines(ids: readonly string[]): Promise<RunLine[]> {
    const replies = await this.replies(
      ids.flatMap((id) => [
        ['get', this.keys.run(id)],
        ['hgetall', this.keys.runLines(id)],
      ]),
    );
    const out: RunLine[] = [];
    for (const [i, id] of ids.entries()) {
      const raw = replies[2 * i];
      if (typeof raw !== 'string') continue;
      const fields = replies[2 * i + 1] as Record<string, string>;
      const line = fields[LINES_KEPT] ? lineOf(runMeta.parse(JSON.parse(raw)), fields) : await this.lineFromReport(id);
      if (line) out.push(line);
    }
    return out;
  }

  private async lineFromReport(runId: string): Promise<RunLine | undefined> {
    const report = await this.report(runId);
    if (!report) return undefined;
    // While it runs, the version that created it may still write it; once finished, its lines
    // are kept. HSETNX: a part this version wrote meanwhile stays as written.
    if (report.finishedAt) {
      const key = this.keys.runLines(runId);
      const tx = this.redis.multi();
      for (const [field, v] of Object.entries(fieldsOfReport(report))) tx.hsetnx(key, field, v);
      await tx.hset(key, LINES_KEPT, '1').exec();
    }
    return lineOfReport(report);
  }

  /**
   * What a dossier's page reads of these runs (a run gone meanwhile is left out), in the same
   * order: each province's findings that name `code`, by its own code or another it names
   * (src/store/finding-codes.ts), in report order, in three round trips at most. A province
   * whose findings were stored before their codes were kept gives all its findings: the
   * reader keeps those that name the code (docs/architecture.md).
   */
  async findingsNaming(ids: readonly string[], code: string): Promise<RunFindings[]> {
    const runs = await this.metas(ids);
    const pairs = runs.flatMap((m) => m.provinces.map((province) => ({ runId: m.runId, province })));
    const named = await this.replies(
      pairs.flatMap(({ runId, province }) => [
        ['hget', this.keys.runFindings(runId, province), codeField(code)],
        ['hmget', this.keys.runFindingCodes(runId, province), INDEX_KEPT, codeField(code)],
        ['exists', this.keys.runFindings(runId, province)],
      ]),
    );
    const others = pairs.map(({ runId, province }, i) => {
      const [kept, fields] = named[3 * i + 1] as (string | null)[];
      if (!kept) return [];
      return (fields ? z.array(z.string()).parse(JSON.parse(fields)) : []).map((field) => ({ runId, province, field }));
    });
    const values = await this.replies(
      others.flat().map(({ runId, province, field }) => ['hget', this.keys.runFindings(runId, province), field]),
    );
    const found = new Map<string, Finding[]>();
    let v = 0;
    for (const [i, { runId, province }] of pairs.entries()) {
      const [own, [kept], exists] = named.slice(3 * i, 3 * i + 3) as [string | null, (string | null)[], number];
      let list: Finding[];
      if (kept) {
        const raws = [own, ...others[i]!.map(() => values[v++] as string | null)];
        const byField = raws
          .flatMap((raw) => (raw ? [finding.parse(JSON.parse(raw))] : []))
          .map((f) => [findingField(f), f] as [string, Finding]);
        list = [...new Map(byField)].sort(byAgencyAndCode).map(([, f]) => f);
      } else list = exists ? await this.findings(runId, province) : [];
      found.set(tupleKey(runId, province), list);
    }
    return runs.map((m) =>
      runFindings(
        m,
        m.provinces.map((province) => ({ province, findings: found.get(tupleKey(m.runId, province))! })),
      ),
    );
  }

  /**
   * What an incident's page reads of these runs (a run gone meanwhile, or one that does not
   * compare the province, is left out), in the same order: the province's findings, as its
   * report gives them, and no other province's, in two round trips (docs/architecture.md).
   */
  async findingsOf(ids: readonly string[], province: string): Promise<RunFindings[]> {
    const runs = (await this.metas(ids)).filter((m) => m.provinces.includes(province));
    const hashes = await this.replies(runs.map((m) => ['hgetall', this.keys.runFindings(m.runId, province)]));
    return runs.map((m, i) =>
      runFindings(m, [{ province, findings: findingsOfHash(hashes[i] as Record<string, string>) }]),
    );
  }

  /** The metas of these runs, in one round trip, in the same order (a run gone is left out). */
  private async metas(ids: readonly string[]): Promise<RunMeta[]> {
    const raws = await this.replies(ids.map((id) => ['get', this.keys.run(id)]));
    return raws.flatMap((raw) => (typeof raw === 'string' ? [runMeta.parse(JSON.parse(raw))] : []));
  }

  /** The replies of these commands, sent in one pipeline. */
  private async replies(commands: (string | number)[][]): Promise<unknown[]> {
    if (!commands.length) return [];
    const replies = (await this.redis.pipeline(commands).exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  }

  async report(runId: string): Promise<RunReport | undefined> {
    const meta = await this.meta(runId);
    if (!meta) return undefined;
    const provinces: ProvinceReport[] = [];
    const loads = loadsOf(await this.redis.hgetall(this.keys.runNational(runId)));
    for (const code of meta.provinces) {
      const summary: ProvinceSummary = (await this.province(runId, code)) ?? notReconciled(code);
      const load = loads.get(code);
      if (load) Object.assign(summary, { nationalRequests: load.requests, nationalRecords: load.records });
      const changes = await this.redis.hget(this.keys.runIncidents(runId), code);
      const incidents = changes ? z.array(incidentChange).parse(JSON.parse(changes)) : [];
      const checked = await this.redis.hget(this.keys.runRepairChecks(runId), code);
      const repairChecks = checked ? { repairChecks: z.array(repairCheck).parse(JSON.parse(checked)) } : {};
      provinces.push({ ...summary, findings: await this.findings(runId, code), incidents, ...repairChecks });
    }
    return { ...runHead(meta), provinces };
  }

  private async findings(runId: string, province: string): Promise<Finding[]> {
    return findingsOfHash(await this.redis.hgetall(this.keys.runFindings(runId, province)));
  }
}
