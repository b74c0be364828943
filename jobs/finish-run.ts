/** Runs after every province (and every drill-down) of a run: marks the run's report complete. */
import { finishRunPayload } from '../schemas/jobs.js';
import { defineJob } from './context.js';

export const finishRun = defineJob({
  name: 'finish-run',
  payload: finishRunPayload,
  async handler({ runId }, ctx) {
    await ctx.runs.finish(runId, ctx.clock());
    const report = await ctx.runs.report(runId);
    const findings = report?.provinces.reduce((n, p) => n + p.findings.length, 0) ?? 0;
    ctx.logger.info({ runId, findings }, 'run complete');
    return { runId, findings };
  },
});
