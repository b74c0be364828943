/**
 * Which messages a finished run sends, Alertmanager-style: per group (a province, or the
 * whole run) at most one message, listing the incidents that opened, worsened or resolved
 * and those some of whose dossiers no longer differ; nothing for a group where nothing
 * changed, unless its incidents are still open and it was last told `repeatMs` ago or more;
 * and one summary of the run.
 */
import type { AlertIncident, AlertMessage, GroupAlert } from '../../schemas/alert.js';
import type { AlertsConfig } from '../../schemas/config.js';
import { UNEXPLAINED, type RunReport } from '../../schemas/report.js';
import type { Transition } from '../reconcile/incidents.js';
import { groupBy } from '../util/group.js';

/** The causes with most points at stake a summary names per province (the run's page has them all). */
export const INDEX_CAUSES_TOLD = 3;

export interface PlannedAlert {
  /** Stable per run and subject, so a retried run does not send twice. */
  subject: string;
  alert: AlertMessage;
}

/** The most dossier codes, and figures, one incident names in a message (the run page has them all). */
export const NAMED_IN_MESSAGE = 20;

/** An alert group's key, stable across nights: the repeat interval is kept per group. */
export function alertGroupKey(
  by: AlertsConfig['groupBy'],
  period: { from: string; to: string },
  province: string,
): string {
  return [by, `${period.from}..${period.to}`, ...(by === 'province' ? [province] : [])]
    .map(encodeURIComponent)
    .join('/');
}

/** The run's page on the dashboard, when its address is configured. */
export function runUrl(dashboardUrl: string | undefined, runId: string): string | null {
  return dashboardUrl ? `${dashboardUrl}/runs/${encodeURIComponent(runId)}` : null;
}

const ORDER = { opened: 0, worsened: 1, resolved: 2, still_open: 3 } as const;

/** Some of a list: how many, and the first NAMED_IN_MESSAGE. */
const some = <T>(list: readonly T[]) => ({ count: list.length, first: list.slice(0, NAMED_IN_MESSAGE) });

function item({ incident: i, event, added, fixed }: Transition): AlertIncident {
  const sorted = (list: readonly string[]) => some([...list].sort());
  return {
    key: i.key,
    province: i.province,
    agency: i.agency,
    cause: i.cause!,
    event,
    dossiers: event === 'resolved' ? 0 : i.dossiers.length,
    added: sorted(added),
    fixed: sorted(fixed),
    lines: some(i.lines),
    residual: i.residual,
  };
}

/** What in a transition is news: an incident opened, worsened or resolved, or some of its dossiers fixed. */
const isNews = (t: Transition) => t.event !== 'still_open' || t.fixed.length > 0;

export interface PlanOptions {
  alerts: Pick<AlertsConfig, 'groupBy' | 'repeatHours' | 'summary' | 'dashboardUrl'>;
  now: number;
  /** When each group was last sent a message (epoch ms). */
  lastSent: Map<string, number>;
}

/**
 * @param changes the transitions of the incidents of the run's completely compared provinces
 * @returns the messages, and the groups they tell (to be marked sent)
 */
export function planAlerts(
  report: RunReport,
  changes: Transition[],
  opts: PlanOptions,
): { planned: PlannedAlert[]; groups: string[] } {
  const { alerts, now, lastSent } = opts;
  const url = runUrl(alerts.dashboardUrl, report.runId);
  const planned: PlannedAlert[] = [];
  const groups: string[] = [];
  const causes = changes.filter((t) => t.incident.cause !== null);
  for (const [group, list] of groupBy(causes, (t) =>
    alertGroupKey(alerts.groupBy, report.period, t.incident.province),
  )) {
    const news = list.filter(isNews);
    const last = lastSent.get(group);
    const repeat =
      news.length === 0 &&
      alerts.repeatHours > 0 &&
      (last === undefined || now - last >= alerts.repeatHours * 3600_000);
    const told = repeat ? list.filter((t) => t.incident.status === 'open') : news;
    if (told.length === 0) continue;
    const incidents = told
      .map(item)
      .sort(
        (a, b) =>
          ORDER[a.event] - ORDER[b.event] ||
          a.province.localeCompare(b.province) ||
          a.agency.localeCompare(b.agency) ||
          a.cause.localeCompare(b.cause),
      );
    const alert: GroupAlert = {
      type: 'group',
      runId: report.runId,
      period: report.period,
      group: { by: alerts.groupBy, province: alerts.groupBy === 'province' ? list[0]!.incident.province : null },
      url,
      repeat,
      incidents,
    };
    planned.push({ subject: `group-${group}`, alert });
    groups.push(group);
  }
  const incomplete = report.provinces.some((p) => p.coverage.status !== 'complete');
  if (alerts.summary === 'always' || (alerts.summary === 'changes' && (planned.length > 0 || incomplete))) {
    const count = (province: string, e: string) =>
      causes.filter((c) => c.incident.province === province && c.event === e).length;
    planned.push({
      subject: 'summary',
      alert: {
        type: 'summary',
        runId: report.runId,
        period: report.period,
        url,
        provinces: report.provinces.map((p) => ({
          province: p.province,
          coverage: p.coverage.status,
          why: p.coverage.why,
          mismatches: p.mismatches.length,
          findings: p.findings.filter((f) => f.kind !== UNEXPLAINED).length,
          opened: count(p.province, 'opened'),
          worsened: count(p.province, 'worsened'),
          resolved: count(p.province, 'resolved'),
          failedJobs: p.coverage.failedJobs ?? [],
          driftRules: (p.driftRules ?? []).map((d) => ({ ...d, dossiers: some(d.dossiers) })),
          ...(p.index ? { index: { total: p.index.total, byCause: p.index.byCause.slice(0, INDEX_CAUSES_TOLD) } } : {}),
        })),
      },
    });
  }
  return { planned, groups };
}
