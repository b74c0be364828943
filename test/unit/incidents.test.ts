import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incident as incidentSchema, type Incident } from '../../schemas/incident.js';
import type { AlertMessage } from '../../schemas/alert.js';
import type { Finding, FindingKind, IncidentCause, Mismatch, RunReport } from '../../schemas/report.js';
import { docOf, htmlOf, slackOf, SLACK, splitText, textOf } from '../../src/alerts/message.js';
import { alertGroupKey, NAMED_IN_MESSAGE, planAlerts, type PlanOptions } from '../../src/alerts/plan.js';
import {
  awaitingExplanation,
  causesOf,
  incidentKey,
  incidentScope,
  LEGACY_NOTE,
  resolve,
  transitions,
  type Cause,
} from '../../src/reconcile/incidents.js';
import { withFailedJobs } from '../../src/store/runs.js';
import { TELEGRAM_MAX_CHARS } from '../../src/alerts/channels.js';

const period = { from: '2026-10-01', to: '2026-10-31' };
const docOfEn = (a: AlertMessage) => docOf(a, 'en');
const A = '000.00.12.H49';
const B = '000.00.13.H49';
const m = (
  agency: string,
  metric: string,
  local: number,
  national: number,
  extra: Partial<Mismatch> = {},
): Mismatch => ({
  agency,
  procedure: null,
  metric,
  local,
  national,
  provincial: null,
  ...extra,
});
const f = (code: string, agency: string, kind: FindingKind, metrics: string[], procedure = '1.000001'): Finding => ({
  dossierCode: code,
  agency,
  kind,
  metrics,
  evidence: {
    local: {
      status: 10,
      receivedAt: null,
      dueAt: null,
      finishedAt: null,
      returnedAt: null,
      updatedAt: null,
      procedure,
    },
    national: null,
  },
});
const run = (n: number) => ({ runId: `r${n}`, at: `2026-11-0${n}T18:00:00.000Z` });
const cause = (agency: string, kind: IncidentCause, dossiers: string[], residual = 0): Cause => ({
  agency,
  cause: kind,
  dossiers,
  lines: [{ procedure: null, metric: 'received' }],
  residual,
});
const night = (n: number, known: Incident[], causes: Cause[]) => transitions(run(n), 'H49', period, known, causes);
const codes = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `${A}-261002-${String(from + i).padStart(4, '0')}`);

describe('incident keys', () => {
  it('one per province, period, agency and cause, readable, and no code can break one', () => {
    expect(incidentKey('H49', period, A, 'missing_national')).toBe(`H49/2026-10-01..2026-10-31/${A}/missing_national`);
    const part = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(part, part, part, part, (p1, a1, p2, a2) => {
        const k1 = incidentKey(p1, period, a1, 'status_lag');
        const k2 = incidentKey(p2, period, a2, 'status_lag');
        expect(k1 === k2).toBe(p1 === p2 && a1 === a2);
        expect(k1.split('/').map(decodeURIComponent)).toEqual([p1, '2026-10-01..2026-10-31', a1, 'status_lag']);
      }),
    );
  });
});

describe('causesOf', () => {
  it('groups the findings by agency and kind, with the figures their dossiers move', () => {
    const mismatches = [
      m(A, 'received', 10, 7),
      m(A, 'processed', 5, 4),
      m(A, 'received', 3, 2, { procedure: '1.000001' }),
      m(B, 'late', 2, 3),
    ];
    const findings = [
      f('c2', A, 'missing_national', ['received']),
      f('c1', A, 'missing_national', ['received', 'processed']),
      f('c3', A, 'missing_national', ['received'], '1.000009'),
      f('c4', A, 'status_lag', ['processed']),
      f('c5', B, 'status_lag', ['late']),
    ];
    const causes = causesOf(mismatches, findings);
    expect(
      causes.map((c) => [c.agency, c.cause, c.dossiers, c.lines.map((l) => `${l.metric}@${l.procedure ?? '*'}`)]),
    ).toEqual([
      [A, 'missing_national', ['c1', 'c2', 'c3'], ['received@*', 'processed@*', 'received@1.000001']],
      [A, 'status_lag', ['c4'], ['processed@*']],
      [B, 'status_lag', ['c5'], ['late@*']],
    ]);
  });

  it('one unexplained incident per agency for the figures left with a residual', () => {
    const mismatches = [
      m(A, 'received', 10, 7, { residual: -1, explainedBy: { count: 2, codes: ['c1', 'c2'] } }),
      m(A, 'processed', 5, 4, { residual: 2, explainedBy: { count: 0, codes: [] } }),
      m(A, 'late', 5, 4, { residual: 0, explainedBy: { count: 1, codes: ['c1'] } }),
    ];
    const findings = [
      f('c1', A, 'missing_national', ['received', 'late']),
      f('c2', A, 'missing_national', ['received']),
    ];
    const un = causesOf(mismatches, findings).find((c) => c.cause === 'unexplained')!;
    expect(un).toMatchObject({ agency: A, dossiers: [], residual: 3 });
    expect(un.lines).toEqual([
      { procedure: null, metric: 'received', residual: -1 },
      { procedure: null, metric: 'processed', residual: 2 },
    ]);
  });

  it('a figure never examined that no dossier moves is unexplained by its whole gap', () => {
    const causes = causesOf(
      [m(A, 'received', 10, 7), m(B, 'processed', 4, 6)],
      [f('c1', A, 'missing_national', ['received'])],
    );
    expect(causes.map((c) => [c.agency, c.cause, c.residual])).toEqual([
      [A, 'missing_national', 0],
      [B, 'unexplained', 2],
    ]);
  });
});

describe('incident transitions', () => {
  it('opens, keeps open, worsens with more dossiers, names the fixed ones, resolves, and reopens with its history', () => {
    const first = night(1, [], [cause(A, 'missing_national', codes(3))]);
    expect(first.map((t) => [t.event, t.added.length])).toEqual([['opened', 3]]);
    const opened = first[0]!.incident;
    expect(opened).toMatchObject({
      key: `H49/2026-10-01..2026-10-31/${A}/missing_national`,
      status: 'open',
      cause: 'missing_national',
      dossiers: codes(3),
    });

    const second = night(2, [opened], [cause(A, 'missing_national', codes(3))]);
    expect(second.map((t) => [t.event, t.added, t.fixed])).toEqual([['still_open', [], []]]);
    const third = night(3, [second[0]!.incident], [cause(A, 'missing_national', codes(4))]);
    expect(third.map((t) => [t.event, t.added])).toEqual([['worsened', codes(1, 4)]]);
    const better = night(4, [third[0]!.incident], [cause(A, 'missing_national', codes(2, 3))]);
    expect(better.map((t) => [t.event, t.fixed])).toEqual([['still_open', codes(2)]]); // fewer dossiers: not a new alarm, but news
    const fifth = night(5, [better[0]!.incident], []);
    expect(fifth.map((t) => [t.event, t.incident.status, t.fixed])).toEqual([['resolved', 'resolved', codes(2, 3)]]);
    expect(fifth[0]!.incident.history.map((h) => [h.event, h.dossiers])).toEqual([
      ['opened', 3],
      ['still_open', 3],
      ['worsened', 4],
      ['still_open', 2],
      ['resolved', 0],
    ]);

    const again = night(6, [fifth[0]!.incident], [cause(A, 'missing_national', codes(1))]);
    expect(again.map((t) => t.event)).toEqual(['opened']);
    expect(again[0]!.incident.history).toHaveLength(6);
  });

  it('an unexplained incident worsens when its residual grows', () => {
    const [o] = night(1, [], [cause(A, 'unexplained', [], 2)]);
    expect(night(2, [o!.incident], [cause(A, 'unexplained', [], 3)]).map((t) => t.event)).toEqual(['worsened']);
    expect(night(2, [o!.incident], [cause(A, 'unexplained', [], 1)]).map((t) => t.event)).toEqual(['still_open']);
  });

  it('applies a run once: the same run again changes nothing', () => {
    const [t] = night(1, [], [cause(A, 'status_lag', codes(1))]);
    expect(night(1, [t!.incident], [cause(A, 'status_lag', codes(1))])).toEqual([]);
  });

  it('reads an incident stored under a per-metric key, and resolves it with a note', () => {
    const stored = {
      key: `H49|2026-10-01..2026-10-31|${A}|*|received`,
      province: 'H49',
      period,
      agency: A,
      procedure: null,
      metric: 'received',
      status: 'open',
      openedAt: run(1).at,
      updatedAt: run(1).at,
      gap: 2,
      history: [{ runId: 'r1', at: run(1).at, event: 'opened', local: 10, national: 8 }],
    };
    const legacy = incidentSchema.parse(stored);
    expect(legacy).toMatchObject({
      cause: null,
      lines: [{ procedure: null, metric: 'received' }],
      residual: 2,
      dossiers: [],
    });
    const done = resolve(legacy, run(2), LEGACY_NOTE);
    expect(done.status).toBe('resolved');
    expect(done.history.map((h) => [h.event, h.note ?? null, h.local ?? null])).toEqual([
      ['opened', null, 10],
      ['resolved', LEGACY_NOTE, null],
    ]);
    expect(incidentSchema.parse(JSON.parse(JSON.stringify(done)))).toEqual(done);
  });
});

describe('a province compared whose explanation failed', () => {
  const explainFailed = { job: 'explain-province', id: 'explain@r2@H49', reason: 'national: HTTP 503' };
  const source = { id: 'h49', status: 'complete' as const } as never;
  it('is told from a province not compared: only a failed explanation lets incidents open', () => {
    const mismatches = [m(A, 'received', 10, 7)];
    const partial = withFailedJobs({ status: 'complete', why: null }, [explainFailed]);
    expect(incidentScope({ coverage: { status: 'complete', why: null }, sources: [source], mismatches })).toBe('all');
    expect(incidentScope({ coverage: partial, sources: [source], mismatches })).toBe('open');
    // replayed and failed again: still only its explanation
    const again = withFailedJobs(partial, [{ ...explainFailed, id: 'explain@r2@H49@replay-1' }]);
    expect(incidentScope({ coverage: again, sources: [source], mismatches })).toBe('open');
    const syncFailed = { job: 'sync-source', id: 'sync@r2@h49', reason: 'HTTP 503' };
    const notSynced = withFailedJobs({ status: 'partial', why: 'source h49: HTTP 503' }, [syncFailed]);
    const failedSource = { ...(source as object), status: 'failed' } as never;
    expect(incidentScope({ coverage: notSynced, sources: [failedSource, source], mismatches: [] })).toBe('none');
    // a stale feed: not compared, no mismatches stored
    const stale = withFailedJobs({ status: 'partial', why: 'national feed stale' }, [explainFailed]);
    expect(incidentScope({ coverage: stale, sources: [source], mismatches: [] })).toBe('none');
    const both = withFailedJobs({ status: 'complete', why: null }, [explainFailed, syncFailed]);
    expect(incidentScope({ coverage: both, sources: [source], mismatches })).toBe('none');
  });

  it('opens its gaps as explanation_failed and resolves nothing; the explanation replayed takes their place', () => {
    const first = night(1, [], [cause(A, 'missing_national', codes(2)), cause(B, 'status_lag', ['b-1'])]);
    const known = first.map((t) => t.incident);
    const causes = awaitingExplanation([m(A, 'received', 10, 7), m(A, 'processed', 4, 4), m(B, 'received', 3, 5)]);
    expect(causes.map((c) => [c.agency, c.cause, c.residual, c.lines.map((l) => l.residual)])).toEqual([
      [A, 'explanation_failed', 3, [-3]],
      [B, 'explanation_failed', 2, [2]],
    ]);
    const failed = transitions(run(2), 'H49', period, known, causes, 'open');
    expect(failed.map((t) => [t.incident.cause, t.event])).toEqual([
      ['explanation_failed', 'opened'],
      ['explanation_failed', 'opened'],
    ]);
    const all = [...known, ...failed.map((t) => t.incident)];
    // the same run finished again once explained: the real causes, and the failed explanation resolved
    const replayed = transitions(run(2), 'H49', period, all, [cause(A, 'missing_national', codes(2))]);
    expect(replayed.map((t) => [t.incident.cause, t.incident.agency, t.event]).sort()).toEqual(
      [
        ['explanation_failed', A, 'resolved'],
        ['explanation_failed', B, 'resolved'],
        ['missing_national', A, 'still_open'],
        ['status_lag', B, 'resolved'],
      ].sort(),
    );
    // a retry of the failed night's finish changes nothing
    expect(transitions(run(2), 'H49', period, all, causes, 'open')).toEqual([]);
  });
});

describe('planAlerts', () => {
  const report = (provinces: string[], incomplete: string[] = []): RunReport => ({
    runId: 'r3',
    period,
    window: { to: '2026-11-03T18:00:00.000Z' },
    startedAt: '2026-11-03T18:00:00.000Z',
    finishedAt: null,
    status: 'running',
    provinces: provinces.map((province) => ({
      province,
      coverage: { status: incomplete.includes(province) ? 'partial' : 'complete', why: null },
      sources: [],
      agencies: 1,
      mismatches: [],
      incidents: [],
      findings: [],
    })),
  });
  const now = Date.parse('2026-11-03T18:00:00.000Z');
  const opts = (o: Partial<PlanOptions['alerts']> = {}, lastSent = new Map<string, number>()): PlanOptions => ({
    alerts: { groupBy: 'province', repeatHours: 0, summary: 'changes', dashboardUrl: 'https://dsync.example', ...o },
    now,
    lastSent,
  });
  const inProvince = (p: string, n: number, known: Incident[], causes: Cause[]) =>
    transitions(run(n), p, period, known, causes);
  const h49 = inProvince(
    'H49',
    1,
    [],
    [cause(A, 'missing_national', codes(30)), cause(A, 'status_lag', codes(2, 40)), cause(A, 'unexplained', [], 2)],
  );
  const h56 = inProvince('H56', 1, [], [cause('000.00.01.H56', 'date_shift', ['x'])]);

  it('one message per province listing what opened, and one summary, each linking to the run page', () => {
    const { planned, groups } = planAlerts(report(['H49', 'H56']), [...h49, ...h56], opts());
    expect(planned.map((p) => [p.alert.type, p.alert.type === 'group' ? p.alert.group.province : null])).toEqual([
      ['group', 'H49'],
      ['group', 'H56'],
      ['summary', null],
    ]);
    expect(groups).toEqual([alertGroupKey('province', period, 'H49'), alertGroupKey('province', period, 'H56')]);
    const first = planned[0]!.alert;
    if (first.type !== 'group') throw new Error('not a group');
    expect(first.url).toBe('https://dsync.example/runs/r3');
    expect(first.incidents.map((i) => [i.event, i.cause, i.dossiers, i.added.first.length])).toEqual([
      ['opened', 'missing_national', 30, NAMED_IN_MESSAGE],
      ['opened', 'status_lag', 2, 2],
      ['opened', 'unexplained', 0, 0],
    ]);
    const text = textOf(docOfEn(first));
    expect(text).toContain('H49 Quảng Ninh, 2026-10-01 .. 2026-10-31: 3 opened');
    expect(text).toContain(
      `${A} — not synced to the national portal: 30 dossiers: ${codes(20).join(', ')} and 10 more`,
    );
    expect(text).toContain('Run r3: https://dsync.example/runs/r3');
  });

  it('one message for the whole run with groupBy run', () => {
    const { planned } = planAlerts(
      report(['H49', 'H56']),
      [...h49, ...h56],
      opts({ groupBy: 'run', dashboardUrl: undefined }),
    );
    expect(planned.map((p) => p.alert.type)).toEqual(['group', 'summary']);
    const g = planned[0]!.alert;
    expect(g.type === 'group' && [g.group, g.url, g.incidents.length]).toEqual([
      { by: 'run', province: null },
      null,
      4,
    ]);
    expect(textOf(docOfEn(g))).toContain('H56 Thanh Hóa · 000.00.01.H56 — date shifted by 7 hours: 1 dossier: x');
  });

  it('nothing for a night that changed nothing; a repeat once repeatHours have passed', () => {
    const still = inProvince(
      'H49',
      2,
      h49.map((t) => t.incident),
      h49.map((t) => ({ ...cause(t.incident.agency, t.incident.cause!, t.incident.dossiers, t.incident.residual) })),
    );
    expect(still.map((t) => t.event)).toEqual(['still_open', 'still_open', 'still_open']);
    expect(planAlerts(report(['H49']), still, opts()).planned).toEqual([]);
    const g = alertGroupKey('province', period, 'H49');
    expect(
      planAlerts(report(['H49']), still, opts({ repeatHours: 24 }, new Map([[g, now - 3600_000]]))).planned,
    ).toEqual([]);
    const repeat = planAlerts(
      report(['H49']),
      still,
      opts({ repeatHours: 24 }, new Map([[g, now - 25 * 3600_000]])),
    ).planned;
    expect(repeat.map((p) => p.alert.type === 'group' && [p.alert.repeat, p.alert.incidents.length])).toEqual([
      [true, 3],
      false,
    ]);
    expect(textOf(docOfEn(repeat[0]!.alert))).toContain('3 incidents still open');
  });

  it('names the dossiers fixed in an incident still open, and the resolved incidents', () => {
    const next = inProvince(
      'H49',
      2,
      h49.map((t) => t.incident),
      [cause(A, 'missing_national', codes(27, 4)), cause(A, 'unexplained', [], 2)],
    );
    const { planned } = planAlerts(report(['H49']), next, opts({ summary: 'never' }));
    expect(planned).toHaveLength(1);
    const text = textOf(docOfEn(planned[0]!.alert));
    expect(text).toContain('H49 Quảng Ninh, 2026-10-01 .. 2026-10-31: 1 resolved');
    expect(text).toContain(`no longer differ: ${codes(3).join(', ')}; still 27 dossiers`);
    expect(text).toContain(`${A} — national status behind: no longer differ: ${codes(2, 40).join(', ')}`);
  });

  it('a summary when a province was not compared completely, even with nothing else to say; always or never on request', () => {
    expect(planAlerts(report(['H49'], ['H49']), [], opts()).planned.map((p) => p.alert.type)).toEqual(['summary']);
    expect(planAlerts(report(['H49']), [], opts()).planned).toEqual([]);
    expect(planAlerts(report(['H49']), [], opts({ summary: 'always' })).planned.map((p) => p.alert.type)).toEqual([
      'summary',
    ]);
    expect(
      planAlerts(report(['H49'], ['H49']), h49, opts({ summary: 'never' })).planned.map((p) => p.alert.type),
    ).toEqual(['group']);
  });

  it('never alerts an incident stored under a per-metric key', () => {
    const legacy = { ...h49[0]!, incident: { ...h49[0]!.incident, cause: null } };
    expect(planAlerts(report(['H49']), [legacy], opts()).planned).toEqual([]);
  });
});

describe('message layouts', () => {
  const many = transitions(
    run(1),
    'H49',
    period,
    [],
    Array.from({ length: 250 }, (_, i) =>
      cause(`000.${String(i).padStart(3, '0')}.H49`, 'missing_national', codes(25, i * 100)),
    ),
  );
  const { planned } = planAlerts(
    { runId: 'r1', period, window: { to: '' }, startedAt: '', finishedAt: null, status: 'running', provinces: [] },
    many,
    {
      alerts: { groupBy: 'province', repeatHours: 0, summary: 'never', dashboardUrl: 'https://d.example' },
      now: 0,
      lastSent: new Map(),
    },
  );
  const doc = docOfEn(planned[0]!.alert);

  it('Slack: Block Kit sections within Slack limits, the rest left to the run page', () => {
    const { blocks, text } = slackOf(doc);
    expect(text).toContain('250 opened');
    expect(blocks.length).toBeLessThanOrEqual(SLACK.blocks);
    const sections = blocks.filter((b) => (b as { type: string }).type === 'section') as { text: { text: string } }[];
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.text.text.length).toBeLessThanOrEqual(SLACK.sectionChars);
    expect(sections.at(-1)!.text.text).toMatch(/more sections: see the run's page/);
    expect(JSON.stringify(blocks.at(-1))).toContain('<https://d.example/runs/r1|Run r1 on the dashboard>');
  });

  it('Telegram: parts within 4,096 characters, cut at line ends, nothing lost', () => {
    const text = textOf(doc);
    expect(text.length).toBeGreaterThan(3 * TELEGRAM_MAX_CHARS);
    const parts = splitText(text, TELEGRAM_MAX_CHARS);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
    const lines = (t: string) => t.split('\n').filter(Boolean);
    expect(lines(parts.join('\n'))).toEqual(lines(text));
    expect(splitText('x'.repeat(10) + '\nab', 4)).toEqual(['xxxx', 'xxxx', 'xx', 'ab']);
  });

  it("in Vietnamese, the team's language, by default", () => {
    const vi = textOf(docOf(planned[0]!.alert, 'vi'));
    expect(vi).toContain('H49 Quảng Ninh, 2026-10-01 .. 2026-10-31: 250 mở mới');
    expect(vi).toContain(
      `000.000.H49 — chưa đồng bộ lên Cổng quốc gia: 25 hồ sơ: ${codes(20, 0).join(', ')} và 5 mục khác; chỉ tiêu bị ảnh hưởng: tiếp nhận trong kỳ`,
    );
    expect(vi).toContain('Lượt đối soát r1: https://d.example/runs/r1');
  });

  it('e-mail: HTML with every value escaped', () => {
    const html = htmlOf({
      lang: 'en',
      title: 'a <b> & "c"',
      sections: [{ heading: 'H', lines: ['<script>'] }],
      url: 'https://d.example/runs/r"1',
      runId: 'r"1',
    });
    expect(html).toContain('<h2>a &lt;b&gt; &amp; &quot;c&quot;</h2>');
    expect(html).toContain('<li>&lt;script&gt;</li>');
    expect(html).not.toContain('<script>');
  });
});
