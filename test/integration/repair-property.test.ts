/**
 * Property over random worlds (root causes, filters, limits, cap): a repair pushes exactly the
 * dossiers of its plan, and its plan holds only the run's findings of the four repairable kinds
 * that pass the filters. The simulator counts what it was sent, per code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_KINDS } from '../../schemas/report.js';
import { REPAIRABLE_KINDS } from '../../schemas/repair.js';
import { executeRepair, planRunRepair } from '../../src/queue/repair.js';
import { startSimulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { night, repairDeployment } from '../helpers/repair.js';

const redis = useRedis();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-repair-property-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const count = fc.integer({ min: 0, max: 2 });
const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  inject: fc.record({
    notSynced: count,
    statusLag: count,
    dateShift: count,
    definitionDrift: count,
    missingLocal: count,
    replacedCode: count,
    unmappedProcedure: count,
    duplicateNational: count,
  }),
  kinds: fc.option(fc.subarray([...FINDING_KINDS], { minLength: 1 }), { nil: undefined }),
  limit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  maxDossiers: fc.integer({ min: 1, max: 10 }),
});

describe('nothing outside the plan is ever pushed', () => {
  it('holds over random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const world = generateWorld({
          seed: s.seed,
          month: '2026-10',
          provinces: ['H49'],
          dossiersPerProvince: 300,
          inject: s.inject,
        });
        const sim = await startSimulator(world);
        const { rt } = await repairDeployment(dir, sim, world, redis, { maxDossiers: s.maxDossiers, batchSize: 2 });
        try {
          rt.startWorker();
          const report = await night(rt, world);
          const plan = await planRunRepair(rt, report.runId, { kinds: s.kinds, limit: s.limit });
          const allowed = new Set(
            report.provinces[0]!.findings.filter(
              (f) =>
                (REPAIRABLE_KINDS as readonly string[]).includes(f.kind) &&
                (!s.kinds || (s.kinds as readonly string[]).includes(f.kind)),
            ).map((f) => f.dossierCode),
          );
          for (const p of plan.push) expect(allowed.has(p.dossierCode)).toBe(true);
          expect(plan.push.length).toBe(Math.min(allowed.size, s.maxDossiers, s.limit ?? Infinity));
          await executeRepair(rt, plan, 'property', 60_000);
          const pushed = sim.nationalPushes();
          expect(pushed.map((p) => p.code).sort()).toEqual(plan.push.map((p) => p.dossierCode).sort());
          for (const p of pushed) expect(p.received).toBe(1);
        } finally {
          await rt.close();
          await sim.close();
        }
      }),
      { numRuns: 5 },
    );
  }, 300_000);
});
