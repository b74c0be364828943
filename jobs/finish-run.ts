/**
 * Runs after every province (and its explanation pass) of a run: moves the incidents of each
 * completely covered province, opens those of a compared province whose explanation failed
 * (`explanation_failed`, resolving nothing), enqueues the alerts, and marks the run's report
 * complete.
 * A replay runs it again for the replayed provinces only (`provinces`).
 */
import { createHash } from 'node:crypto';
import { finishRunPayload } from '../schemas/jobs.js';
import type { RunReport } from '../schemas/report.js';
import { alertGroupKey, planAlerts } from '../src/alerts/plan.js';
import {
  awaitingExplanation,
  causesOf,
  incidentScope,
  incidentSize,
  LEGACY_NOTE,
  resolve,
  transitions,
  type Transition,
} from '../src/reconcile/incidents.js';
import type { Config } from '../src/config/load.js';
import { checkEarlierRepairs } from '../src/queue/repair.js';
import { groupBy } from '../src/util/group.js';
import { defineJob, failedChildren, type FailedChild, type JobContext } from '../src/queue/context.js';
import { jobIds } from '../src/queue/flows.js';

/** The province a failed job worked for: named in its payload, or its source's; undefined when neither says. */
function provinceOf(child: FailedChild, config: Config): string | undefined {
  const { province, source } = child.data;
  if (typeof province === 'string') return province;
  return typeof source === 'string' ? config.sources.find((s) => s.id === source)?.province : undefined;
}

/** Whether every configured source synced its window in the run (every province, every source). */
function syncedEverySource(report: RunReport, config: Config): boolean {
  const complete = new Set(
    report.provinces.flatMap((p) => p.sources.filter((s) => s.status === 'complete').map((s) => s.id)),
  );
  return config.sources.every((s) => complete.has(s.id));
}

/**
 * Records the run's jobs that failed for good (its provinces' reconciliations and whatever
 * they enqueued under the run, such as their explanation passes) against their provinces, which
 * stop being complete; a job that names no province counts against every one of `provinces`.
 */
async function recordFailures(ctx: JobContext, runId: string, provinces: string[]): Promise<void> {
  const byProvince = groupBy(await failedChildren(ctx), (f) => provinceOf(f, ctx.config));
  const unplaced = byProvince.get(undefined) ?? [];
  for (const province of provinces) {
    const jobs = [...(byProvince.get(province) ?? []), ...unplaced].map((f) => ({
      job: f.name,
      id: f.id,
      reason: f.reason,
    }));
    if (jobs.length) await ctx.runs.addFailedJobs(runId, province, jobs);
  }
}

/** How often, and how far apart, one message is tried on one channel before it fails. */
const ALERT_ATTEMPTS = { attempts: 5, backoff: { type: 'exponential', delay: 2000 } };

export const finishRun = defineJob({
  name: 'finish-run',
  payload: finishRunPayload,
  async handler({ runId, then, provinces: only }, ctx) {
    const meta = await ctx.runs.meta(runId);
    if (!meta) throw new Error(`run ${runId} does not exist`);
    await recordFailures(ctx, runId, only ?? meta.provinces);
    const full = (await ctx.runs.report(runId))!;
    const before = only ? { ...full, provinces: full.provinces.filter((p) => only.includes(p.province)) } : full;
    const now = ctx.clock();
    const run = { runId, at: now.toISOString() };
    const legacy = await ctx.incidents.resolveLegacy(run, (i) => resolve(i, run, LEGACY_NOTE));
    if (legacy)
      ctx.logger.info(
        { runId, resolved: legacy },
        'incidents under per-metric keys resolved: incidents now follow causes',
      );

    const byProvince = new Map<string, Transition[]>();
    for (const p of before.provinces) {
      // docs/domain.md, Incidents: a province not compared moves no incident; one compared whose
      // explanation failed opens its mismatches as `explanation_failed` and resolves nothing
      const scope = incidentScope(p);
      if (scope === 'none') continue;
      const known = await ctx.incidents.forPeriod(p.province, before.period);
      const causes = scope === 'all' ? causesOf(p.mismatches, p.findings) : awaitingExplanation(p.mismatches);
      const t = transitions(run, p.province, before.period, known, causes, scope);
      if (t.length) byProvince.set(p.province, t); // none: nothing moved, or this run already moved them (a retry, a replay)
    }
    const changes = [...byProvince.values()].flat();

    // The alerts are enqueued before the incidents move: a retry after a crash in between
    // plans the same messages again, under the same job ids, which BullMQ adds once.
    const { alerts } = ctx.config;
    const alertJobs: string[] = [];
    if (alerts.channels.length) {
      const told = new Set(changes.map((c) => alertGroupKey(alerts.groupBy, before.period, c.incident.province)));
      const { planned, groups } = planAlerts(before, changes, {
        alerts,
        now: now.getTime(),
        lastSent: await ctx.incidents.groupsLastSent([...told]),
      });
      // A replay's messages are named by what they say too: a replay that changes it (a province
      // now complete) sends them, one that changes nothing finds its ids taken and sends nothing.
      const subject = (s: string, alert: unknown) =>
        createHash('sha1')
          .update(only ? `${s}@${only.join(',')}@${JSON.stringify(alert)}` : s)
          .digest('hex')
          .slice(0, 16);
      const jobs = alerts.channels.flatMap((c) =>
        planned.map((p) => ({
          name: 'send-alert',
          data: { runId, channel: c.name, alert: p.alert },
          opts: { jobId: jobIds.alert(runId, c.name, subject(p.subject, p.alert)), ...ALERT_ATTEMPTS },
        })),
      );
      await ctx.queue.addBulk(jobs);
      await ctx.incidents.markGroupsSent(groups, now);
      alertJobs.push(...jobs.map((j) => j.opts.jobId));
    }

    for (const [province, t] of byProvince) {
      await ctx.incidents.save(t.map((x) => x.incident));
      await ctx.runs.setIncidents(
        runId,
        province,
        t.map((x) => ({ key: x.incident.key, event: x.event, gap: incidentSize(x.incident) })),
      );
    }
    const repairsChecked = await checkEarlierRepairs(ctx, before, meta.startedAt, now);
    // A scheduled night moves the catch-up marker once every source has synced, a replay included.
    if (meta.scheduled && syncedEverySource(full, ctx.config)) await ctx.runs.markNight(Date.parse(meta.window.to));
    await ctx.runs.finish(runId, now);
    const [following, ...rest] = then;
    if (following) await ctx.queue.add('nightly', { ...following, then: rest }, { jobId: jobIds.then(runId) });
    const findings = before.provinces.reduce((n, p) => n + p.findings.length, 0);
    ctx.logger.info(
      { runId, findings, incidents: changes.length, alerts: alertJobs.length, repairsChecked },
      'run complete',
    );
    return { runId, findings, incidents: changes.map((c) => c.event), alerts: alertJobs };
  },
});
