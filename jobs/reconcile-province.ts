/**
 * Compares one province's counts with the national figures for the period, once its
 * sources have synced. Each mismatch becomes a drill-down job of the same run. A province
 * whose sync did not complete is reported partial or failed and is not compared.
 */
import { reconcileProvincePayload } from '../schemas/jobs.js';
import type { Mismatch } from '../schemas/report.js';
import { sourcesOf } from '../src/config/load.js';
import { rootAgency } from '../src/normalise/codes.js';
import { compareCounts, countStore } from '../src/reconcile/compare.js';
import { makePeriod, withAgencyTotals } from '../src/reconcile/counting.js';
import type { ProvinceSummary } from '../src/store/runs.js';
import { defineJob, jobIds } from './context.js';

/**
 * The mismatches worth a drill-down: those between local and national figures, per agency,
 * and per procedure where the agency's total for that metric agrees (codes that moved
 * between procedures, such as an unmapped local procedure code, show only there).
 */
export function drillTargets(mismatches: Mismatch[]): Mismatch[] {
  const national = mismatches.filter((m) => m.local !== m.national);
  const agencyLevel = new Set(national.filter((m) => m.procedure === null).map((m) => `${m.agency}|${m.metric}`));
  return national.filter((m) => m.procedure === null || !agencyLevel.has(`${m.agency}|${m.metric}`));
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
    };
    if (failed.length) {
      const why = failed.map((s) => `source ${s.id}: ${s.error}`).join('; ');
      summary.coverage = { status: failed.length === sources.length ? 'failed' : 'partial', why };
      await ctx.runs.setProvince(runId, summary);
      ctx.logger.warn({ runId, province, why }, 'province not compared: its sync did not complete');
      return summary;
    }

    const local = await countStore(ctx.store, province, period, ctx.config.counting);
    const national = withAgencyTotals(await ctx.national().stats(rootAgency(province), period, { agency: true, procedure: true }));
    summary.mismatches = compareCounts(local, national, ctx.config.tolerances);
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
