/**
 * A province whose national feed is stale (its own dossiers were updated in the last days, the
 * portal shows none of them updated) is reported partial with why, and none of its figures are
 * flagged; the other provinces are compared as usual. A first run over a past month, with no
 * update on either side in the last days, compares normally.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../src/queue/nightly.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const world = generateWorld({ seed: 31, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 400 });
let sim: Simulator;
let mirror: Server; // a national mirror that stopped receiving H56's updates
let rt: Runtime;
let mirrorUrl: string;

beforeAll(async () => {
  sim = await startSimulator(world);
  mirror = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const call = body ? (JSON.parse(body) as { service?: string; madonvi?: string; loaiNgay?: string }) : {};
    if (call.service === 'DanhSachHoSo' && call.loaiNgay === 'CapNhat' && call.madonvi?.endsWith('H56')) {
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error_code: 0, tongSo: 0, data: [] }));
    }
    const upstream = await fetch(`${sim.nationalUrl}${req.url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    res
      .writeHead(upstream.status, { 'content-type': 'application/json' })
      .end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
  rt = simRuntime(
    simConfig(sim, world, redis, {
      source: (p) => ({ id: p.toLowerCase() }),
      national: { baseUrl: mirrorUrl, staleAfterDays: 2 },
    }),
    world,
  );
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  await new Promise((r) => mirror.close(r));
  await sim.close();
});

describe('a stale national feed', () => {
  it('makes its province partial, with why, and flags none of its figures', async () => {
    const report = await runNightly(rt, {
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    const h49 = report.provinces.find((p) => p.province === 'H49')!;
    const h56 = report.provinces.find((p) => p.province === 'H56')!;
    expect(h49.coverage).toEqual({ status: 'complete', why: null });
    expect(h49.mismatches.length).toBeGreaterThan(0);
    expect(h56.coverage.status).toBe('partial');
    expect(h56.coverage.why).toMatch(
      /^national feed stale: no dossier of H56 updated on the portal since 2026-10-31, while the province updated (\S+) on (2026-1\d-\d\d)$/,
    );
    // the dossier it names is the province's, updated in those days
    const [, code, day] = /updated (\S+) on (\S+)$/.exec(h56.coverage.why!)!;
    const named = world.provinces.find((p) => p.province === 'H56')!.local.find((d) => d.code === code)!;
    expect(named.updatedAt).toBeGreaterThanOrEqual(Date.parse('2026-10-31T00:00:00+07:00'));
    expect(named.updatedAt).toBeLessThan(world.now);
    expect(day! >= '2026-10-31').toBe(true);
    expect(h56.mismatches).toEqual([]);
    expect(h56.findings).toEqual([]);
    expect(h56.sources[0]).toMatchObject({ status: 'complete', applied: 400 });
  });

  it('does not stop a first run over a past month, when neither side has updates in the last days', async () => {
    // installed a month later, reconciling that past month: every dossier is new to the store,
    // none was updated in the last days, on either side
    const later = simRuntime(
      simConfig(sim, world, redis, {
        source: (p) => ({ id: p.toLowerCase() }),
        national: { baseUrl: mirrorUrl, staleAfterDays: 2 },
      }),
      world,
      30,
    );
    later.startWorker();
    try {
      const report = await runNightly(later, {
        period: { from: world.period.from, to: world.period.to },
        windowTo: world.now + 30 * 86_400_000,
      });
      for (const p of report.provinces) {
        expect(p.coverage, p.province).toEqual({ status: 'complete', why: null });
        expect(p.sources[0]).toMatchObject({ status: 'complete', applied: 400 });
        expect(p.mismatches.length).toBeGreaterThan(0);
      }
    } finally {
      await later.close();
    }
  });
});
