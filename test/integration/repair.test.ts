/**
 * The repair loop against the simulators over HTTP: a night finds every root cause, the repair
 * pushes the province's current record for the four kinds a push puts right (and nothing else),
 * and the next night no longer finds them: each push `verified`, their incidents resolved, the
 * others still listed. A second repair of the same run pushes nothing again.
 */
import { describe, expect, it } from 'vitest';
import { REPAIRABLE_KINDS } from '../../schemas/repair.js';
import { executeRepair, planRunRepair } from '../../src/queue/repair.js';
import type { RepairPlan } from '../../src/reconcile/repair.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { findingsOf, night, useRepairNight } from '../helpers/repair.js';

const redis = useRedis();
const world = generateWorld({
  seed: 41,
  month: '2026-10',
  provinces: ['H49', 'H56'],
  dossiersPerProvince: 800,
  inject: {
    notSynced: 2,
    statusLag: 2,
    dateShift: 2,
    definitionDrift: 2,
    missingLocal: 1,
    replacedCode: 1,
    unmappedProcedure: 1,
    duplicateNational: 1,
  },
});
const repairable = (kind: string) => (REPAIRABLE_KINDS as readonly string[]).includes(kind);
const truthOf = (keep: (kind: string) => boolean) =>
  world.truth
    .filter((t) => keep(t.kind))
    .map((t) => `${t.dossierCode} ${t.kind}`)
    .sort();

const night1 = useRepairNight(world, redis, { repair: { batchSize: 3 } });
let plan: RepairPlan;

describe('repair, then the next night', () => {
  const sim = () => night1.sim;
  it('plans a push for each dossier of the four repairable kinds and lists the others for a person', async () => {
    expect(findingsOf(night1.first)).toEqual(truthOf(() => true));
    plan = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(plan.push.map((p) => `${p.dossierCode} ${p.kind}`).sort()).toEqual(truthOf(repairable));
    for (const p of plan.push) expect(p.isUpdate).toBe(p.kind !== 'missing_national');
    expect(
      plan.manual
        .filter((m) => m.dossierCode)
        .map((m) => `${m.dossierCode} ${m.kind}`)
        .sort(),
    ).toEqual(truthOf((k) => !repairable(k)));
    expect(sim().nationalPushes()).toEqual([]); // planning pushes nothing
  });

  it('pushes each planned dossier once, with the store record of now, and records who, when, what and the result', async () => {
    const out = await executeRepair(night1.rt, plan, 'tester', 60_000);
    expect(out.failed).toEqual([]);
    expect(out.records.map((r) => `${r.dossierCode} ${r.outcome}`).sort()).toEqual(
      plan.push.map((p) => `${p.dossierCode} stored`).sort(),
    );
    const pushes = sim().nationalPushes();
    expect(pushes.map((p) => p.code).sort()).toEqual(plan.push.map((p) => p.dossierCode).sort());
    for (const p of pushes) expect(p).toMatchObject({ received: 1, results: { '0': 1 } });
    for (const r of out.records) {
      const stored = (await night1.rt.store.getDossiers(r.province, [r.dossierCode])).get(r.dossierCode)!;
      expect(r).toMatchObject({ by: 'tester', code: '0', resent: false });
      expect(r.sent).toMatchObject({
        MaHoSo: r.dossierCode,
        TrangThaiHoSo: String(stored.status),
        isUpdate: r.kind !== 'missing_national',
      });
      expect(Date.parse(r.at)).toBeGreaterThan(Date.parse(night1.first.startedAt));
    }
    // on the dossier's own list too
    const one = out.records[0]!;
    expect((await night1.rt.repairs.ofDossier(one.dossierCode)).map((r) => r.runId)).toEqual([night1.first.runId]);
  });

  it('a second repair of the run pushes nothing again', async () => {
    const again = await planRunRepair(night1.rt, night1.first.runId, {});
    expect(again.push).toEqual([]);
    expect(again.alreadyRepaired.length).toBe(plan.push.length);
    const out = await executeRepair(night1.rt, again, 'tester', 60_000);
    expect(out.records).toEqual([]);
    // the same batches asked for again (same ids) run once
    await executeRepair(night1.rt, plan, 'tester', 60_000);
    for (const p of sim().nationalPushes()) expect(p.received).toBe(1);
  });

  it('the next night no longer finds the repaired dossiers: each push verified, their incidents resolved, the others still listed', async () => {
    const second = await night(night1.rt, world);
    expect(findingsOf(second)).toEqual(truthOf((k) => !repairable(k)));
    const checks = second.provinces.flatMap((p) => p.repairChecks ?? []);
    expect(checks.map((c) => `${c.dossierCode} ${c.status}`).sort()).toEqual(
      plan.push.map((p) => `${p.dossierCode} verified`).sort(),
    );
    for (const c of checks) expect(c.repairRun).toBe(night1.first.runId);
    const records = await night1.rt.repairs.records(night1.first.runId);
    for (const r of records) expect(r.verification).toMatchObject({ status: 'verified', runId: second.runId });
    expect(await night1.rt.repairs.pending()).toEqual([]);
    // incidents follow causes: the repaired kinds' incidents resolved, the others still open
    const events = second.provinces.flatMap((p) =>
      p.incidents.map((i) => `${decodeURIComponent(i.key.split('/').at(-1)!)} ${i.event}`),
    );
    for (const kind of REPAIRABLE_KINDS)
      expect(events.filter((e) => e.startsWith(`${kind} `)).every((e) => e.endsWith(' resolved'))).toBe(true);
    expect(events.filter((e) => e.endsWith(' resolved')).length).toBeGreaterThan(0);
    for (const e of events.filter((x) => !repairable(x.split(' ')[0]!))) expect(e).not.toMatch(/resolved$/);
    // nothing pushed by the night
    for (const p of sim().nationalPushes()) expect(p.received).toBe(1);
  });
});
