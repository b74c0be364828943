/**
 * A national list read with pages in flight (`NationalClient.list` with `depth`), against the
 * simulator over HTTP through a proxy that counts the pages asked for and can make `tongSo`
 * lag behind the list: the same items in the same order as a page at a time, never a page
 * past the last one `tongSo` announces, and the whole list when `tongSo` falls short.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NationalClient, pageRead, type PageReader } from '../../src/national/client.js';
import { HttpClient } from '../../src/http/client.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { startProxy, type Hostile, type ProxiedRequest } from '../helpers/hostile.js';

let world: World;
let sim: Simulator;
const open: Hostile[] = [];
beforeAll(async () => {
  world = generateWorld({ seed: 5, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 600 });
  sim = await startSimulator(world);
});
afterAll(async () => {
  await Promise.all(open.map((h) => h.close()));
  await sim?.close();
});

const PAGE = 25;
const root = () => '000.00.00.H49';
const days = () => ({ start: world.period.start - 200 * 86_400_000, end: world.period.end });

/** The pages asked for (`trang`), and a client reading through a proxy that may lower `tongSo` and add to each reply. */
async function counted(tongSo?: (n: number) => number, extra: Record<string, unknown> = {}) {
  const pages: number[] = [];
  const proxy = await startProxy(sim.url, (req: ProxiedRequest, reply) => {
    if (req.body?.service !== 'DanhSachHoSo') return reply;
    pages.push(req.body.trang as number);
    const r = reply as { tongSo?: number };
    return { ...(tongSo && r.tongSo !== undefined ? { ...r, tongSo: tongSo(r.tongSo) } : r), ...extra };
  });
  open.push(proxy);
  const national = new NationalClient(
    { baseUrl: `${proxy.url}/national` },
    new HttpClient({ name: 'national', timeoutMs: 5000, retries: 0 }),
    SIM_CREDENTIALS,
  );
  return { pages, national };
}

async function codes(national: NationalClient, ahead?: () => boolean, depth?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const page of national.list(root(), days(), 'TiepNhan', PAGE, ahead, depth))
    for (const raw of page) out.push((raw as { MaHoSo: string }).MaHoSo);
  return out;
}

describe('a national list with pages in flight', () => {
  it('yields the same items in the same order as a page at a time, asking no page past the last', async () => {
    const one = await counted();
    const expected = await codes(one.national);
    expect(expected.length).toBeGreaterThan(5 * PAGE); // enough pages for four in flight
    const many = await counted();
    expect(await codes(many.national, () => true, 4)).toEqual(expected);
    const last = Math.ceil(expected.length / PAGE);
    expect([...many.pages].sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });

  it('reads the whole list when tongSo falls behind it', async () => {
    const full = await codes((await counted()).national);
    const stale = await counted((n) => Math.floor(n / 3));
    expect(await codes(stale.national, () => true, 4)).toEqual(full);
  });

  it('asks nothing ahead once `ahead` says no', async () => {
    const c = await counted();
    let read = 0;
    for await (const page of c.national.list(root(), days(), 'TiepNhan', PAGE, () => false, 4)) {
      read++;
      expect(page.length).toBe(PAGE);
      if (read === 2) break;
    }
    // the first page, then the second asked only once the first was read: none beyond
    expect(c.pages).toEqual([1, 2]);
  });

  it('reads a reply whole when what follows its items is not theirs (an array after them)', async () => {
    const full = await codes((await counted()).national);
    const odd = await counted(undefined, { other: [1, 2] });
    expect(await codes(odd.national, () => true, 4)).toEqual(full);
  });

  it('hands the items of each page to a reader as bytes, and counts what it read', async () => {
    const c = await counted();
    const full = await codes((await counted()).national);
    const seen: number[] = [];
    const reader: PageReader<string[]> = {
      bytes: (items) => {
        seen.push(items.length);
        return reader.items(JSON.parse(`[${items.toString()}]`) as unknown[]);
      },
      items: (items) =>
        pageRead(
          items,
          items.map((raw) => (raw as { MaHoSo: string }).MaHoSo),
        ),
    };
    const read: string[] = [];
    for await (const page of c.national.readList(root(), days(), 'TiepNhan', reader, PAGE, () => true, 4))
      read.push(...page.value);
    expect(read).toEqual(full);
    expect(seen.length).toBe(Math.ceil(full.length / PAGE));
    expect(c.national.load).toEqual({ requests: seen.length, records: full.length });
  });
});
