/**
 * Every root cause (docs/domain.md, Root causes) at once: a simulated month over three provinces with
 * each kind injected (both forms of code divergence), through the real pipeline (simulators
 * over HTTP, a private Redis, the BullMQ flow of runNightly). The findings must equal the
 * simulator's ground truth exactly: precision and recall 1.0, per kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../schemas/report.js';
import { FINDING_KINDS } from '../../schemas/report.js';
import { runNightly } from '../../src/queue/nightly.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';
import { expectFindingsMatchTruth } from '../helpers/truth.js';

const redis = useRedis();
const PROVINCES = ['H49', 'H56', 'H12'];
const world: World = generateWorld({
  seed: 17,
  month: '2026-10',
  provinces: PROVINCES,
  dossiersPerProvince: 1500,
  inject: {
    notSynced: 2,
    statusLag: 2,
    dateShift: 2,
    missingLocal: 2,
    replacedCode: 2,
    unmappedProcedure: 2,
    definitionDrift: 2,
    duplicateNational: 2,
  },
});

let sim: Simulator;
let rt: Runtime;
let report: RunReport;

beforeAll(async () => {
  sim = await startSimulator(world);
  rt = simRuntime(simConfig(sim, world, redis), world);
  rt.startWorker();
  report = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await sim?.close();
});

describe('root causes over a simulated month', () => {
  it('injects every kind, on distinct dossiers', () => {
    const kinds = new Set(world.truth.map((t) => t.kind));
    expect(kinds).toEqual(new Set(FINDING_KINDS));
    for (const p of PROVINCES) {
      const mine = world.truth.filter((t) => t.province === p);
      expect(mine).toHaveLength(2 * 8);
      expect(mine.filter((t) => t.form === 'replaced_code')).toHaveLength(2);
      expect(mine.filter((t) => t.form === 'unmapped_procedure')).toHaveLength(2);
    }
    expect(new Set(world.truth.map((t) => t.dossierCode)).size).toBe(world.truth.length);
  });

  it('reconciles every province completely', () => {
    expect(report.status).toBe('complete');
    for (const p of report.provinces) {
      expect(p.coverage).toEqual({ status: 'complete', why: null });
      expect(p.sources[0]!.applied).toBe(1500);
      expect(p.mismatches.length).toBeGreaterThan(0);
    }
  });

  it('finds exactly the injected discrepancies: precision and recall 1.0, per kind', () => {
    expectFindingsMatchTruth(report, world.truth);
  });

  it('accounts for every examined mismatch to the last dossier: residual 0, explained by findings', () => {
    for (const p of report.provinces) {
      const codes = new Set(p.findings.map((f) => f.dossierCode));
      const examined = p.mismatches.filter((m) => m.residual !== null && m.residual !== undefined);
      expect(examined.length).toBe(p.mismatches.length); // two-way: every mismatch is local ≠ national
      for (const m of examined) {
        expect(m.residual).toBe(0);
        expect(m.explainedBy!.count).toBeGreaterThan(0);
        for (const c of m.explainedBy!.codes) expect(codes.has(c)).toBe(true);
      }
      expect(p.nationalRequests).toBeGreaterThan(0);
      expect(p.nationalRecords).toBeGreaterThan(0);
    }
  });

  it('keeps evidence of both sides, with both codes for a replaced code and a duplicate', () => {
    const findings = new Map(report.provinces.flatMap((p) => p.findings.map((f) => [f.dossierCode, f] as const)));
    for (const t of world.truth) {
      const f = findings.get(t.dossierCode)!;
      expect(f.metrics.length).toBeGreaterThan(0);
      const { local, national } = f.evidence;
      switch (t.kind) {
        case 'missing_national':
          expect(local).not.toBeNull();
          expect(national).toBeNull();
          break;
        case 'missing_local':
          expect(local).toBeNull();
          expect(national).not.toBeNull();
          break;
        default:
          expect(local).not.toBeNull();
          expect(national).not.toBeNull();
      }
      if (t.form === 'unmapped_procedure') {
        expect(national!.procedure).toBe(`${local!.procedure}.000.00.00.${t.province}`);
        expect(world.procedureMap[national!.procedure]).toBe(local!.procedure);
      }
      if (t.kind === 'definition_drift') expect(national!.finishedAt).toBe(local!.returnedAt);
      if (t.form === 'replaced_code' || t.kind === 'duplicate_national') {
        expect(local!.receivedAt).toBe(national!.receivedAt);
        expect(local!.dueAt).toBe(national!.dueAt);
      }
    }
  });

  it('never reports the national code of a replaced code, nor the original of a duplicate', () => {
    const codes = new Set(report.provinces.flatMap((p) => p.findings.map((f) => f.dossierCode)));
    const others = world.truth.filter((t) => t.related !== undefined).map((t) => t.related!);
    expect(others.length).toBe(3 * 4);
    for (const c of others) expect(codes.has(c)).toBe(false);
  });
});
