import { describe, expect, it } from 'vitest';
import type { Incident } from '../../schemas/incident.js';
import type { Mismatch, RunReport } from '../../schemas/report.js';
import { planAlerts } from '../../src/alerts/plan.js';
import { slackText } from '../../src/alerts/webhook.js';
import { incidentKey, transitions } from '../../src/reconcile/incidents.js';

const period = { from: '2026-10-01', to: '2026-10-31' };
const m = (metric: string, local: number, national: number): Mismatch => ({ agency: '000.00.12.H49', procedure: null, metric, local, national, provincial: null });
const run = (n: number) => ({ runId: `r${n}`, at: `2026-11-0${n}T18:00:00.000Z` });

function night(n: number, known: Incident[], mismatches: Mismatch[]) {
  return transitions(run(n), 'H49', period, known, mismatches);
}

describe('incident transitions', () => {
  it('opens, keeps open, worsens and resolves one incident per key', () => {
    const first = night(1, [], [m('received', 10, 8)]);
    expect(first.map((t) => t.event)).toEqual(['opened']);
    const opened = first[0]!.incident;
    expect(opened).toMatchObject({ key: 'H49|2026-10-01..2026-10-31|000.00.12.H49|*|received', status: 'open', gap: 2 });

    const second = night(2, [opened], [m('received', 10, 8)]);
    expect(second.map((t) => t.event)).toEqual(['still_open']);
    const third = night(3, [second[0]!.incident], [m('received', 11, 8)]);
    expect(third.map((t) => [t.event, t.incident.gap])).toEqual([['worsened', 3]]);
    const better = night(4, [third[0]!.incident], [m('received', 9, 8)]);
    expect(better.map((t) => t.event)).toEqual(['still_open']); // a smaller gap is not a new alarm
    const fifth = night(5, [better[0]!.incident], []);
    expect(fifth.map((t) => [t.event, t.incident.status])).toEqual([['resolved', 'resolved']]);
    expect(fifth[0]!.incident.history.map((h) => h.event)).toEqual(['opened', 'still_open', 'worsened', 'still_open', 'resolved']);

    const again = night(6, [fifth[0]!.incident], [m('received', 12, 8)]);
    expect(again.map((t) => t.event)).toEqual(['opened']);
    expect(again[0]!.incident.history).toHaveLength(6); // reopened with its history
  });

  it('applies a run once: the same run again changes nothing', () => {
    const [t] = night(1, [], [m('received', 10, 8)]);
    expect(night(1, [t!.incident], [m('received', 10, 8)])).toEqual([]);
  });

  it('keys include the procedure when the mismatch is per procedure', () => {
    expect(incidentKey('H49', period, { agency: 'A', procedure: '1.001234', metric: 'late' })).toBe('H49|2026-10-01..2026-10-31|A|1.001234|late');
  });
});

describe('planAlerts', () => {
  const report: RunReport = {
    runId: 'r3', period, window: { to: '2026-11-03T18:00:00.000Z' }, startedAt: '2026-11-03T18:00:00.000Z', finishedAt: null, status: 'running',
    provinces: [{
      province: 'H49', coverage: { status: 'complete', why: null }, sources: [], agencies: 1, mismatches: [m('received', 11, 8)], incidents: [],
      findings: [{ dossierCode: '000.00.12.H49-261002-0001', agency: '000.00.12.H49', kind: 'missing_national', metrics: ['received'], evidence: { local: null, national: null } }],
    }],
  };
  const opened = night(1, [], [m('received', 10, 8)]);
  const worsened = night(3, [opened[0]!.incident], [m('received', 11, 8)]);
  const key = opened[0]!.incident.key;
  const now = Date.parse('2026-11-03T18:00:00.000Z');

  it('alerts a new incident with its causes, and a summary', () => {
    const plan = planAlerts(report, opened, { summary: true, cooldownMs: 0, now, lastAlerted: new Map() });
    expect(plan.map((p) => p.alert.type)).toEqual(['incident', 'summary']);
    expect(plan[0]!.alert).toMatchObject({ event: 'opened', local: 10, national: 8, findings: { missing_national: 1 } });
    expect(slackText(plan[0]!.alert)).toContain('*New mismatch* in H49 Quảng Ninh (2026-10-01 .. 2026-10-31)');
    expect(slackText(plan[1]!.alert)).toContain('• H49 Quảng Ninh: complete, 1 mismatches');
  });

  it('holds back a worsened incident inside its cooldown, and sends it after', () => {
    const cooldownMs = 6 * 3600_000;
    const inside = planAlerts(report, worsened, { summary: false, cooldownMs, now, lastAlerted: new Map([[key, now - 3600_000]]) });
    expect(inside).toEqual([]);
    const after = planAlerts(report, worsened, { summary: false, cooldownMs, now, lastAlerted: new Map([[key, now - 7 * 3600_000]]) });
    expect(after.map((p) => p.alert.type === 'incident' && p.alert.event)).toEqual(['worsened']);
  });

  it('never alerts a still-open or resolved incident', () => {
    const still = night(2, [opened[0]!.incident], [m('received', 10, 8)]);
    const resolved = night(2, [opened[0]!.incident], []);
    expect(planAlerts(report, [...still, ...resolved], { summary: false, cooldownMs: 0, now, lastAlerted: new Map() })).toEqual([]);
  });
});
