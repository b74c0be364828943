/**
 * Compares one province's counts with the national figures for the period, once its
 * sources have synced, and with the province's own statistics where its sources offer them
 * (three-way: each mismatch gets a verdict). Each local≠national mismatch becomes a
 * drill-down job of the same run. A province whose sync did not complete is reported
 * partial or failed and is not compared. A failed provincial-statistics call never fails
 * the reconciliation: it is logged, noted as `provincialStats` and compared two-way.
 */
import { reconcileProvincePayload } from '../schemas/jobs.js';
import type { Mismatch, ProvincialStats } from '../schemas/report.js';
import { sourcesOf } from '../src/config/load.js';
import { rootAgency } from '../src/normalise/codes.js';
import { DAY_MS, formatDay } from '../src/normalise/time.js';
import { mapProcedure } from '../src/normalise/dvcqg.js';
import { compareCounts, type Provincial } from '../src/reconcile/compare.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { groupKey, type GroupKey } from '../src/util/tuple-key.js';
import { METRICS, makePeriod, withAgencyTotals, zeroCounts, type Figures, type Metric, type Period } from '../src/reconcile/counting.js';
import type { ReportedStats } from '../src/sources/source.js';
import type { ProvinceSummary } from '../src/store/runs.js';
import { defineJob, jobIds, type JobContext } from './context.js';

/**
 * The province's own figures, per agency and procedure: summed over its sources, reporting
 * the metrics every one of them reports. Never throws: what went wrong is in `note`.
 */
export async function provincialFigures(
  ctx: Pick<JobContext, 'config' | 'source' | 'logger'>,
  province: string,
  period: Period,
): Promise<{ provincial: Provincial | undefined; note: ProvincialStats }> {
  const configs = sourcesOf(ctx.config, province);
  const configured = configs.map((s) => ctx.source(s.id));
  const offering = configured.filter((s) => typeof s.stats === 'function');
  if (offering.length === 0) return { provincial: undefined, note: { status: 'not offered', why: 'no source of the province offers statistics' } };
  if (offering.length < configured.length) {
    const missing = configured.filter((s) => !offering.includes(s)).map((s) => s.id);
    // The others' figures alone would not be the province's.
    return { provincial: undefined, note: { status: 'not offered', why: `source ${missing.join(', ')} offers no statistics` } };
  }
  const settled = await Promise.allSettled(offering.map((s) => s.stats!(period, { procedure: true })));
  const failed = settled.flatMap((r, i) => (r.status === 'rejected' ? [`source ${offering[i]!.id}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
  if (failed.length) {
    const why = failed.join('; ');
    ctx.logger.warn({ province, why }, 'provincial statistics unavailable: comparing local and national only');
    return { provincial: undefined, note: { status: 'unavailable', why } };
  }
  const results = settled.flatMap((r): ReportedStats[] => (r.status === 'fulfilled' ? [r.value] : []));
  const sums = new Map<GroupKey, Figures>();
  for (const [i, { figures }] of results.entries()) {
    // The province counts under its own procedure codes: map them as its dossiers were mapped.
    const map = configs[i]!.procedureMap;
    for (const f of withAgencyTotals(figures)) {
      const procedure = f.procedure === null ? null : mapProcedure(f.procedure, map);
      const key = groupKey(f.agency, procedure);
      let sum = sums.get(key);
      if (!sum) sums.set(key, (sum = { agency: f.agency, procedure, counts: zeroCounts() }));
      for (const m of METRICS) sum.counts[m] += f.counts[m];
    }
  }
  const reported: Metric[] = METRICS.filter((m) => results.every((r) => r.reported.includes(m)));
  return { provincial: { figures: [...sums.values()], reported }, note: { status: 'ok', why: null } };
}

/**
 * Why the national feed is too stale to compare against, or null: the province's system had
 * updates in this run, yet the portal shows none of its dossiers updated in the last days.
 */
export async function staleNationalFeed(
  ctx: Pick<JobContext, 'config' | 'national'>,
  province: string,
  windowTo: number,
  sources: { applied: number }[],
): Promise<string | null> {
  const days = ctx.config.national.staleAfterDays;
  const applied = sources.reduce((n, s) => n + s.applied, 0);
  if (days === 0 || applied === 0) return null;
  const since = windowTo - days * DAY_MS;
  const updated = await ctx.national().count(rootAgency(province), { start: since, end: windowTo }, 'CapNhat');
  if (updated > 0) return null;
  return `national feed stale: no dossier of ${province} updated on the portal since ${formatDay(since)}, while ${applied} updates came from the province`;
}

/**
 * The mismatches worth a drill-down: those between local and national figures, per agency,
 * and per procedure where the agency's total for that metric agrees (codes that moved
 * between procedures, such as an unmapped local procedure code, show only there).
 */
export function drillTargets(mismatches: Mismatch[]): Mismatch[] {
  // `province_misreports`: local and national agree within tolerance, so nothing to look for between them.
  const national = mismatches.filter((m) => m.local !== m.national && m.verdict !== 'province_misreports');
  const agencyLevel = new Map<string, Set<string>>(); // agency → its metrics that mismatch in total
  for (const m of national) if (m.procedure === null) agencyLevel.set(m.agency, (agencyLevel.get(m.agency) ?? new Set()).add(m.metric));
  return national.filter((m) => m.procedure === null || !agencyLevel.get(m.agency)?.has(m.metric));
}

export const reconcileProvince = defineJob({
  name: 'reconcile-province',
  payload: reconcileProvincePayload,
  async handler({ runId, province, period: p, windowTo }, ctx) {
    const period = makePeriod(p.from, p.to);
    const failures = await ctx.job.getIgnoredChildrenFailures();
    const sources: ProvinceSummary['sources'] = [];
    for (const s of sourcesOf(ctx.config, province)) {
      const cp = await ctx.store.getCheckpoint(province, s.id);
      const counters = await ctx.store.syncCounters(province, s.id, runId);
      const complete = cp.syncedTo !== null && cp.syncedTo >= windowTo;
      const failure = Object.entries(failures).find(([key]) => key.endsWith(jobIds.sync(runId, s.id)))?.[1];
      sources.push({ id: s.id, status: complete ? 'complete' : 'failed', error: complete ? null : (failure ?? 'sync did not finish'), ...counters });
    }
    const failed = sources.filter((s) => s.status === 'failed');
    const summary: ProvinceSummary = {
      province,
      coverage: { status: 'complete', why: null },
      sources,
      agencies: 0,
      mismatches: [],
      provincialStats: { status: 'not offered', why: null },
    };
    if (failed.length) {
      const why = failed.map((s) => `source ${s.id}: ${s.error}`).join('; ');
      summary.coverage = { status: failed.length === sources.length ? 'failed' : 'partial', why };
      summary.provincialStats = { status: 'unavailable', why: 'not fetched: the province was not compared' };
      await ctx.runs.setProvince(runId, summary);
      ctx.logger.warn({ runId, province, why }, 'province not compared: its sync did not complete');
      return summary;
    }

    const stale = await staleNationalFeed(ctx, province, windowTo, sources);
    if (stale) {
      summary.coverage = { status: 'partial', why: stale };
      summary.provincialStats = { status: 'unavailable', why: 'not fetched: the province was not compared' };
      await ctx.runs.setProvince(runId, summary);
      ctx.logger.warn({ runId, province, why: stale }, 'province not compared: the national feed is stale');
      return summary;
    }

    const local = await countPeriod(ctx.store, province, period, ctx.config.counting);
    const [national, { provincial, note }] = await Promise.all([
      ctx.national().stats(rootAgency(province), period, { agency: true, procedure: true }).then(withAgencyTotals),
      provincialFigures(ctx, province, period),
    ]);
    summary.provincialStats = note;
    summary.mismatches = compareCounts(local, national, ctx.config.tolerances, provincial);
    summary.agencies = new Set([...local, ...national].map((f) => f.agency)).size;
    await ctx.runs.setProvince(runId, summary);

    const parent = ctx.job.parent;
    const drills = drillTargets(summary.mismatches).map((m: Mismatch) => ({
      name: 'drill-down',
      data: { runId, province, agency: m.agency, procedure: m.procedure, metric: m.metric, period: p, local: m.local, national: m.national },
      opts: {
        jobId: jobIds.drill(runId, province, m.agency, m.procedure, m.metric),
        ignoreDependencyOnFailure: true,
        ...(parent?.id ? { parent: { id: parent.id, queue: parent.queueKey } } : {}),
      },
    }));
    if (drills.length) await ctx.queue.addBulk(drills);
    ctx.logger.info({ runId, province, mismatches: summary.mismatches.length }, 'province reconciled');
    return { province, mismatches: summary.mismatches.length };
  },
});
