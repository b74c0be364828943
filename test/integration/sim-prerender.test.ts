/**
 * The simulator's pre-rendered mode (SimulatorOptions.prerender, the benchmark's portal): its
 * national replies are the same bytes as without it, a reply once answered is kept (statistics
 * and list pages), and a national push drops what was kept, so the next reply shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { rootAgency } from '../../src/domain/codes.js';
import { formatCompact } from '../../src/domain/time.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';

const world = generateWorld({ seed: 5, month: '2025-05', provinces: ['H49'], dossiersPerProvince: 600 });
const ROOT = rootAgency('H49');
let plain: Simulator;
let rendered: Simulator;

async function ask(sim: Simulator, service: string, params: object): Promise<string> {
  const post = (path: string, body: object) =>
    fetch(`${sim.nationalUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const { session } = (await (await post('/auth/login', SIM_CREDENTIALS)).json()) as { session: string };
  return (await post('/service', { session, madonvi: ROOT, service, ...params })).text();
}

const LIST = { tuNgay: '20250401', denNgay: '20250531', loaiNgay: 'TiepNhan', trang: 2, soLuong: 100 };
const STATS = { tuNgay: '20250501', denNgay: '20250531', theoDonVi: 1, theoTTHC: 1 };

beforeAll(async () => {
  plain = await startSimulator(world);
  rendered = await startSimulator(world, { prerender: true });
});
afterAll(async () => {
  await plain.close();
  await rendered.close();
});

describe('the simulator, pre-rendered', () => {
  it('answers the same bytes as without, and again the same once kept', async () => {
    for (const [service, params] of [
      ['DanhSachHoSo', LIST],
      ['ThongKeHoSo', STATS],
    ] as const) {
      const want = await ask(plain, service, params);
      expect(JSON.parse(want)).toMatchObject({ error_code: 0 });
      expect(await ask(rendered, service, params)).toBe(want);
      expect(await ask(rendered, service, params)).toBe(want);
    }
  });

  it('shows a national push in the next list page and statistics', async () => {
    const before = {
      list: await ask(rendered, 'DanhSachHoSo', LIST),
      stats: await ask(rendered, 'ThongKeHoSo', STATS),
    };
    const listed = (JSON.parse(before.list) as { data: { MaHoSo: string }[] }).data[0]!.MaHoSo;
    const d = world.provinces[0]!.national.find((n) => n.code === listed)!;
    // a later version of it (a push older than the portal's copy is ignored)
    const pushed = {
      ...toDvcqgItem(d),
      isUpdate: true,
      TrangThaiHoSo: d.status === 5 ? '4' : '5',
      NgayCapNhat: formatCompact(d.updatedAt + 3_600_000),
    };
    const reply = JSON.parse(await ask(rendered, 'DongBoHoSoMC', { data: [pushed] })) as { result: unknown[] };
    expect(reply.result).toEqual([{ MaHoSo: listed, error_code: 0 }]);
    const after = { list: await ask(rendered, 'DanhSachHoSo', LIST), stats: await ask(rendered, 'ThongKeHoSo', STATS) };
    const item = (JSON.parse(after.list) as { data: Record<string, string>[] }).data.find((i) => i.MaHoSo === listed);
    expect(item?.TrangThaiHoSo).toBe(pushed.TrangThaiHoSo);
    expect(after.list).not.toBe(before.list);
  });
});
