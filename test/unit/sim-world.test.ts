import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalDossier, type CanonicalDossier } from '../../schemas/dossier.js';
import { DOSSIER_CODE, rootAgency } from '../../src/normalise/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg, toDvcqgItem } from '../../src/normalise/dvcqg.js';
import { METRICS, Tally, metricsOf, hasMetric, type Counts } from '../../src/reconcile/counting.js';
import { Rng } from '../../src/sim/random.js';
import { generateWorld, writeTruth, type World, type WorldOptions } from '../../src/sim/world.js';

const HOUR = 3_600_000;
/** Vietnam local time written with its explicit offset, independent of the code under test. */
const vn = (local: string): number => Date.parse(`${local}+07:00`);

const BASE: WorldOptions = { seed: 42, month: '2025-05', provinces: ['H49', 'H56', 'H12'], dossiersPerProvince: 1500 };
const world = generateWorld(BASE);

function byCode(list: CanonicalDossier[]): Map<string, CanonicalDossier> {
  return new Map(list.map((d) => [d.code, d]));
}

function injectedCodes(w: World): Set<string> {
  return new Set(w.truth.map((t) => t.dossierCode));
}

describe('Rng', () => {
  it('is deterministic and in range', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    const ints = Array.from({ length: 2000 }, () => a.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    expect(new Rng(8).next()).not.toBe(new Rng(7).next());
  });
});

describe('generateWorld', () => {
  it('uses the period of the month and a "now" of 02:00 on the 2nd day after it', () => {
    expect(world.period.from).toBe('2025-05-01');
    expect(world.period.to).toBe('2025-05-31');
    expect(world.period.start).toBe(vn('2025-05-01T00:00:00'));
    expect(world.period.end).toBe(vn('2025-06-01T00:00:00'));
    expect(world.now).toBe(vn('2025-06-02T02:00:00'));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateWorld(BASE);
    expect(again).toEqual(world);
    const other = generateWorld({ ...BASE, seed: 43 });
    expect(other.truth).not.toEqual(world.truth);
    const codes = (w: World) => w.provinces[0]!.local.map((d) => d.code);
    expect(codes(other)).not.toEqual(codes(world));
  });

  it('generates the asked volume with agencies of the province and well-formed, unique codes', () => {
    const all = new Set<string>();
    for (const p of world.provinces) {
      expect(p.local).toHaveLength(1500);
      expect(p.agencies).toHaveLength(4);
      expect(p.agencies).toContain(rootAgency(p.province));
      for (const a of p.agencies) expect(a).toMatch(new RegExp(`^000\\.00\\.\\d{2}\\.${p.province}$`));
      const perAgencyDay = new Map<string, number[]>();
      for (const d of p.local) {
        all.add(d.code);
        expect(canonicalDossier.safeParse(d).success).toBe(true);
        const m = DOSSIER_CODE.exec(d.code);
        expect(m, d.code).not.toBeNull();
        expect(m![1]).toBe(d.agency);
        // YYMMDD of the receive day in Vietnam time, computed independently
        const local = new Date(d.receivedAt! + 7 * HOUR).toISOString();
        expect(m![2]).toBe(local.slice(2, 4) + local.slice(5, 7) + local.slice(8, 10));
        const key = `${m![1]}-${m![2]}`;
        perAgencyDay.set(key, [...(perAgencyDay.get(key) ?? []), Number(m![3])]);
      }
      // daily sequences run 1..n per agency, in receive order
      for (const seqs of perAgencyDay.values()) expect(seqs.sort((x, y) => x - y)).toEqual(seqs.map((_, i) => i + 1));
    }
    expect(all.size).toBe(3 * 1500);
  });

  it('keeps every dossier\'s dates consistent and nothing after "now"', () => {
    const { period, now } = world;
    const statuses = new Set<number>();
    for (const p of world.provinces) {
      for (const d of p.local) {
        statuses.add(d.status);
        const r = d.receivedAt!;
        expect(r).toBeGreaterThanOrEqual(period.start - 20 * 24 * HOUR);
        expect(r).toBeLessThan(period.end);
        expect(d.dueAt!).toBeGreaterThan(r);
        for (const t of [r, d.finishedAt, d.returnedAt, d.updatedAt]) if (t !== null) expect(t % 1000).toBe(0);
        expect(d.updatedAt).toBeLessThanOrEqual(now);
        expect(d.updatedAt).toBeGreaterThanOrEqual(r);
        if (d.status === 9 || d.status === 10) {
          expect(d.finishedAt).not.toBeNull();
          expect(d.finishedAt!).toBeGreaterThan(r);
        } else {
          expect(d.finishedAt).toBeNull();
        }
        if (d.status === 10) {
          expect(d.returnedAt!).toBeGreaterThan(d.finishedAt!);
          expect(d.updatedAt).toBe(d.returnedAt);
        } else {
          expect(d.returnedAt).toBeNull();
        }
        if (d.status === 9) expect(d.updatedAt).toBe(d.finishedAt);
      }
    }
    expect([...statuses].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const channels = new Set(world.provinces[0]!.local.map((d) => d.channel));
    expect(channels).toEqual(new Set([1, 2, 3]));
  });

  it('sorts both sides by (updatedAt, code)', () => {
    for (const p of world.provinces) {
      for (const list of [p.local, p.national]) {
        for (let i = 1; i < list.length; i++) {
          const a = list[i - 1]!;
          const b = list[i]!;
          expect(a.updatedAt < b.updatedAt || (a.updatedAt === b.updatedAt && a.code < b.code)).toBe(true);
        }
      }
    }
  });

  it('round-trips through the national sync shape', () => {
    for (const d of world.provinces[1]!.local.slice(0, 300)) {
      expect(normaliseDvcqg(toDvcqgItem(d), { statusMap: IDENTITY_STATUS_MAP })).toEqual({ ok: true, dossier: d });
    }
  });
});

describe('injected discrepancies', () => {
  it('lists the configured counts per province and kind, on distinct local dossiers', () => {
    const custom = generateWorld({ ...BASE, seed: 9, inject: { notSynced: 4, statusLag: 2, dateShift: 5 } });
    for (const w of [world, custom]) {
      const expected = w === world ? [3, 3, 2] : [4, 2, 5];
      for (const p of w.provinces) {
        const mine = w.truth.filter((t) => t.province === p.province);
        expect(mine.filter((t) => t.kind === 'missing_national')).toHaveLength(expected[0]!);
        expect(mine.filter((t) => t.kind === 'status_lag')).toHaveLength(expected[1]!);
        expect(mine.filter((t) => t.kind === 'date_shift')).toHaveLength(expected[2]!);
        const local = byCode(p.local);
        for (const t of mine) expect(local.get(t.dossierCode)?.agency).toBe(t.agency);
      }
      expect(injectedCodes(w).size).toBe(w.truth.length);
    }
  });

  it('changes the national copy exactly as specified', () => {
    const { period } = world;
    for (const p of world.provinces) {
      const local = byCode(p.local);
      const national = byCode(p.national);
      for (const t of world.truth.filter((x) => x.province === p.province)) {
        const l = local.get(t.dossierCode)!;
        const n = national.get(t.dossierCode);
        expect([1, 3]).not.toContain(l.status);
        if (t.kind === 'missing_national') {
          expect(n).toBeUndefined();
          expect(l.receivedAt!).toBeGreaterThanOrEqual(period.start);
          expect(l.receivedAt!).toBeLessThan(period.end);
        } else if (t.kind === 'status_lag') {
          expect([9, 10]).toContain(l.status);
          expect(l.finishedAt!).toBeGreaterThanOrEqual(period.start);
          expect(l.finishedAt!).toBeLessThan(period.end);
          expect(n).toEqual({ ...l, status: 4, finishedAt: null, returnedAt: null, updatedAt: n!.updatedAt });
          expect(n!.updatedAt).toBeLessThan(l.updatedAt);
          expect(n!.updatedAt).toBeGreaterThanOrEqual(l.receivedAt!);
        } else {
          expect(l.receivedAt!).toBeGreaterThanOrEqual(period.start);
          expect(l.receivedAt!).toBeLessThan(period.start + 7 * HOUR);
          const minus = (x: number | null) => (x === null ? null : x - 7 * HOUR);
          expect(n).toEqual({
            ...l,
            receivedAt: minus(l.receivedAt),
            dueAt: minus(l.dueAt),
            finishedAt: minus(l.finishedAt),
            returnedAt: minus(l.returnedAt),
            updatedAt: l.updatedAt - 7 * HOUR,
          });
          for (const b of [period.start, period.end])
            for (const x of [l.finishedAt, l.returnedAt]) if (x !== null) expect(x >= b).toBe(x - 7 * HOUR >= b);
        }
      }
    }
  });

  it('keeps every other dossier identical on both sides', () => {
    const injected = injectedCodes(world);
    for (const p of world.provinces) {
      const missing = world.truth.filter((t) => t.province === p.province && t.kind === 'missing_national').length;
      expect(p.national).toHaveLength(p.local.length - missing);
      const national = byCode(p.national);
      const clean = p.local.filter((d) => !injected.has(d.code));
      expect(clean.length).toBe(p.local.length - world.truth.filter((t) => t.province === p.province).length);
      for (const d of clean) expect(national.get(d.code)).toEqual(d);
      const cleanCodes = byCode(clean);
      for (const d of p.national) expect(injected.has(d.code) || cleanCodes.has(d.code)).toBe(true);
    }
  });

  it('moves the national per-agency counts only in the expected directions', () => {
    const { period } = world;
    let agenciesWithDiscrepancies = 0;
    for (const p of world.provinces) {
      const local = new Tally(period);
      const national = new Tally(period);
      for (const d of p.local) local.add(d.agency, d);
      for (const d of p.national) national.add(d.agency, d);
      const localByCode = byCode(p.local);
      for (const agency of p.agencies) {
        const mine = world.truth.filter((t) => t.province === p.province && t.agency === agency);
        const count = (kind: string) => mine.filter((t) => t.kind === kind).length;
        const missingProcessed = mine.filter(
          (t) => t.kind === 'missing_national' && hasMetric(metricsOf(localByCode.get(t.dossierCode)!, period), 'processed'),
        ).length;
        const l: Counts = local.get(agency);
        const n: Counts = national.get(agency);
        expect(n.received - l.received).toBe(0 - (count('missing_national') + count('date_shift')));
        expect(n.carriedOver - l.carriedOver).toBe(count('date_shift'));
        expect(n.toProcess - l.toProcess).toBe(0 - count('missing_national'));
        expect(n.processed - l.processed).toBe(0 - (count('status_lag') + missingProcessed));
        if (mine.length > 0) {
          agenciesWithDiscrepancies++;
          expect(METRICS.some((m) => n[m] !== l[m])).toBe(true);
        } else {
          expect(n).toEqual(l);
        }
      }
    }
    expect(agenciesWithDiscrepancies).toBeGreaterThan(3);
  });

  it('writes the ground truth as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-truth-'));
    try {
      const file = join(dir, 'sub', 'truth.json');
      await writeTruth(world, file);
      const json = JSON.parse(await readFile(file, 'utf8'));
      expect(json).toEqual({ seed: 42, period: { from: '2025-05-01', to: '2025-05-31' }, truth: world.truth });
      expect(json.truth).toHaveLength(3 * 8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('volume', () => {
  it('works for small volumes and refuses impossible ones', () => {
    const small = generateWorld({ ...BASE, dossiersPerProvince: 50 });
    expect(small.truth).toHaveLength(3 * 8);
    expect(() => generateWorld({ ...BASE, dossiersPerProvince: 5 })).toThrow(/raise the volume/);
    expect(() => generateWorld({ ...BASE, month: '2025-13' })).toThrow();
    expect(() => generateWorld({ ...BASE, provinces: ['H49', 'H49'] })).toThrow(/twice/);
  });

  it('generates a large province quickly', () => {
    const t0 = Date.now();
    const big = generateWorld({ ...BASE, provinces: ['H49'], dossiersPerProvince: 200_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const p = big.provinces[0]!;
    expect(p.local).toHaveLength(200_000);
    expect(new Set(p.local.map((d) => d.code)).size).toBe(200_000);
    expect(p.national).toHaveLength(200_000 - 3);
  });

  it('adds agencies when the 4-digit daily sequence would overflow', () => {
    // one agency over 51 days would need > 5,000 dossiers a day on average
    const busy = generateWorld({ ...BASE, provinces: ['H56'], dossiersPerProvince: 300_000, agenciesPerProvince: 1 });
    const p = busy.provinces[0]!;
    expect(p.agencies).toHaveLength(2);
    const perDay = new Map<string, number>();
    for (const d of p.local) {
      const m = DOSSIER_CODE.exec(d.code)!;
      perDay.set(`${m[1]}-${m[2]}`, (perDay.get(`${m[1]}-${m[2]}`) ?? 0) + 1);
    }
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(9999);
    expect(new Set(p.local.map((d) => d.code)).size).toBe(300_000);
    expect(generateWorld({ ...BASE, dossiersPerProvince: 300, agenciesPerProvince: 1 }).provinces[0]!.agencies).toEqual([
      rootAgency('H49'),
    ]);
  });
});
