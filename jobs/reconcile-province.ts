/**
 * Compares one province's counts with the national figures for the period, once its
 * sources have synced, and with the province's own statistics where its sources offer them
 * (three-way: each mismatch gets a verdict). A province with local≠national mismatches gets
 * one `explain-province` job of the same run, which explains them all. A province whose sync did not complete is reported
 * partial or failed and is not compared. A failed provincial-statistics call never fails
 * the reconciliation: it is logged, noted as `provincialStats` and compared two-way.
 */
import { reconcileProvincePayload, type ReconcileProvincePayload } from '../schemas/jobs.js';
import type { ProvincialStats } from '../schemas/report.js';
import { figuresSourceOf, sourcesOf } from '../src/config/load.js';
import { rootAgency } from '../src/domain/codes.js';
import { DAY_MS, formatDay, parseDay } from '../src/domain/time.js';
import { mapProcedure } from '../src/normalise/fields.js';
import { compareCounts, type Provincial } from '../src/reconcile/compare.js';
import { countPeriod } from '../src/reconcile/count-store.js';
import { examinable } from '../src/reconcile/explain.js';
import { indexInput, isWaiting, provinceIndex } from '../src/reconcile/index-points.js';
import { groupKey, type GroupKey } from '../src/domain/group.js';
import { METRICS } from '../schemas/metrics.js';
import { makePeriod, type Period } from '../src/domain/period.js';
import { withAgencyTotals, zeroCounts, type Figures } from '../src/domain/figures.js';
import type { ReportedStats } from '../src/sources/source.js';
import { withFailedJobs, type ProvinceSummary } from '../src/store/runs.js';
import { defineJob, failedChildren, type FailedChild, type JobContext } from '../src/queue/context.js';
import { jobIds } from '../src/queue/flows.js';

/**
 * The province's own figures, per agency and procedure, from the one source that supplies
 * them (`figuresSourceOf`: several sources of a province each count only their own share).
 * Never throws: what went wrong is in `note`.
 */
export async function provincialFigures(
  ctx: Pick<JobContext, 'config' | 'source' | 'logger'>,
  province: string,
  period: Period,
): Promise<{ provincial: Provincial | undefined; note: ProvincialStats }> {
  const cfg = figuresSourceOf(ctx.config, province);
  if (!cfg)
    return {
      provincial: undefined,
      note: {
        status: 'not offered',
        why: "no source is named to supply the province's own figures (provincialFigures)",
      },
    };
  const source = ctx.source(cfg.id);
  if (typeof source.stats !== 'function')
    return { provincial: undefined, note: { status: 'not offered', why: `source ${cfg.id} offers no statistics` } };
  let stats: ReportedStats;
  try {
    stats = await source.stats(period, { procedure: true });
  } catch (err) {
    const why = `source ${cfg.id}: ${err instanceof Error ? err.message : String(err)}`;
    ctx.logger.warn({ province, why }, 'provincial statistics unavailable: comparing local and national only');
    return { provincial: undefined, note: { status: 'unavailable', why } };
  }
  // The province counts under its own procedure codes: map them as its dossiers were mapped
  // (two local codes may map to one national code: their figures add up).
  const sums = new Map<GroupKey, Figures>();
  for (const f of withAgencyTotals(stats.figures)) {
    const procedure = f.procedure === null ? null : mapProcedure(f.procedure, cfg.procedureMap);
    const key = groupKey(f.agency, procedure);
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = { agency: f.agency, procedure, counts: zeroCounts() }));
    for (const m of METRICS) sum.counts[m] += f.counts[m];
  }
  return { provincial: { figures: [...sums.values()], reported: stats.reported }, note: { status: 'ok', why: null } };
}

/**
 * Why the national feed is too stale to compare against, or null: the province's own dossiers
 * (in the store) were updated in the last `staleAfterDays` days, yet the portal shows none of
 * its dossiers updated in those same days. Days without updates on either side (a past month
 * reconciled long after, a quiet province) are no sign of staleness. The portal is asked
 * first (one request); the store is asked only when the portal shows nothing, and answers
 * from its newest version's mark (`Store.updatedIn`, src/store/newest.ts).
 */
export async function staleNationalFeed(
  ctx: Pick<JobContext, 'config' | 'national' | 'store'>,
  province: string,
  windowTo: number,
): Promise<string | null> {
  const staleAfterDays = ctx.config.national.staleAfterDays;
  if (staleAfterDays === 0) return null;
  // whole Vietnam days, as the portal counts them: from the start of the first day to windowTo
  const days = { start: parseDay(formatDay(windowTo - staleAfterDays * DAY_MS))!, end: windowTo };
  const onPortal = await ctx.national().count(rootAgency(province), days, 'CapNhat');
  if (onPortal > 0) return null;
  const updated = await ctx.store.updatedIn(province, days);
  if (updated === undefined) return null;
  return `national feed stale: no dossier of ${province} updated on the portal since ${formatDay(days.start)}, while the province updated ${updated.code} on ${formatDay(updated.updatedAt)}`;
}

/** Each source of the province: whether its sync reached `windowTo`, why not, and its run's counters. */
async function sourceSummaries(
  ctx: Pick<JobContext, 'config' | 'store'>,
  runId: string,
  province: string,
  windowTo: number,
  failures: FailedChild[],
): Promise<ProvinceSummary['sources']> {
  const sources: ProvinceSummary['sources'] = [];
  for (const s of sourcesOf(ctx.config, province)) {
    const cp = await ctx.store.getCheckpoint(province, s.id);
    const counters = await ctx.store.syncCounters(province, s.id, runId);
    const complete = cp.syncedTo !== null && cp.syncedTo >= windowTo;
    const failure = failures.find((f) => f.data.source === s.id)?.reason;
    sources.push({
      id: s.id,
      status: complete ? 'complete' : 'failed',
      error: complete ? null : (failure ?? 'sync did not finish'),
      ...counters,
    });
  }
  return sources;
}

/** Queues the province's one explanation pass, under the run's root like the reconciliation itself. */
async function queueExplanation(
  ctx: Pick<JobContext, 'job' | 'queue'>,
  runId: string,
  province: string,
  period: ReconcileProvincePayload['period'],
): Promise<void> {
  const parent = ctx.job.parent;
  // a replay's reconciliation (`…@replay-…`) has its own explanation: the night's, or an
  // earlier replay's, is another job under another parent, which BullMQ will not move
  const own = jobIds.reconcile(runId, province);
  const replay = ctx.job.id?.startsWith(own) ? ctx.job.id.slice(own.length) : '';
  await ctx.queue.add(
    'explain-province',
    { runId, province, period },
    {
      jobId: jobIds.explain(runId, province) + replay,
      ignoreDependencyOnFailure: true,
      ...(parent?.id ? { parent: { id: parent.id, queue: parent.queueKey } } : {}),
    },
  );
}

export const reconcileProvince = defineJob({
  name: 'reconcile-province',
  payload: reconcileProvincePayload,
  async handler({ runId, province, period: p, windowTo }, ctx) {
    const period = makePeriod(p.from, p.to);
    const failures = await failedChildren(ctx); // its syncs (a night's, or a replay's)
    const sources = await sourceSummaries(ctx, runId, province, windowTo, failures);
    const failed = sources.filter((s) => s.status === 'failed');
    const failedJobs = failures.map((f) => ({ job: f.name, id: f.id, reason: f.reason }));
    const summary: ProvinceSummary = {
      province,
      // a sync that failed after its source's window was complete still says so
      coverage: withFailedJobs({ status: 'complete', why: null }, failedJobs),
      sources,
      agencies: 0,
      mismatches: [],
      provincialStats: { status: 'not offered', why: null },
    };
    if (failed.length) {
      const why = failed.map((s) => `source ${s.id}: ${s.error}`).join('; ');
      summary.coverage = {
        status: failed.length === sources.length ? 'failed' : 'partial',
        why,
        ...(failedJobs.length ? { failedJobs } : {}),
      };
      summary.provincialStats = { status: 'unavailable', why: 'not fetched: the province was not compared' };
      await ctx.runs.setProvince(runId, summary);
      ctx.logger.warn({ runId, province, why }, 'province not compared: its sync did not complete');
      return summary;
    }

    // this province's national requests, for its report
    const meter = ctx.national().metered();
    const metered = { ...ctx, national: () => meter };
    const recordLoad = async () => {
      const load = meter.load;
      meter.load = { requests: 0, records: 0 };
      await ctx.runs.addNationalLoad(runId, province, load);
    };
    const stale = await staleNationalFeed(metered, province, windowTo).finally(recordLoad);
    if (stale) {
      summary.coverage = withFailedJobs({ status: 'partial', why: stale }, failedJobs);
      summary.provincialStats = { status: 'unavailable', why: 'not fetched: the province was not compared' };
      await ctx.runs.setProvince(runId, summary);
      ctx.logger.warn({ runId, province, why: stale }, 'province not compared: the national feed is stale');
      return summary;
    }

    // the portal's and the province's figures are asked for first: they are computed there while the store is counted here
    const figures = Promise.all([
      meter.stats(rootAgency(province), period, { agency: true, procedure: true }).then(withAgencyTotals),
      provincialFigures(ctx, province, period),
    ]).finally(recordLoad);
    figures.catch(() => undefined); // awaited below, after the count; a failure is not unhandled meanwhile
    const counted = await countPeriod(ctx.store, province, period, ctx.config.counting, ctx.storeThread);
    const local = counted.figures();
    const waiting = counted.dossiers(isWaiting); // for the service index: dossiers past due while waiting for a supplement
    const [national, { provincial, note }] = await figures;
    summary.provincialStats = note;
    summary.mismatches = compareCounts(local, national, ctx.config.tolerances, provincial);
    summary.agencies = new Set([...local, ...national].map((f) => f.agency)).size;
    const index = ctx.config.index;
    if (index?.enabled)
      summary.index = provinceIndex(
        indexInput(local, national, waiting, provincial),
        [],
        period,
        ctx.config.counting,
        index,
      );
    await ctx.runs.setProvince(runId, summary);

    // One explanation pass for the whole province, under the run's root like this job.
    if (summary.mismatches.some(examinable)) await queueExplanation(ctx, runId, province, p);
    ctx.logger.info({ runId, province, mismatches: summary.mismatches.length }, 'province reconciled');
    return { province, mismatches: summary.mismatches.length };
  },
});
