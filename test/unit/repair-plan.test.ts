/** The repair plan and the check of pushed dossiers: pure functions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { FINDING_KINDS, UNEXPLAINED, type Finding, type FindingKind } from '../../schemas/report.js';
import { REPAIRABLE_KINDS } from '../../schemas/repair.js';
import { checkRepairs, planRepair, repairBatches, repairKey, type PlanInput } from '../../src/reconcile/repair.js';

const side = {
  status: 4,
  receivedAt: null,
  dueAt: null,
  finishedAt: null,
  returnedAt: null,
  updatedAt: null,
  procedure: '1.000001',
};
function finding(code: string, kind: FindingKind, agency = '000.00.12.H49'): Finding {
  return {
    dossierCode: kind === UNEXPLAINED ? '' : code,
    agency,
    kind,
    metrics: ['received'],
    evidence: { local: side, national: side },
  };
}
function record(code: string, agency = '000.00.12.H49'): CanonicalDossier {
  return {
    code,
    agency,
    procedure: '1.000001',
    status: 9,
    channel: 1,
    digitised: false,
    paidOnline: false,
    receivedAt: 1,
    dueAt: 2,
    finishedAt: 3,
    returnedAt: null,
    updatedAt: 4000,
  };
}

function input(findings: Finding[], over: Partial<PlanInput> = {}): PlanInput {
  const records = new Map(
    findings
      .filter((f) => f.dossierCode)
      .map((f) => [repairKey('H49', f.dossierCode), record(f.dossierCode, f.agency)]),
  );
  return {
    runId: 'r1',
    provinces: [{ province: 'H49', findings }],
    records,
    done: new Set(),
    filters: {},
    maxDossiers: 1000,
    ...over,
  };
}

describe('planRepair', () => {
  it('pushes the four repairable kinds (missing_national as new, the rest as updates) and lists the others with what to do', () => {
    const findings = FINDING_KINDS.map((k, i) => finding(`C-${i}`, k)).concat(finding('', UNEXPLAINED));
    const plan = planRepair(input(findings));
    expect(plan.push.map((p) => [p.kind, p.isUpdate]).sort()).toEqual([
      ['date_shift', true],
      ['definition_drift', true],
      ['missing_national', false],
      ['status_lag', true],
    ]);
    expect(plan.manual.map((m) => m.kind).sort()).toEqual([
      'code_divergence',
      'duplicate_national',
      'missing_local',
      'unexplained',
    ]);
    for (const m of plan.manual) expect(m.action.length).toBeGreaterThan(20);
  });

  it('applies --province, --kind, --agency and --limit, the cap, and skips what was pushed or is no longer stored', () => {
    const findings = [
      finding('A', 'status_lag'),
      finding('B', 'status_lag', '000.00.13.H49'),
      finding('C', 'date_shift'),
      finding('D', 'status_lag'),
      finding('E', 'status_lag'),
    ];
    expect(planRepair(input(findings, { filters: { kinds: ['date_shift'] } })).push.map((p) => p.dossierCode)).toEqual([
      'C',
    ]);
    expect(
      planRepair(input(findings, { filters: { agencies: ['000.00.13.H49'] } })).push.map((p) => p.dossierCode),
    ).toEqual(['B']);
    expect(planRepair(input(findings, { filters: { provinces: ['H56'] } })).push).toEqual([]);
    const capped = planRepair(input(findings, { maxDossiers: 3, filters: { limit: 2 } }));
    expect([capped.push.length, capped.leftOver]).toEqual([2, 3]);
    const i = input(findings, { done: new Set([repairKey('H49', 'A')]) });
    (i.records as Map<string, CanonicalDossier>).delete(repairKey('H49', 'C'));
    const plan = planRepair(i);
    expect(plan.alreadyRepaired.map((p) => p.dossierCode)).toEqual(['A']);
    expect(plan.notStored.map((p) => p.dossierCode)).toEqual(['C']);
    expect(plan.push.map((p) => p.dossierCode)).toEqual(['D', 'E', 'B']);
  });

  it('never plans a push outside the repairable findings that pass the filters, the cap or the done set (property)', () => {
    const kinds = [...FINDING_KINDS, UNEXPLAINED] as FindingKind[];
    const arb = fc.record({
      findings: fc.array(
        fc.record({
          code: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
          kind: fc.constantFrom(...kinds),
          agency: fc.constantFrom('X', 'Y'),
        }),
        { maxLength: 30 },
      ),
      kindFilter: fc.option(fc.subarray([...kinds]), { nil: undefined }),
      agencyFilter: fc.option(fc.subarray(['X', 'Y']), { nil: undefined }),
      limit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      cap: fc.integer({ min: 1, max: 8 }),
      done: fc.subarray(['A', 'B', 'C', 'D', 'E', 'F']),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const findings = a.findings.map((f) => finding(f.code, f.kind, f.agency));
        const plan = planRepair(
          input(findings, {
            filters: { kinds: a.kindFilter, agencies: a.agencyFilter, limit: a.limit },
            maxDossiers: a.cap,
            done: new Set(a.done.map((c) => repairKey('H49', c))),
          }),
        );
        const allowed = findings.filter(
          (f) =>
            (REPAIRABLE_KINDS as readonly string[]).includes(f.kind) &&
            (!a.kindFilter?.length || a.kindFilter.includes(f.kind)) &&
            (!a.agencyFilter?.length || a.agencyFilter.includes(f.agency)),
        );
        for (const p of plan.push) {
          expect(allowed.some((f) => f.dossierCode === p.dossierCode && f.kind === p.kind)).toBe(true);
          expect(a.done).not.toContain(p.dossierCode);
        }
        expect(new Set(plan.push.map((p) => p.dossierCode)).size).toBe(plan.push.length);
        expect(plan.push.length).toBeLessThanOrEqual(Math.min(a.cap, a.limit ?? Infinity));
      }),
    );
  });
});

describe('repairBatches', () => {
  it('cuts at the size and at each province', () => {
    const p = (province: string, code: string) => ({
      province,
      dossierCode: code,
      agency: 'a',
      kind: 'status_lag' as const,
      isUpdate: true,
    });
    const batches = repairBatches([p('H12', '1'), p('H12', '2'), p('H12', '3'), p('H49', '4')], 2);
    expect(batches.map((b) => b.map((x) => x.dossierCode))).toEqual([['1', '2'], ['3'], ['4']]);
  });
});

describe('checkRepairs', () => {
  const pending = (code: string, agency = '000.00.12.H49') => ({
    runId: 'r1',
    province: 'H49',
    dossierCode: code,
    agency,
    at: '2026-11-01T00:00:00Z',
  });
  it('verifies a dossier no longer found, fails one still found, and leaves one of an agency with an unexplained figure pending', () => {
    const findings = [finding('B', 'status_lag'), { ...finding('', UNEXPLAINED), agency: '000.00.13.H49' }];
    const out = checkRepairs([pending('A'), pending('B'), pending('C', '000.00.13.H49')], findings);
    expect(out.checks).toEqual([
      { dossierCode: 'A', repairRun: 'r1', status: 'verified' },
      { dossierCode: 'B', repairRun: 'r1', status: 'repair_failed', kind: 'status_lag' },
    ]);
    expect(out.undecided.map((p) => p.dossierCode)).toEqual(['C']);
  });
});
