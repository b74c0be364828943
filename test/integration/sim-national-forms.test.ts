/**
 * The national feed of the simulator over HTTP for a world with duplicates of every form and
 * unexplained keys: the same code listed twice, the same code under two agencies, each copy
 * counted; and national rows altered with no dossier behind them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsRow } from '../../schemas/dvcqg.js';
import { countsOfStatsRow } from '../../src/dialects/dvcqg/fields.js';
import { rootAgency } from '../../src/domain/codes.js';
import { Tally } from '../../src/reconcile/counting.js';
import { makePeriod } from '../../src/domain/period.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';

const world = generateWorld({
  seed: 23,
  month: '2026-10',
  provinces: ['H49'],
  dossiersPerProvince: 500,
  inject: { duplicateListedTwice: 2, duplicateTwoAgencies: 2 },
  unexplainedKeys: 2,
});
const H49 = world.provinces[0]!;
let sim: Simulator;
let session: string;

async function call(
  service: string,
  madonvi: string,
  params: object,
): Promise<{ error_code: unknown; tongSo?: number; data?: Record<string, string>[] }> {
  const res = await fetch(`${sim.nationalUrl}/service`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session, madonvi, service, ...params }),
  });
  return (await res.json()) as { error_code: unknown; data?: Record<string, string>[] };
}

beforeAll(async () => {
  sim = await startSimulator(world);
  const res = await fetch(`${sim.nationalUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SIM_CREDENTIALS),
  });
  session = ((await res.json()) as { session: string }).session;
});
afterAll(async () => {
  await sim.close();
});

const period = { tuNgay: '20260901', denNgay: '20261031' };

describe('national duplicates of every form', () => {
  it('lists a code pushed twice twice, and a code under two agencies under each', async () => {
    const listed = async (agency: string) => {
      const r = await call('DanhSachHoSo', agency, { ...period, loaiNgay: 'TiepNhan', soLuong: 1000 });
      expect(r.error_code).toBe(0);
      return r.data!.map((d) => d.MaHoSo!);
    };
    const whole = await listed(rootAgency('H49'));
    for (const t of world.truth.filter((x) => x.form === 'listed_twice')) {
      expect(whole.filter((c) => c === t.dossierCode)).toHaveLength(2);
      expect((await listed(t.agency)).filter((c) => c === t.dossierCode)).toHaveLength(2);
    }
    for (const t of world.truth.filter((x) => x.form === 'two_agencies')) {
      const own = H49.local.find((d) => d.code === t.dossierCode)!.agency;
      expect(whole.filter((c) => c === t.dossierCode)).toHaveLength(2);
      // (the root's code names the whole province: its own copies are seen in `whole`)
      for (const agency of [t.agency, own].filter((a) => a !== rootAgency('H49')))
        expect(
          (await listed(agency)).filter((c) => c === t.dossierCode),
          agency,
        ).toHaveLength(1);
    }
  });

  it("counts every copy, and adds the unexplained keys' residuals to their rows and agency totals", async () => {
    const oct = { tuNgay: '20261001', denNgay: '20261031' };
    const byProcedure = await call('ThongKeHoSo', rootAgency('H49'), { ...oct, theoDonVi: true, theoTTHC: true });
    const byAgency = await call('ThongKeHoSo', rootAgency('H49'), { ...oct, theoDonVi: true });
    const tally = new Tally(makePeriod('2026-10-01', '2026-10-31'));
    for (const d of H49.national) {
      tally.add(`${d.agency}|${d.procedure}`, d);
      tally.add(`${d.agency}|`, d);
    }
    const expected = (key: string) => {
      const counts = { ...tally.get(key) };
      for (const k of world.unexplainedKeys)
        if (`${k.agency}|${k.procedure ?? ''}` === key) counts[k.metric] += k.residual;
      return counts;
    };
    expect(world.unexplainedKeys).toHaveLength(4);
    for (const row of byProcedure.data!)
      expect(countsOfStatsRow(statsRow.parse(row)), row.MaTTHC).toEqual(expected(`${row.Madonvi}|${row.MaTTHC}`));
    for (const row of byAgency.data!)
      expect(countsOfStatsRow(statsRow.parse(row)), row.Madonvi).toEqual(expected(`${row.Madonvi}|`));
    // the duplicated dossiers count twice nationally, once locally
    const copies = H49.national.filter((d) =>
      world.truth.some((t) => t.kind === 'duplicate_national' && t.form !== 'second_code' && t.dossierCode === d.code),
    );
    expect(copies).toHaveLength(2 * 4);
  });
});
