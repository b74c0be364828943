/**
 * The push's answers other than "stored", against the simulator over HTTP: a dossier the portal
 * got meanwhile (`EXISTS`: resent as an update), one it lost meanwhile (`NOT_FOUND`: resent as
 * new), a rejection (kept with its message, not resent), and a push the portal answers but
 * does not keep, which the next night marks `repair_failed`.
 */
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/format.js';
import { executeRepair, planRunRepair } from '../../src/queue/repair.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { findingsOf, night, useRepairNight } from '../helpers/repair.js';

const redis = useRedis();
const world = generateWorld({
  seed: 43,
  month: '2026-10',
  provinces: ['H49'],
  dossiersPerProvince: 600,
  inject: {
    notSynced: 2,
    statusLag: 2,
    dateShift: 2,
    definitionDrift: 2,
    missingLocal: 0,
    replacedCode: 0,
    unmappedProcedure: 0,
    duplicateNational: 0,
  },
});
const codesOf = (kind: string) =>
  world.truth
    .filter((t) => t.kind === kind)
    .map((t) => t.dossierCode)
    .sort();
const [appeared] = codesOf('missing_national'); // the portal gets it meanwhile
const [vanished] = codesOf('status_lag'); // the portal loses its copy meanwhile
const [refused] = codesOf('date_shift'); // the portal refuses it
const [lost] = codesOf('definition_drift'); // answered "stored", not kept

const night1 = useRepairNight(world, redis, {
  sim: {
    push: {
      reject: (item) =>
        item.MaHoSo === refused ? { error_code: 'INVALID', message: 'NgayHenTra is before NgayTiepNhan' } : undefined,
      lose: (code) => code === lost,
    },
  },
});

describe('push answers', () => {
  it('EXISTS is resent once as an update, NOT_FOUND once as new, a rejection is kept with its message', async () => {
    const local = new Map(expectedStore(world.provinces[0]!).map((d) => [d.code, d]));
    night1.sim.putNational('H49', { ...local.get(appeared!)!, status: 2 }); // someone pushed an older state
    night1.sim.dropNational('H49', vanished!);
    const plan = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(plan.push.length).toBe(8);
    const out = await executeRepair(night1.rt, plan, 'tester', 60_000);
    const by = new Map(out.records.map((r) => [r.dossierCode, r]));
    expect(by.get(appeared!)).toMatchObject({ outcome: 'stored', resent: true, code: '0', sent: { isUpdate: true } });
    expect(by.get(vanished!)).toMatchObject({ outcome: 'stored', resent: true, code: '0', sent: { isUpdate: false } });
    expect(by.get(refused!)).toMatchObject({
      outcome: 'rejected',
      resent: false,
      code: 'INVALID',
      message: 'NgayHenTra is before NgayTiepNhan',
    });
    expect(by.get(lost!)).toMatchObject({ outcome: 'stored', code: '0' });
    const pushes = new Map(night1.sim.nationalPushes().map((p) => [p.code, p]));
    expect(pushes.get(appeared!)).toEqual({ code: appeared, received: 2, results: { EXISTS: 1, '0': 1 } });
    expect(pushes.get(vanished!)).toEqual({ code: vanished, received: 2, results: { NOT_FOUND: 1, '0': 1 } });
    expect(pushes.get(refused!)).toEqual({ code: refused, received: 1, results: { INVALID: 1 } });
  });

  it('a rejected dossier is not pushed again by a second repair of the run', async () => {
    const again = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(again.push).toEqual([]);
    expect(again.alreadyRepaired.map((p) => p.dossierCode)).toContain(refused);
  });

  it('the next night: the lost push is repair_failed, the refused dossier still found, the others verified', async () => {
    const second = await night(night1.rt, world);
    expect(findingsOf(second)).toEqual([`${refused} date_shift`, `${lost} definition_drift`].sort());
    const checks = new Map(second.provinces[0]!.repairChecks!.map((c) => [c.dossierCode, c]));
    expect(checks.get(lost!)).toMatchObject({ status: 'repair_failed', kind: 'definition_drift' });
    expect(checks.has(refused!)).toBe(false); // never stored: nothing to check
    expect([...checks.values()].filter((c) => c.status === 'verified').length).toBe(6);
    const record = (await night1.rt.repairs.records(night1.first.runId)).find((r) => r.dossierCode === lost)!;
    expect(record.verification).toMatchObject({
      status: 'repair_failed',
      runId: second.runId,
      kind: 'definition_drift',
    });
    expect(formatReport(second, 'table', 'en')).toContain(
      `H49 Quảng Ninh: pushes of an earlier repair checked: 6 verified (no longer found), 1 repair_failed (still found): ${lost}`,
    );
  });
});
