/**
 * Turns one run's mismatches into incident transitions: a key not open is opened (again,
 * keeping its history, if it was resolved before), a key still open is still_open (or
 * worsened when its gap grew), an open key no longer mismatched is resolved. Pure: the
 * store keeps the incidents, this decides.
 */
import type { Incident, IncidentEvent } from '../../schemas/incident.js';
import type { Mismatch } from '../../schemas/report.js';

export function incidentKey(province: string, period: { from: string; to: string }, m: Pick<Mismatch, 'agency' | 'procedure' | 'metric'>): string {
  return `${province}|${period.from}..${period.to}|${m.agency}|${m.procedure ?? '*'}|${m.metric}`;
}

export interface Transition {
  incident: Incident;
  event: IncidentEvent;
}

/**
 * @param known the province's incidents for this period, open or resolved
 * @param mismatches this run's mismatches for the province (only for a completely covered province)
 */
export function transitions(
  run: { runId: string; at: string },
  province: string,
  period: { from: string; to: string },
  known: Incident[],
  mismatches: Mismatch[],
): Transition[] {
  const byKey = new Map(known.map((i) => [i.key, i]));
  const seen = new Set<string>();
  const out: Transition[] = [];
  for (const m of mismatches) {
    const key = incidentKey(province, period, m);
    seen.add(key);
    const gap = Math.abs(m.national - m.local);
    const step = { runId: run.runId, at: run.at, local: m.local, national: m.national };
    const prev = byKey.get(key);
    if (prev?.history.at(-1)?.runId === run.runId) continue; // this run was already applied
    if (!prev || prev.status === 'resolved') {
      const incident: Incident = {
        key, province, period, agency: m.agency, procedure: m.procedure, metric: m.metric,
        status: 'open', openedAt: run.at, updatedAt: run.at, gap, history: [...(prev?.history ?? []), { ...step, event: 'opened' }],
      };
      out.push({ incident, event: 'opened' });
      continue;
    }
    const event: IncidentEvent = gap > prev.gap ? 'worsened' : 'still_open';
    out.push({ incident: { ...prev, gap, updatedAt: run.at, history: [...prev.history, { ...step, event }] }, event });
  }
  for (const prev of known) {
    if (prev.status !== 'open' || seen.has(prev.key) || prev.history.at(-1)?.runId === run.runId) continue;
    const incident: Incident = {
      ...prev, status: 'resolved', gap: 0, updatedAt: run.at,
      history: [...prev.history, { runId: run.runId, at: run.at, event: 'resolved', local: null, national: null }],
    };
    out.push({ incident, event: 'resolved' });
  }
  return out;
}
