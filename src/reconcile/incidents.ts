/**
 * Turns one run's explanation of a province into incident transitions. An incident is a
 * cause: the dossiers of one root-cause kind at one agency (with the figures they move), or
 * an agency's figures its dossiers leave unexplained. A cause not open is opened (again,
 * keeping its history, if it was resolved before); one still open is still_open, or worsened
 * when it holds more dossiers or a bigger residual; an open incident whose dossiers no longer
 * differ is resolved. Pure: the store keeps the incidents, this decides.
 */
import type { Incident, IncidentEvent, IncidentLine } from '../../schemas/incident.js';
import {
  EXPLANATION_FAILED,
  UNEXPLAINED,
  type Finding,
  type IncidentCause,
  type Mismatch,
  type ProvinceReport,
} from '../../schemas/report.js';
import { groupBy } from '../util/group.js';

type Period = { from: string; to: string };
type Run = { runId: string; at: string };

/**
 * `H49/2026-10-01..2026-10-31/000.00.12.H49/missing_national`: each part URI-encoded, so no
 * code can break the key, and the same cause keeps the same key night after night.
 */
export function incidentKey(province: string, period: Period, agency: string, cause: IncidentCause): string {
  return [province, `${period.from}..${period.to}`, agency, cause].map(encodeURIComponent).join('/');
}

/** What one run says about one incident-to-be: its dossiers and the figures they move. */
export interface Cause {
  agency: string;
  cause: IncidentCause;
  /** Sorted, distinct; empty for `unexplained` and `explanation_failed`. */
  dossiers: string[];
  lines: IncidentLine[];
  /** For `unexplained` and `explanation_failed`: the sum of its lines' |residual|. */
  residual: number;
}

/** Whether an incident of this cause is sized by its residual (its figures), not by dossiers. */
export function byResidual(cause: IncidentCause | null): boolean {
  return cause === UNEXPLAINED || cause === EXPLANATION_FAILED || cause === null;
}

/**
 * What a province's report lets its incidents do (docs/domain.md, Incidents): `all` for a
 * completely covered province (open, move and resolve); `open` for one whose counts were
 * compared and whose only failure is its explanation pass (its mismatches open or keep open
 * `explanation_failed` incidents, nothing is resolved: causes not examined are no evidence of
 * a fix); `none` for one not compared (a sync that did not finish, a stale feed, a failed
 * reconciliation): nothing moves.
 */
export function incidentScope(p: Pick<ProvinceReport, 'coverage' | 'sources' | 'mismatches'>): 'all' | 'open' | 'none' {
  const { coverage } = p;
  if (coverage.status === 'complete') return 'all';
  const failed = coverage.failedJobs ?? [];
  // Compared: every source synced and mismatches stored (a province not compared stores none),
  // and nothing but its explanation failed.
  const onlyExplanation =
    coverage.status === 'partial' &&
    failed.length > 0 &&
    failed.every((j) => j.job === 'explain-province') &&
    p.sources.every((s) => s.status === 'complete') &&
    p.mismatches.length > 0;
  return onlyExplanation ? 'open' : 'none';
}

/**
 * The causes of a compared province whose explanation failed: per agency, its mismatched
 * figures by their whole gap (national − local), as `explanation_failed`.
 */
export function awaitingExplanation(mismatches: readonly Mismatch[]): Cause[] {
  const left = mismatches.filter((m) => m.national !== m.local);
  return [...groupBy(left, (m) => m.agency)].map(([agency, group]) => ({
    agency,
    cause: EXPLANATION_FAILED,
    dossiers: [],
    lines: group.map((m) => ({ procedure: m.procedure, metric: m.metric, residual: m.national - m.local })),
    residual: group.reduce((s, m) => s + Math.abs(m.national - m.local), 0),
  }));
}

const lineId = (l: { procedure: string | null; metric: string }) => `${l.metric}@${l.procedure ?? ''}`;

/**
 * The causes of a province's mismatches in one run: its findings by (agency, kind), each
 * with the mismatched figures its dossiers move (those whose `explainedBy` names one of them,
 * or the figures of a metric the dossiers were found under, at an agency either side files
 * them under, for the agency's total or one of their procedures); and, per agency, the figures left with a residual. A figure
 * never examined (no residual: a report without an explanation) whose local and national
 * counts differ and that no cause moves is unexplained by its whole gap.
 */
export function causesOf(mismatches: readonly Mismatch[], findings: readonly Finding[]): Cause[] {
  const out: Cause[] = [];
  const claimed = new Set<string>();
  for (const [, group] of groupBy(
    findings.filter((f) => f.kind !== UNEXPLAINED && f.dossierCode !== ''),
    (f) => `${f.agency}\n${f.kind}`,
  )) {
    const { agency, kind } = group[0]!;
    const dossiers = [...new Set(group.map((f) => f.dossierCode))].sort();
    const codes = new Set(dossiers);
    const metrics = new Set(group.flatMap((f) => f.metrics));
    const sides = group.flatMap((f) => [f.evidence.local, f.evidence.national]);
    const procedures = new Set(sides.map((s) => s?.procedure));
    // A dossier can count at another agency on one side (a replaced code is filed under the root agency nationally).
    const agencies = new Set([agency, ...sides.map((s) => s?.agency)]);
    const moved = mismatches.filter(
      (m) =>
        (m.explainedBy?.codes ?? []).some((c) => codes.has(c)) ||
        (agencies.has(m.agency) && metrics.has(m.metric) && (m.procedure === null || procedures.has(m.procedure))),
    );
    for (const m of moved) claimed.add(`${m.agency}\n${lineId(m)}`);
    out.push({
      agency,
      cause: kind,
      dossiers,
      lines: moved.map((m) => ({ procedure: m.procedure, metric: m.metric })),
      residual: 0,
    });
  }
  const left = mismatches.flatMap((m) => {
    const residual = m.residual ?? (claimed.has(`${m.agency}\n${lineId(m)}`) ? 0 : m.national - m.local);
    return residual === 0 ? [] : [{ m, residual }];
  });
  for (const [agency, group] of groupBy(left, (x) => x.m.agency)) {
    out.push({
      agency,
      cause: UNEXPLAINED,
      dossiers: [],
      lines: group.map(({ m, residual }) => ({ procedure: m.procedure, metric: m.metric, residual })),
      residual: group.reduce((s, x) => s + Math.abs(x.residual), 0),
    });
  }
  return out;
}

export interface Transition {
  incident: Incident;
  event: IncidentEvent;
  /** Dossiers that differ now and did not at the incident's last run (all of them when it opens). */
  added: string[];
  /** Dossiers that differed at its last run and no longer do (all of them when it resolves). */
  fixed: string[];
}

/** How big an incident is for the run report's `gap`: its dossiers, or its residual when unexplained. */
export function incidentSize(i: Pick<Incident, 'dossiers' | 'residual' | 'cause'>): number {
  return byResidual(i.cause) ? i.residual : i.dossiers.length;
}

const minus = (a: readonly string[], b: readonly string[]) => {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
};

/**
 * @param known the province's incidents for this period, open or resolved
 * @param causes this run's causes for the province (`causesOf` for a completely covered
 *   province, `awaitingExplanation` for one whose explanation failed)
 * @param scope `incidentScope`: with `open`, no incident is resolved; with `all`, an open
 *   `explanation_failed` incident is resolved even when this run opened it (a replayed
 *   explanation finishes the run again: the examined causes take its place)
 */
export function transitions(
  run: Run,
  province: string,
  period: Period,
  known: Incident[],
  causes: Cause[],
  scope: 'all' | 'open' = 'all',
): Transition[] {
  const byKey = new Map(known.map((i) => [i.key, i]));
  const seen = new Set<string>();
  const out: Transition[] = [];
  for (const c of causes) {
    const key = incidentKey(province, period, c.agency, c.cause);
    seen.add(key);
    const prev = byKey.get(key);
    if (prev?.history.at(-1)?.runId === run.runId) continue; // this run was already applied
    const step = { runId: run.runId, at: run.at, dossiers: c.dossiers.length, residual: c.residual };
    const now = { dossiers: c.dossiers, lines: c.lines, residual: c.residual, updatedAt: run.at };
    if (!prev || prev.status === 'resolved') {
      const incident: Incident = {
        key,
        province,
        period,
        agency: c.agency,
        cause: c.cause,
        status: 'open',
        openedAt: run.at,
        ...now,
        history: [...(prev?.history ?? []), { ...step, event: 'opened' }],
      };
      out.push({ incident, event: 'opened', added: c.dossiers, fixed: [] });
      continue;
    }
    const event: IncidentEvent =
      c.dossiers.length > prev.dossiers.length || c.residual > prev.residual ? 'worsened' : 'still_open';
    out.push({
      incident: { ...prev, ...now, history: [...prev.history, { ...step, event }] },
      event,
      added: minus(c.dossiers, prev.dossiers),
      fixed: minus(prev.dossiers, c.dossiers),
    });
  }
  if (scope === 'open') return out;
  for (const prev of known) {
    const applied = prev.history.at(-1)?.runId === run.runId && prev.cause !== EXPLANATION_FAILED;
    if (prev.status !== 'open' || seen.has(prev.key) || applied) continue;
    out.push({ incident: resolve(prev, run), event: 'resolved', added: [], fixed: prev.dossiers });
  }
  return out;
}

/** The incident resolved by `run`: it keeps the dossiers and figures it last had, for the record. */
export function resolve(prev: Incident, run: Run, note?: string): Incident {
  return {
    ...prev,
    status: 'resolved',
    updatedAt: run.at,
    history: [
      ...prev.history,
      { runId: run.runId, at: run.at, event: 'resolved', dossiers: 0, residual: 0, ...(note ? { note } : {}) },
    ],
  };
}

/** Why an incident stored under a per-metric key was resolved without its figure being compared again. */
export const LEGACY_NOTE =
  'resolved when incidents began to follow causes: this per-figure incident continues as the incidents of its causes';
