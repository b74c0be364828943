import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { statsRow } from '../../schemas/dvcqg.js';
import { countsOfStatsRow, NATIONAL_STATS_FIELDS } from '../../src/dialects/dvcqg/fields.js';
import { rootAgency } from '../../src/domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../../src/dialects/dvcqg/normalise.js';
import { formatCompact } from '../../src/domain/time.js';
import { METRICS } from '../../schemas/metrics.js';
import { Tally } from '../../src/reconcile/counting.js';
import { makePeriod } from '../../src/domain/period.js';
import { type Counts } from '../../src/domain/figures.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type ProvinceWorld } from '../../src/sim/world.js';

const world = generateWorld({ seed: 11, month: '2025-05', provinces: ['H49', 'H56'], dossiersPerProvince: 1200 });
const H49 = world.provinces.find((p) => p.province === 'H49')!;
let sim: Simulator;

interface Reply {
  error_code: string | number;
  message?: string;
  session?: string;
  tongSo?: number;
  data?: Record<string, string>[];
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Reply }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Reply };
}

async function login(base: string): Promise<string> {
  const { status, json } = await post(`${base}/auth/login`, SIM_CREDENTIALS);
  expect(status).toBe(200);
  expect(json.error_code).toBe(0);
  expect(typeof json.session).toBe('string');
  return json.session!;
}

async function call(base: string, session: string, service: string, madonvi: string, params: object): Promise<Reply> {
  const { status, json } = await post(`${base}/service`, { session, madonvi, service, ...params });
  expect(status).toBe(200);
  return json;
}

function decode(item: unknown): CanonicalDossier {
  const n = normaliseDvcqg(item, { statusMap: IDENTITY_STATUS_MAP });
  if (!n.ok) throw new Error(n.reason);
  return n.dossier;
}

/** The expected per-agency counts, counted here from the world. */
function tallyByAgency(list: CanonicalDossier[], from: string, to: string): Tally {
  const tally = new Tally(makePeriod(from, to));
  for (const d of list) tally.add(d.agency, d);
  return tally;
}

function rowCounts(row: unknown): Counts {
  return countsOfStatsRow(statsRow.parse(row));
}

beforeAll(async () => {
  sim = await startSimulator(world);
});
afterAll(async () => {
  await sim.close();
});

describe('simulator over loopback HTTP', () => {
  it('serves each province and the national feed under its own path', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.sourceUrl('H49')).toBe(`${sim.url}/p/H49`);
    expect(sim.nationalUrl).toBe(`${sim.url}/national`);
  });

  it('refuses wrong credentials, bad sessions, bad JSON and unknown services', async () => {
    const src = sim.sourceUrl('H49');
    const wrong = await post(`${src}/auth/login`, { username: 'dossier-sync', password: 'nope' });
    expect(wrong.status).toBe(200);
    expect(wrong.json.error_code).toBe('403');
    expect(wrong.json.message).toMatch(/password/);

    const bad = await call(src, 'not-a-session', 'LayDanhSachHoSo', rootAgency('H49'), { trang: 1, soLuong: 10 });
    expect(bad.error_code).toBe('401');
    expect(bad.message).toBeTruthy();

    const national = await login(sim.nationalUrl);
    const crossed = await call(src, national, 'LayDanhSachHoSo', rootAgency('H49'), { trang: 1, soLuong: 10 });
    expect(crossed.error_code).toBe('401');

    const notJson = await post(`${src}/service`, '{"session":');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error_code).not.toBe(0);
    expect(notJson.json.message).toMatch(/JSON/);

    const session = await login(src);
    const unknown = await call(src, session, 'XoaHoSo', rootAgency('H49'), {});
    expect(unknown.error_code).not.toBe(0);
    expect(unknown.message).toMatch(/XoaHoSo/);

    const noProvince = await post(`${sim.url}/p/H99/auth/login`, SIM_CREDENTIALS);
    expect(noProvince.status).toBe(404);
  });

  it('expires sessions', async () => {
    let now = Date.now();
    const short = await startSimulator(world, { sessionTtlMs: 1, clock: () => now });
    try {
      const session = await login(short.sourceUrl('H49'));
      now += 20;
      const reply = await call(short.sourceUrl('H49'), session, 'LayDanhSachHoSo', rootAgency('H49'), {});
      expect(reply.error_code).toBe('401');
    } finally {
      await short.close();
    }
  });
});

describe('provincial LayDanhSachHoSo', () => {
  async function pageAll(p: ProvinceWorld, madonvi: string, from: number, to: number, soLuong: number) {
    const src = sim.sourceUrl(p.province);
    const session = await login(src);
    const got: CanonicalDossier[] = [];
    const totals = new Set<number>();
    for (let trang = 1; ; trang++) {
      const reply = await call(src, session, 'LayDanhSachHoSo', madonvi, {
        capNhatTu: formatCompact(from),
        capNhatDen: formatCompact(to),
        trang,
        soLuong,
      });
      expect(reply.error_code).toBe(0);
      totals.add(reply.tongSo!);
      expect(reply.data!.length).toBeLessThanOrEqual(soLuong);
      if (reply.data!.length === 0) break;
      got.push(...reply.data!.map(decode));
    }
    return { got, totals };
  }

  it('pages through the whole province window once, in order', async () => {
    const from = world.period.start + 3 * 86_400_000 + 12_345_000;
    const to = world.period.end + 86_400_000;
    const expected = H49.local.filter((d) => d.updatedAt >= from && d.updatedAt < to);
    expect(expected.length).toBeGreaterThan(300);
    const { got, totals } = await pageAll(H49, rootAgency('H49'), from, to, 37);
    expect([...totals]).toEqual([expected.length]);
    expect(got.map((d) => d.code)).toEqual(expected.map((d) => d.code));
    expect(got).toEqual(expected);
    expect(new Set(got.map((d) => d.code)).size).toBe(got.length);
  });

  it('serves one agency when madonvi names it, and half-open windows', async () => {
    const agency = H49.agencies.find((a) => a !== rootAgency('H49'))!;
    const mine = H49.local.filter((d) => d.agency === agency);
    const edge = mine[50]!.updatedAt; // the window starts exactly at one of its update times
    const to = mine[200]!.updatedAt; // ... and ends exactly at another, excluded
    const expected = mine.filter((d) => d.updatedAt >= edge && d.updatedAt < to);
    expect(expected[0]).toBe(mine[50]);
    expect(expected.at(-1)!.updatedAt).toBeLessThan(to);
    expect(expected.length).toBeGreaterThan(100);
    const { got } = await pageAll(H49, agency, edge, to, 25);
    expect(got).toEqual(expected);
  });

  it('refuses soLuong above 1000 and agencies of another province', async () => {
    const src = sim.sourceUrl('H49');
    const session = await login(src);
    const big = await call(src, session, 'LayDanhSachHoSo', rootAgency('H49'), { trang: 1, soLuong: 1001 });
    expect(big.error_code).not.toBe(0);
    expect(big.message).toMatch(/soLuong/);
    const ok = await call(src, session, 'LayDanhSachHoSo', rootAgency('H49'), { trang: 1, soLuong: 1000 });
    expect(ok.error_code).toBe(0);
    expect(ok.data).toHaveLength(1000);
    const other = await call(src, session, 'LayDanhSachHoSo', rootAgency('H56'), { trang: 1, soLuong: 10 });
    expect(other.error_code).not.toBe(0);
    expect(other.message).toMatch(/madonvi/);
    const badTime = await call(src, session, 'LayDanhSachHoSo', rootAgency('H49'), { capNhatTu: '2025-05-01' });
    expect(badTime.message).toMatch(/capNhatTu/);
  });
});

describe('ThongKeHoSo', () => {
  it('national rows per agency equal a Tally of the national copy', async () => {
    const session = await login(sim.nationalUrl);
    const reply = await call(sim.nationalUrl, session, 'ThongKeHoSo', rootAgency('H49'), {
      tuNgay: '20250501',
      denNgay: '20250531',
      theoDonVi: true,
    });
    expect(reply.error_code).toBe(0);
    const tally = tallyByAgency(H49.national, '2025-05-01', '2025-05-31');
    expect(reply.data!.map((r) => r.Madonvi)).toEqual(H49.agencies);
    for (const row of reply.data!) {
      for (const m of METRICS) expect(row[NATIONAL_STATS_FIELDS[m]]).toMatch(/^\d+$/);
      expect(rowCounts(row)).toEqual(tally.get(row.Madonvi!));
    }
    expect(rowCounts(reply.data![0]).received).toBeGreaterThan(0);
  });

  it('provincial rows count the local data, so they differ from the national ones where discrepancies were injected', async () => {
    const src = sim.sourceUrl('H49');
    const session = await login(src);
    const params = { tuNgay: '20250501', denNgay: '20250531', theoDonVi: true };
    const local = await call(src, session, 'ThongKeHoSo', rootAgency('H49'), params);
    const localTally = tallyByAgency(H49.local, '2025-05-01', '2025-05-31');
    for (const row of local.data!) expect(rowCounts(row)).toEqual(localTally.get(row.Madonvi!));
    const nationalSession = await login(sim.nationalUrl);
    const national = await call(sim.nationalUrl, nationalSession, 'ThongKeHoSo', rootAgency('H49'), params);
    // Agency totals move where a discrepancy was injected, except for an unmapped procedure
    // code (only per-procedure figures move); a replaced code also moves the root's total.
    const truth = world.truth.filter((t) => t.province === 'H49');
    const touched = new Set(truth.filter((t) => t.form !== 'unmapped_procedure').map((t) => t.agency));
    if (truth.some((t) => t.form === 'replaced_code')) touched.add(rootAgency('H49'));
    for (let i = 0; i < H49.agencies.length; i++) {
      const same = JSON.stringify(local.data![i]) === JSON.stringify(national.data![i]);
      expect(same).toBe(!touched.has(H49.agencies[i]!));
    }
  });

  it('gives one province row, one agency row, or rows by procedure', async () => {
    const session = await login(sim.nationalUrl);
    const period = { tuNgay: '20250510', denNgay: '20250520' };
    const tally = tallyByAgency(H49.national, '2025-05-10', '2025-05-20');
    const whole = await call(sim.nationalUrl, session, 'ThongKeHoSo', rootAgency('H49'), period);
    expect(whole.data).toHaveLength(1);
    expect(whole.data![0]!.Madonvi).toBe(rootAgency('H49'));
    const sum = (key: 'received' | 'processed') => H49.agencies.reduce((s, a) => s + tally.get(a)[key], 0);
    expect(rowCounts(whole.data![0]).received).toBe(sum('received'));
    expect(rowCounts(whole.data![0]).processed).toBe(sum('processed'));

    const agency = H49.agencies[2]!;
    const one = await call(sim.nationalUrl, session, 'ThongKeHoSo', agency, period);
    expect(one.data!.map((r) => r.Madonvi)).toEqual([agency]);
    expect(rowCounts(one.data![0])).toEqual(tally.get(agency));

    const byProc = await call(sim.nationalUrl, session, 'ThongKeHoSo', agency, {
      ...period,
      theoDonVi: true,
      theoTTHC: true,
    });
    expect(byProc.error_code).toBe(0);
    expect(byProc.data!.length).toBeGreaterThan(1);
    const procTally = new Tally(makePeriod('2025-05-10', '2025-05-20'));
    for (const d of H49.national) if (d.agency === agency) procTally.add(d.procedure, d);
    for (const row of byProc.data!) {
      expect(row.Madonvi).toBe(agency);
      expect(rowCounts(row)).toEqual(procTally.get(row.MaTTHC!));
    }
    expect(byProc.data!.map((r) => r.MaTTHC).sort()).toEqual([...procTally.groups.keys()].sort());

    const bad = await call(sim.nationalUrl, session, 'ThongKeHoSo', agency, {
      tuNgay: '20250531',
      denNgay: '20250501',
    });
    expect(bad.error_code).not.toBe(0);
    expect(bad.message).toMatch(/denNgay/);
  });
});

describe('national TraCuuHoSo and DanhSachHoSo', () => {
  it('looks up known codes in any province and omits unknown ones', async () => {
    const session = await login(sim.nationalUrl);
    const lag = world.truth.find((t) => t.kind === 'status_lag' && t.province === 'H56')!;
    const missing = world.truth.find((t) => t.kind === 'missing_national')!;
    const plain = H49.national[100]!;
    const reply = await call(sim.nationalUrl, session, 'TraCuuHoSo', rootAgency('H49'), {
      mahoso: [plain.code, lag.dossierCode, missing.dossierCode, '000.00.00.H49-250101-9999', 'garbage'],
    });
    expect(reply.error_code).toBe(0);
    const got = reply.data!.map(decode);
    expect(got.map((d) => d.code)).toEqual([plain.code, lag.dossierCode]);
    expect(got[0]).toEqual(plain);
    expect(got[1]!.status).toBe(4); // the national copy, not the local status 9/10
    expect(got[1]!.finishedAt).toBeNull();

    const tooMany = await call(sim.nationalUrl, session, 'TraCuuHoSo', rootAgency('H49'), {
      mahoso: Array.from({ length: 101 }, (_, i) => `x${i}`),
    });
    expect(tooMany.error_code).not.toBe(0);
    expect(tooMany.message).toMatch(/mahoso/);
  });

  it('lists dossiers by the chosen date, ordered by code, in pages', async () => {
    const session = await login(sim.nationalUrl);
    const p = makePeriod('2025-05-05', '2025-05-09');
    const inDays = (t: number | null) => t !== null && t >= p.start && t < p.end;
    const sorted = (list: CanonicalDossier[]) => list.map((d) => d.code).sort();
    const cases = {
      TiepNhan: sorted(H49.national.filter((d) => inDays(d.receivedAt))),
      KetThucXuLy: sorted(H49.national.filter((d) => inDays(d.finishedAt))),
      CapNhat: sorted(H49.national.filter((d) => inDays(d.updatedAt))),
    };
    expect(cases.TiepNhan).not.toEqual(cases.KetThucXuLy);
    for (const [loaiNgay, expected] of Object.entries(cases)) {
      expect(expected.length).toBeGreaterThan(40);
      const codes: string[] = [];
      for (let trang = 1; ; trang++) {
        const reply = await call(sim.nationalUrl, session, 'DanhSachHoSo', rootAgency('H49'), {
          tuNgay: '20250505',
          denNgay: '20250509',
          loaiNgay,
          trang,
          soLuong: 40,
        });
        expect(reply.error_code).toBe(0);
        expect(reply.tongSo).toBe(expected.length);
        if (reply.data!.length === 0) break;
        for (const row of reply.data!) {
          expect(Object.keys(row).sort()).toEqual(
            [
              'MaHoSo',
              'MaTTHC',
              'TrangThaiHoSo',
              'NgayTiepNhan',
              'NgayHenTra',
              'NgayKetThucXuLy',
              'NgayTra',
              'KenhThucHien',
              'HoSoCoThanhPhanSoHoa',
              'NgayCapNhat',
            ].sort(),
          );
        }
        codes.push(...reply.data!.map((r) => r.MaHoSo!));
      }
      expect(codes).toEqual(expected);
    }

    const agency = H49.agencies[1]!;
    const one = await call(sim.nationalUrl, session, 'DanhSachHoSo', agency, {
      tuNgay: '20250505',
      denNgay: '20250509',
      loaiNgay: 'TiepNhan',
      trang: 1,
      soLuong: 1000,
    });
    expect(one.data!.map((r) => r.MaHoSo)).toEqual(
      sorted(H49.national.filter((d) => d.agency === agency && inDays(d.receivedAt))),
    );

    const badKind = await call(sim.nationalUrl, session, 'DanhSachHoSo', rootAgency('H49'), {
      tuNgay: '20250505',
      denNgay: '20250509',
      loaiNgay: 'HenTra',
    });
    expect(badKind.message).toMatch(/loaiNgay/);
    const big = await call(sim.nationalUrl, session, 'DanhSachHoSo', rootAgency('H49'), {
      tuNgay: '20250505',
      denNgay: '20250509',
      loaiNgay: 'CapNhat',
      soLuong: 5000,
    });
    expect(big.error_code).not.toBe(0);
    expect(big.message).toMatch(/soLuong/);
  });
});

describe('hand-edited worlds', () => {
  it('serves national codes that are not well-formed (code divergence)', async () => {
    const small = generateWorld({ seed: 2, month: '2025-05', provinces: ['H49', 'H12'], dossiersPerProvince: 200 });
    const h12 = small.provinces[1]!;
    const original = h12.national[10]!;
    const odd: CanonicalDossier = {
      ...original,
      code: 'RANDOM-7f3a9c',
      updatedAt: h12.national.at(-1)!.updatedAt + 1000,
    };
    h12.national.splice(10, 1);
    h12.national.push(odd);
    const own = await startSimulator(small);
    try {
      const session = await login(own.nationalUrl);
      const reply = await call(own.nationalUrl, session, 'TraCuuHoSo', rootAgency('H49'), {
        mahoso: [odd.code, original.code, small.provinces[0]!.national[3]!.code],
      });
      expect(reply.data!.map(decode)).toEqual([odd, small.provinces[0]!.national[3]]);
      const list = await call(own.nationalUrl, session, 'DanhSachHoSo', rootAgency('H12'), {
        tuNgay: '20250401',
        denNgay: '20250630',
        loaiNgay: 'CapNhat',
        soLuong: 1000,
      });
      const expected = h12.national.map((d) => d.code).sort();
      expect(list.data!.map((r) => r.MaHoSo)).toEqual(expected);
      expect(expected.at(-1)).toBe(odd.code);
    } finally {
      await own.close();
    }
  });
});
