/**
 * Which alerts a finished run sends: one per opened incident, one per worsened incident
 * outside its cooldown, and one summary per run, to every configured webhook.
 */
import type { AlertMessage, IncidentAlert } from '../../schemas/alert.js';
import type { RunReport } from '../../schemas/report.js';
import type { Transition } from '../reconcile/incidents.js';

export interface PlannedAlert {
  /** Stable per run and subject, so a retried run does not send twice. */
  subject: string;
  alert: AlertMessage;
}

export function planAlerts(
  report: RunReport,
  changes: Transition[],
  opts: { summary: boolean; cooldownMs: number; now: number; lastAlerted: Map<string, number> },
): PlannedAlert[] {
  const out: PlannedAlert[] = [];
  for (const { incident: i, event } of changes) {
    if (event !== 'opened' && event !== 'worsened') continue;
    const last = opts.lastAlerted.get(i.key);
    if (event === 'worsened' && last !== undefined && opts.now - last < opts.cooldownMs) continue;
    const step = i.history.at(-1)!;
    const findings: Record<string, number> = {};
    for (const f of report.provinces.find((p) => p.province === i.province)?.findings ?? []) {
      if (f.agency === i.agency && f.metrics.includes(i.metric)) findings[f.kind] = (findings[f.kind] ?? 0) + 1;
    }
    const alert: IncidentAlert = {
      type: 'incident', event, runId: report.runId, key: i.key, province: i.province, period: i.period,
      agency: i.agency, procedure: i.procedure, metric: i.metric, local: step.local ?? 0, national: step.national ?? 0, findings,
    };
    out.push({ subject: `${event}-${i.key}`, alert });
  }
  if (opts.summary) {
    const count = (province: string, e: string) => changes.filter((c) => c.incident.province === province && c.event === e).length;
    out.push({
      subject: 'summary',
      alert: {
        type: 'summary',
        runId: report.runId,
        period: report.period,
        provinces: report.provinces.map((p) => ({
          province: p.province, coverage: p.coverage.status, why: p.coverage.why, mismatches: p.mismatches.length, findings: p.findings.length,
          opened: count(p.province, 'opened'), worsened: count(p.province, 'worsened'), resolved: count(p.province, 'resolved'),
          failedJobs: p.coverage.failedJobs ?? [],
        })),
      },
    });
  }
  return out;
}
