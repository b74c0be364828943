/**
 * The explanation pass of one province in a run (src/reconcile/gather.ts): every mismatch
 * explained from one gathering of each side, its findings and accounting written at once.
 * One job per province and run, with a deterministic id: a retry computes the same and
 * replaces what an earlier attempt wrote.
 */
import { explainProvincePayload } from '../schemas/jobs.js';
import { codeForms } from '../src/domain/codes.js';
import { makePeriod } from '../src/domain/period.js';
import { explainProvince } from '../src/reconcile/gather.js';
import { withFindings } from '../src/reconcile/index-points.js';
import { defineJob } from '../src/queue/context.js';
import { withFailedJobs } from '../src/store/runs.js';

export const explainProvinceJob = defineJob({
  name: 'explain-province',
  payload: explainProvincePayload,
  async handler({ runId, province, period: p }, ctx) {
    const summary = await ctx.runs.province(runId, province);
    if (!summary) throw new Error(`province ${province} of run ${runId} is not reconciled`);
    const national = ctx.national().metered();
    const spent = await ctx.runs.nationalRecords(runId);
    const cap = ctx.config.national.maxRecordsPerRun;
    const period = makePeriod(p.from, p.to);
    const out = await explainProvince(
      {
        store: ctx.store,
        national,
        rules: ctx.config.counting,
        lookbackDays: ctx.config.national.lookbackDays,
        recordBudget: cap === 0 ? Infinity : Math.max(0, cap - spent),
        codes: codeForms(ctx.config.codes.agencyPatterns), // docs/domain.md, Agency codes
        tolerances: ctx.config.tolerances, // docs/domain.md, Definition drift: what the comparison can see
        thread: ctx.storeThread, // a large province's store side is read there (src/reconcile/store-thread.ts)
      },
      province,
      period,
      summary.mismatches,
    );
    if (out.unreadable)
      ctx.logger.warn({ runId, province, unreadable: out.unreadable }, 'national items that could not be read');
    const driftRules = out.driftRules.length ? out.driftRules : undefined; // a retry's finding none replaces an earlier one's
    // the service index with the points at stake of these findings
    const cfg = ctx.config.index;
    const index =
      summary.index && cfg?.enabled
        ? withFindings(summary.index, out.findings, period, ctx.config.counting, cfg)
        : summary.index;
    // A compared province's coverage was complete but for the jobs that failed; an explanation
    // pass that failed and is now replayed no longer counts against it.
    const coverage = withFailedJobs(
      { status: 'complete', why: null },
      (summary.coverage.failedJobs ?? []).filter((j) => j.job !== 'explain-province'),
    );
    await ctx.runs.setExplanation(
      runId,
      { ...summary, coverage, mismatches: out.mismatches, driftRules, ...(index ? { index } : {}) },
      out.findings,
      national.load,
    );
    const unexplained = out.mismatches.filter(
      (m) => m.residual !== null && m.residual !== undefined && m.residual !== 0,
    ).length;
    const rules = out.driftRules.map((r) => r.rule);
    ctx.logger.info(
      { runId, province, findings: out.findings.length, unexplained, rules, ...national.load },
      'province explained',
    );
    return { findings: out.findings.length, unexplained, ...national.load };
  },
});
