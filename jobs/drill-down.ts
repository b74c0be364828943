/** One mismatched (agency, metric): finds the dossiers behind it and records why each differs. */
import { drillDownPayload } from '../schemas/jobs.js';
import { METRICS, makePeriod, type Metric } from '../src/reconcile/counting.js';
import { drillDown } from '../src/reconcile/drill-down.js';
import { UnrecoverableError } from 'bullmq';
import { defineJob } from './context.js';

export const drillDownJob = defineJob({
  name: 'drill-down',
  payload: drillDownPayload,
  async handler({ runId, province, agency, procedure, metric, period: p }, ctx) {
    if (!(METRICS as readonly string[]).includes(metric)) throw new UnrecoverableError(`unknown metric "${metric}"`);
    const { findings, unreadable } = await drillDown(
      { store: ctx.store, national: ctx.national(), rules: ctx.config.counting, lookbackDays: ctx.config.national.lookbackDays },
      { province, agency, procedure, metric: metric as Metric, period: makePeriod(p.from, p.to) },
    );
    if (unreadable) ctx.logger.warn({ runId, province, agency, unreadable }, 'national items that could not be read');
    await ctx.runs.addFindings(runId, province, procedure === null ? metric : `${metric}@${procedure}`, findings);
    return { findings: findings.length, unreadable };
  },
});
