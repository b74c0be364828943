/**
 * A repair batch that fails for good (the portal refuses every attempt of its push whole) is
 * reported failed and pushes nothing; asked again, the batch runs again under the same id and
 * pushes each dossier once.
 */
import { describe, expect, it } from 'vitest';
import { executeRepair, planRunRepair } from '../../src/queue/repair.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { useRepairNight } from '../helpers/repair.js';

const redis = useRedis();
const world = generateWorld({
  seed: 59,
  month: '2026-10',
  provinces: ['H49'],
  dossiersPerProvince: 300,
  inject: {
    notSynced: 2,
    statusLag: 1,
    dateShift: 0,
    definitionDrift: 0,
    missingLocal: 0,
    replacedCode: 0,
    unmappedProcedure: 0,
    duplicateNational: 0,
  },
});
const night1 = useRepairNight(world, redis, { sim: { push: { refuseCalls: 3 } } }); // the worker's 3 attempts

describe('a repair batch that failed for good', () => {
  it('is reported failed, pushes nothing, and runs again on the next repair, pushing each dossier once', async () => {
    const plan = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(plan.push).toHaveLength(3);
    const failed = await executeRepair(night1.rt, plan, 'tester', 60_000);
    expect(failed.failed).toHaveLength(1);
    expect(failed.failed[0]!.reason).toMatch(/BUSY/);
    expect(failed.records).toEqual([]);
    expect(night1.sim.nationalPushes()).toEqual([]);

    const again = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(again.push.map((p) => p.dossierCode)).toEqual(plan.push.map((p) => p.dossierCode));
    const out = await executeRepair(night1.rt, again, 'tester', 60_000);
    expect(out.failed).toEqual([]);
    expect(out.records.map((r) => r.outcome)).toEqual(['stored', 'stored', 'stored']);
    expect(night1.sim.nationalPushes().map((p) => [p.code, p.received])).toEqual(
      plan.push.map((p) => [p.dossierCode, 1]).sort(),
    );
  });
});
