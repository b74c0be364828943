import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalDossier, type CanonicalDossier } from '../../schemas/dossier.js';
import { DOSSIER_CODE, rootAgency } from '../../src/domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg, toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { METRICS } from '../../schemas/metrics.js';
import { Tally, metricsOf, hasMetric } from '../../src/reconcile/counting.js';
import { type Counts } from '../../src/domain/figures.js';
import { ORACLE_DEFAULT_RULES, oracleMetrics } from '../../src/sim/oracle.js';
import { Rng } from '../../src/sim/random.js';
import {
  DEFAULT_INJECT,
  expectedStore,
  generateWorld,
  writeTruth,
  type World,
  type WorldOptions,
} from '../../src/sim/world.js';
import { vn } from '../helpers/fixtures.js';

const HOUR = 3_600_000;

const BASE: WorldOptions = { seed: 42, month: '2025-05', provinces: ['H49', 'H56', 'H12'], dossiersPerProvince: 1500 };
const world = generateWorld(BASE);
/** Only the three kinds injected before the others existed. */
const NONE_NEW = {
  missingLocal: 0,
  replacedCode: 0,
  unmappedProcedure: 0,
  definitionDrift: 0,
  duplicateNational: 0,
  duplicateListedTwice: 0,
  duplicateTwoAgencies: 0,
  withdrawnMapped: 0,
};

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
      const deleted = new Set(world.truth.filter((t) => t.kind === 'missing_local').map((t) => t.dossierCode));
      for (const d of [...p.local, ...p.national.filter((n) => deleted.has(n.code))]) {
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
      // daily sequences run 1..n per agency, in receive order (dossiers deleted locally included)
      for (const seqs of perAgencyDay.values()) expect(seqs.sort((x, y) => x - y)).toEqual(seqs.map((_, i) => i + 1));
    }
    expect(all.size).toBe(3 * 1500 + 3 * DEFAULT_INJECT.missingLocal);
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
  const KINDS = [
    'missing_national',
    'status_lag',
    'date_shift',
    'missing_local',
    'code_divergence',
    'definition_drift',
    'duplicate_national',
  ] as const;

  it('lists the configured counts per province and kind, on distinct dossiers', () => {
    const asked = {
      notSynced: 4,
      statusLag: 2,
      dateShift: 5,
      missingLocal: 2,
      replacedCode: 2,
      unmappedProcedure: 3,
      definitionDrift: 2,
      duplicateNational: 1,
      duplicateListedTwice: 2,
      duplicateTwoAgencies: 1,
      withdrawnMapped: 2,
    };
    const custom = generateWorld({ ...BASE, seed: 9, inject: asked });
    const old = generateWorld({ ...BASE, seed: 9, inject: { notSynced: 4, statusLag: 2, dateShift: 5, ...NONE_NEW } });
    for (const [w, c] of [
      [world, DEFAULT_INJECT],
      [custom, asked],
      [old, { ...asked, ...NONE_NEW, unmappedProcedure: 0, replacedCode: 0, notSynced: 4, statusLag: 2, dateShift: 5 }],
    ] as const) {
      expect(w.inject).toEqual(c);
      const expected = {
        missing_national: c.notSynced,
        status_lag: c.statusLag,
        date_shift: c.dateShift,
        missing_local: c.missingLocal,
        code_divergence: c.replacedCode + c.unmappedProcedure,
        definition_drift: c.definitionDrift + c.withdrawnMapped,
        duplicate_national: c.duplicateNational + c.duplicateListedTwice + c.duplicateTwoAgencies,
      };
      for (const p of w.provinces) {
        const mine = w.truth.filter((t) => t.province === p.province);
        for (const k of KINDS)
          expect(
            mine.filter((t) => t.kind === k),
            k,
          ).toHaveLength(expected[k]);
        expect(mine.filter((t) => t.form === 'replaced_code')).toHaveLength(c.replacedCode);
        expect(mine.filter((t) => t.form === 'unmapped_procedure')).toHaveLength(c.unmappedProcedure);
        expect(mine.filter((t) => t.form === 'second_code')).toHaveLength(c.duplicateNational);
        expect(mine.filter((t) => t.form === 'listed_twice')).toHaveLength(c.duplicateListedTwice);
        expect(mine.filter((t) => t.form === 'two_agencies')).toHaveLength(c.duplicateTwoAgencies);
        const local = byCode(p.local);
        for (const t of mine) {
          // the finding's code is local, except for missing_local and duplicate_national (national, under the extra copy's agency)
          const national = t.kind === 'missing_local' || t.kind === 'duplicate_national';
          const side = national
            ? p.national.filter((d) => d.code === t.dossierCode && d.agency === t.agency)
            : [local.get(t.dossierCode)].filter((d) => d?.agency === t.agency);
          expect(side.length, `${t.kind} ${t.dossierCode}`).toBeGreaterThan(0);
        }
      }
      expect(injectedCodes(w).size).toBe(w.truth.length);
      expect(
        w.truth
          .filter((t) => t.kind === 'code_divergence' || t.kind === 'duplicate_national')
          .every((t) => t.form !== undefined || t.related !== undefined),
      ).toBe(true);
    }
    expect(
      old.truth.map((t) => t.kind).every((k) => ['missing_national', 'status_lag', 'date_shift'].includes(k)),
    ).toBe(true);
  });

  it('changes the national copy exactly as specified', () => {
    const { period, now } = world;
    const minus = (x: number | null) => (x === null ? null : x - 7 * HOUR);
    for (const p of world.provinces) {
      const local = byCode(p.local);
      const national = byCode(p.national);
      const root = rootAgency(p.province);
      for (const t of world.truth.filter((x) => x.province === p.province)) {
        const l = local.get(t.dossierCode);
        const n = national.get(t.dossierCode);
        expect([1, 3]).not.toContain((l ?? n)!.status);
        switch (t.kind) {
          case 'missing_national':
            expect(n).toBeUndefined();
            expect(l!.receivedAt!).toBeGreaterThanOrEqual(period.start);
            expect(l!.receivedAt!).toBeLessThan(period.end);
            break;
          case 'missing_local':
            expect(l).toBeUndefined();
            expect(n!.receivedAt!).toBeGreaterThanOrEqual(period.start);
            expect(n!.receivedAt!).toBeLessThan(period.end);
            expect(n!.code).toMatch(DOSSIER_CODE);
            break;
          case 'status_lag':
            expect([9, 10]).toContain(l!.status);
            expect(l!.finishedAt!).toBeGreaterThanOrEqual(period.start);
            expect(l!.finishedAt!).toBeLessThan(period.end);
            expect(n).toEqual({ ...l, status: 4, finishedAt: null, returnedAt: null, updatedAt: n!.updatedAt });
            expect(n!.updatedAt).toBeLessThan(l!.updatedAt);
            expect(n!.updatedAt).toBeGreaterThanOrEqual(l!.receivedAt!);
            break;
          case 'date_shift':
            expect(l!.receivedAt!).toBeGreaterThanOrEqual(period.start);
            expect(l!.receivedAt!).toBeLessThan(period.start + 7 * HOUR);
            expect(n).toEqual({
              ...l,
              receivedAt: minus(l!.receivedAt),
              dueAt: minus(l!.dueAt),
              finishedAt: minus(l!.finishedAt),
              returnedAt: minus(l!.returnedAt),
              updatedAt: l!.updatedAt - 7 * HOUR,
            });
            for (const b of [period.start, period.end])
              for (const x of [l!.finishedAt, l!.returnedAt]) if (x !== null) expect(x >= b).toBe(x - 7 * HOUR >= b);
            break;
          case 'definition_drift':
            if (t.rule === 'withdrawn counted as processed') {
              // withdrawn locally when it finished, sent to the portal as finished, as new as the local copy
              expect(l!.status).toBe(7);
              expect(n).toEqual({ ...l, status: 9 });
              expect(l!.finishedAt!).toBeGreaterThanOrEqual(period.start);
              expect(l!.finishedAt!).toBeLessThan(period.end);
              expect(l!.updatedAt).toBe(l!.finishedAt);
              break;
            }
            expect(t.rule).toBe('processed keyed on the return date');
            expect(l!.status).toBe(10);
            expect(l!.finishedAt!).toBeGreaterThanOrEqual(period.end - 3 * 24 * HOUR);
            expect(l!.finishedAt!).toBeLessThan(period.end);
            expect(l!.returnedAt!).toBeGreaterThanOrEqual(period.end);
            expect(l!.returnedAt!).toBeLessThan(now);
            expect(l!.returnedAt! - l!.finishedAt!).not.toBe(7 * HOUR);
            expect(n).toEqual({ ...l, finishedAt: l!.returnedAt });
            break;
          case 'code_divergence':
            if (t.form === 'replaced_code') {
              expect(n).toBeUndefined();
              expect(l!.agency).not.toBe(root);
              const r = national.get(t.related!)!;
              expect(t.related).not.toMatch(DOSSIER_CODE);
              expect(local.has(t.related!)).toBe(false);
              expect(r).toEqual({ ...l, code: t.related, agency: root }); // filed under the root
            } else {
              expect(t.form).toBe('unmapped_procedure');
              expect(n).toBe(l); // the same object: the province sent its local code
              expect(l!.procedure).toMatch(new RegExp(`^1\\.\\d{6}\\.000\\.00\\.00\\.${p.province}$`));
              expect(p.procedureMap[l!.procedure]).toBe(l!.procedure.slice(0, 8));
              expect(world.procedureMap[l!.procedure]).toBe(l!.procedure.slice(0, 8));
              expect(hasMetric(metricsOf(l!, period), 'toProcess')).toBe(true);
            }
            break;
          case 'duplicate_national': {
            expect(t.form).toBe('second_code'); // the default form
            expect(local.has(t.dossierCode)).toBe(false);
            const original = local.get(t.related!)!;
            expect(national.get(t.related!)).toBe(original);
            expect(n).toEqual({ ...original, code: t.dossierCode });
            expect(t.dossierCode.slice(0, -4)).toBe(original.code.slice(0, -4)); // same agency and day, a new sequence number
            break;
          }
        }
      }
    }
  });

  it('keeps every other dossier identical on both sides', () => {
    const injected = injectedCodes(world);
    for (const p of world.provinces) {
      const mine = world.truth.filter((t) => t.province === p.province);
      const n = (k: string) => mine.filter((t) => t.kind === k).length;
      expect(p.national).toHaveLength(
        p.local.length - n('missing_national') + n('missing_local') + n('duplicate_national'),
      );
      const national = byCode(p.national);
      const related = new Set(mine.flatMap((t) => (t.related ? [t.related] : [])));
      const clean = p.local.filter((d) => !injected.has(d.code) && !related.has(d.code));
      // a duplicate's code is national only, its original (local) is not clean
      expect(clean.length).toBe(p.local.length - mine.length + n('missing_local'));
      for (const d of clean) expect(national.get(d.code)).toBe(d);
      const cleanCodes = byCode(clean);
      for (const d of p.national)
        expect(injected.has(d.code) || related.has(d.code) || cleanCodes.has(d.code)).toBe(true);
    }
  });

  it('gives each injected dossier its own (agency, procedure) counts, which differ between the store and the national copy', () => {
    const { period } = world;
    for (const p of world.provinces) {
      const store = new Tally(period);
      const national = new Tally(period);
      for (const d of expectedStore(p)) store.add(`${d.agency}|${d.procedure}`, d);
      for (const d of p.national) national.add(`${d.agency}|${d.procedure}`, d);
      const stored = byCode(expectedStore(p));
      const nat = byCode(p.national);
      const pairs: string[] = [];
      for (const t of world.truth.filter((x) => x.province === p.province)) {
        const d = stored.get(t.dossierCode) ?? nat.get(t.dossierCode)!;
        const own = [`${d.agency}|${d.procedure}`];
        if (t.form === 'replaced_code') own.push(`${rootAgency(p.province)}|${d.procedure}`);
        for (const pair of own) {
          const a: Counts = store.get(pair);
          const b: Counts = national.get(pair);
          expect(
            METRICS.some((m) => a[m] !== b[m]),
            `${t.kind} ${t.dossierCode} ${pair}`,
          ).toBe(true);
        }
        pairs.push(...own);
      }
      expect(new Set(pairs).size).toBe(pairs.length);
      // every other pair agrees, but the national one of each unmapped procedure code
      const touched = new Set(pairs);
      for (const t of world.truth.filter((x) => x.province === p.province && x.form === 'unmapped_procedure')) {
        const l = p.local.find((d) => d.code === t.dossierCode)!;
        touched.add(`${l.agency}|${l.procedure}`);
        expect(store.groups.has(`${l.agency}|${l.procedure}`)).toBe(false);
        expect(national.groups.has(`${l.agency}|${l.procedure}`)).toBe(true);
      }
      for (const key of new Set([...store.groups.keys(), ...national.groups.keys()]))
        if (!touched.has(key)) expect(national.get(key), key).toEqual(store.get(key));
    }
  });

  it('moves the national per-agency counts only in the expected directions', () => {
    const { period } = world;
    let agenciesWithDiscrepancies = 0;
    for (const p of world.provinces) {
      const local = new Tally(period);
      const national = new Tally(period);
      for (const d of expectedStore(p)) local.add(d.agency, d);
      for (const d of p.national) national.add(d.agency, d);
      const root = rootAgency(p.province);
      const localByCode = byCode(p.local);
      const nationalByCode = byCode(p.national);
      const unmappedAgencies = new Set<string>();
      for (const agency of p.agencies) {
        const mine = world.truth.filter((t) => t.province === p.province && t.agency === agency);
        const count = (kind: string, form?: string) =>
          mine.filter((t) => t.kind === kind && (form === undefined || t.form === form)).length;
        const processed = (t: { dossierCode: string }) =>
          hasMetric(
            metricsOf((localByCode.get(t.dossierCode) ?? nationalByCode.get(t.dossierCode))!, period),
            'processed',
          );
        const some = (kind: string, test: (t: (typeof mine)[number]) => boolean) =>
          mine.filter((t) => t.kind === kind && test(t)).length;
        // replaced codes move from their agency to the root
        const filedHere =
          agency === root ? world.truth.filter((t) => t.province === p.province && t.form === 'replaced_code') : [];
        const replacedOut = count('code_divergence', 'replaced_code');
        const l: Counts = local.get(agency);
        const n: Counts = national.get(agency);
        expect(n.received - l.received).toBe(
          -count('missing_national') -
            count('date_shift') +
            count('missing_local') -
            replacedOut +
            filedHere.length +
            some('duplicate_national', (t) =>
              hasMetric(metricsOf(nationalByCode.get(t.dossierCode)!, period), 'received'),
            ),
        );
        expect(n.carriedOver - l.carriedOver).toBe(
          count('date_shift') +
            some('duplicate_national', (t) =>
              hasMetric(metricsOf(nationalByCode.get(t.dossierCode)!, period), 'carriedOver'),
            ),
        );
        expect(n.processed - l.processed).toBe(
          -count('status_lag') -
            count('definition_drift') -
            some('missing_national', processed) +
            some('missing_local', processed) -
            some('code_divergence', (t) => t.form === 'replaced_code' && processed(t)) +
            filedHere.filter(processed).length +
            some('duplicate_national', processed),
        );
        if (count('code_divergence', 'unmapped_procedure') > 0) {
          unmappedAgencies.add(agency);
          expect(mine.every((t) => t.form === 'unmapped_procedure')).toBe(true); // alone at its agency
          expect(agency).not.toBe(root);
          expect(n).toEqual(l); // only the per-procedure counts differ
        } else if (mine.length > 0 || filedHere.length > 0) {
          agenciesWithDiscrepancies++;
          expect(METRICS.some((m) => n[m] !== l[m])).toBe(true);
        } else {
          expect(n).toEqual(l);
        }
      }
      expect(unmappedAgencies.size).toBe(1);
    }
    expect(agenciesWithDiscrepancies).toBeGreaterThan(3);
  });

  it('gives the store content a source with the procedure map would hold', () => {
    for (const p of world.provinces) {
      const store = expectedStore(p);
      expect(store).toHaveLength(p.local.length);
      const variants = p.local.filter((d) => Object.hasOwn(p.procedureMap, d.procedure));
      expect(variants.length).toBe(
        world.truth.filter((t) => t.province === p.province && t.form === 'unmapped_procedure').length,
      );
      for (let i = 0; i < store.length; i++) {
        const d = p.local[i]!;
        if (Object.hasOwn(p.procedureMap, d.procedure))
          expect(store[i]).toEqual({ ...d, procedure: p.procedureMap[d.procedure] });
        else expect(store[i]).toBe(d);
      }
      expect(expectedStore(p, {})).toEqual(p.local); // a source without a map stores the local codes
    }
  });

  it('writes the ground truth as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-truth-'));
    try {
      const file = join(dir, 'sub', 'truth.json');
      await writeTruth(world, file);
      const json = JSON.parse(await readFile(file, 'utf8'));
      expect(json).toEqual({ seed: 42, period: { from: '2025-05-01', to: '2025-05-31' }, truth: world.truth });
      expect(json.truth).toHaveLength(3 * 13);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('national duplicates of every form, shared keys, unexplained keys', () => {
  const FORMS = { duplicateNational: 3, duplicateListedTwice: 3, duplicateTwoAgencies: 3 };
  const shared = generateWorld({
    ...BASE,
    seed: 5,
    dossiersPerProvince: 600,
    inject: {
      notSynced: 6,
      statusLag: 6,
      dateShift: 4,
      missingLocal: 4,
      replacedCode: 3,
      unmappedProcedure: 2,
      definitionDrift: 3,
      ...FORMS,
    },
    shareKeys: true,
    unexplainedKeys: 2,
  });
  /** The (agency, procedure) pairs an injection moves, and which way the national figures go there. */
  const movedPairs = (w: World, p: World['provinces'][number]): Map<string, Set<string>> => {
    const local = byCode(p.local);
    const root = rootAgency(p.province);
    const out = new Map<string, Set<string>>();
    const add = (agency: string, procedure: string, way: string) =>
      out.set(`${agency}|${procedure}`, (out.get(`${agency}|${procedure}`) ?? new Set()).add(way));
    for (const t of w.truth.filter((x) => x.province === p.province)) {
      const d = local.get(t.dossierCode) ?? p.national.find((n) => n.code === t.dossierCode)!;
      if (t.form === 'unmapped_procedure') continue; // alone at its agency
      if (t.form === 'replaced_code') add(root, d.procedure, 'more');
      const more = t.kind === 'missing_local' || t.kind === 'duplicate_national';
      add(t.agency, d.procedure, more ? 'more' : 'fewer');
    }
    return out;
  };

  it('holds the same code twice nationally, or under a second agency, with one truth entry per extra copy', () => {
    for (const p of shared.provinces) {
      const mine = shared.truth.filter((t) => t.province === p.province && t.kind === 'duplicate_national');
      expect(mine.map((t) => t.form).sort()).toEqual([
        ...Array(3).fill('listed_twice'),
        ...Array(3).fill('second_code'),
        ...Array(3).fill('two_agencies'),
      ]);
      const local = byCode(p.local);
      for (const t of mine) {
        if (t.form === 'second_code') continue; // checked above
        const original = local.get(t.dossierCode)!;
        const copies = p.national.filter((d) => d.code === t.dossierCode);
        expect(copies).toHaveLength(2);
        for (const c of copies) expect({ ...c, agency: original.agency }).toEqual(original);
        if (t.form === 'listed_twice') {
          expect(t.agency).toBe(original.agency);
          expect(copies.map((c) => c.agency)).toEqual([original.agency, original.agency]);
        } else {
          expect(t.agency).not.toBe(original.agency);
          expect(t.agency).not.toBe(rootAgency(p.province)); // the root's code lists the whole province
          expect(copies.map((c) => c.agency).sort()).toEqual([original.agency, t.agency].sort());
          expect(p.agencies).toContain(t.agency);
        }
        expect(hasMetric(metricsOf(original, shared.period), 'toProcess')).toBe(true); // each copy counts
      }
    }
  });

  it('gathers several kinds on the same agency and procedure, never moving one pair both ways', () => {
    let gathered = 0;
    for (const p of shared.provinces) {
      for (const [pair, ways] of movedPairs(shared, p)) {
        expect(ways.size, pair).toBe(1);
      }
      const kindsPerPair = new Map<string, Set<string>>();
      const local = byCode(p.local);
      for (const t of shared.truth.filter((x) => x.province === p.province && x.form !== 'unmapped_procedure')) {
        const d = local.get(t.dossierCode) ?? p.national.find((n) => n.code === t.dossierCode)!;
        const pair = `${t.agency}|${d.procedure}`;
        kindsPerPair.set(pair, (kindsPerPair.get(pair) ?? new Set()).add(t.kind));
      }
      gathered += [...kindsPerPair.values()].filter((k) => k.size >= 2).length;
    }
    expect(gathered).toBeGreaterThan(3);
    // without shareKeys, each pair carries one injection
    const apart = generateWorld({ ...BASE, seed: 5, dossiersPerProvince: 600, inject: FORMS });
    for (const p of apart.provinces) {
      const count = new Map<string, number>();
      const local = byCode(p.local);
      for (const t of apart.truth.filter((x) => x.province === p.province && x.form !== 'unmapped_procedure')) {
        const d = local.get(t.dossierCode) ?? p.national.find((n) => n.code === t.dossierCode)!;
        count.set(`${t.agency}|${d.procedure}`, (count.get(`${t.agency}|${d.procedure}`) ?? 0) + 1);
      }
      expect(Math.max(...count.values())).toBe(1);
    }
  });

  it("leaves every injected dossier's pair with a national gap it cannot cancel", () => {
    for (const p of shared.provinces) {
      const store = expectedStore(p);
      const tally = (list: CanonicalDossier[]) => {
        const t = new Tally(shared.period);
        for (const d of list) t.add(`${d.agency}|${d.procedure}`, d);
        return t;
      };
      const [l, n] = [tally(store), tally(p.national)];
      for (const pair of movedPairs(shared, p).keys()) {
        const gap = (['received', 'toProcess', 'processed'] as const).map((m) => n.get(pair)[m] - l.get(pair)[m]);
        expect(
          gap.some((g) => g !== 0),
          pair,
        ).toBe(true);
      }
    }
  });

  it('alters national figures of pairs no injection touches, and lists each key with its agency total', () => {
    expect(world.unexplainedKeys).toEqual([]);
    expect(world.provinces.every((p) => p.nationalAlterations.length === 0)).toBe(true);
    expect(shared.unexplainedKeys).toHaveLength(3 * 2 * 2);
    for (const p of shared.provinces) {
      const moved = movedPairs(shared, p);
      const keys = shared.unexplainedKeys.filter((k) => k.province === p.province);
      expect(p.nationalAlterations).toHaveLength(2);
      expect(new Set(p.nationalAlterations.map((a) => `${a.agency}|${a.metric}`)).size).toBe(2);
      for (const a of p.nationalAlterations) {
        expect(moved.has(`${a.agency}|${a.procedure}`)).toBe(false);
        expect(
          p.local.some(
            (d) =>
              d.agency === a.agency &&
              d.procedure === a.procedure &&
              hasMetric(metricsOf(d, shared.period), 'toProcess'),
          ),
        ).toBe(true);
        expect([1, 2]).toContain(a.delta);
        expect(METRICS).toContain(a.metric);
        expect(keys).toContainEqual({
          province: p.province,
          agency: a.agency,
          procedure: a.procedure,
          metric: a.metric,
          residual: a.delta,
        });
        expect(keys).toContainEqual({
          province: p.province,
          agency: a.agency,
          procedure: null,
          metric: a.metric,
          residual: a.delta,
        });
      }
    }
    // the same world without them is otherwise the same
    const without = generateWorld({
      ...BASE,
      seed: 5,
      dossiersPerProvince: 600,
      inject: shared.inject,
      shareKeys: true,
    });
    expect(without.truth).toEqual(shared.truth);
    expect(without.provinces.map((p) => [p.local, p.national])).toEqual(
      shared.provinces.map((p) => [p.local, p.national]),
    );
  });
});

describe('volume', () => {
  it('works for small volumes and refuses impossible ones', () => {
    const small = generateWorld({ ...BASE, dossiersPerProvince: 200 });
    expect(small.truth).toHaveLength(3 * 13);
    const tiny = generateWorld({ ...BASE, dossiersPerProvince: 50, inject: NONE_NEW });
    expect(tiny.truth).toHaveLength(3 * 8);
    expect(() => generateWorld({ ...BASE, dossiersPerProvince: 5 })).toThrow(/raise the volume/);
    expect(() => generateWorld({ ...BASE, dossiersPerProvince: 30 })).toThrow(/raise the volume/);
    expect(() => generateWorld({ ...BASE, inject: { definitionDrift: 500 } })).toThrow(
      /definition_drift.*raise the volume/,
    );
    expect(() => generateWorld({ ...BASE, inject: { duplicates: 1 } as never })).toThrow(/inject.duplicates/);
    expect(() => generateWorld({ ...BASE, inject: { missingLocal: -1 } })).toThrow(/inject.missingLocal/);
    expect(() => generateWorld({ ...BASE, month: '2025-13' })).toThrow();
    expect(() => generateWorld({ ...BASE, provinces: ['H49', 'H49'] })).toThrow(/twice/);
  });

  it('generates a large province', () => {
    // (how fast is the bench's business, not a test's: no timed assertion)
    const big = generateWorld({ ...BASE, provinces: ['H49'], dossiersPerProvince: 200_000 });
    const p = big.provinces[0]!;
    expect(p.local).toHaveLength(200_000);
    expect(new Set(p.local.map((d) => d.code)).size).toBe(200_000);
    expect(p.national).toHaveLength(200_000 - 3 + 1 + 1); // missing nationally, missing locally, duplicated
  });

  it('adds agencies when the 4-digit daily sequence would overflow', () => {
    // one agency over 51 days would need > 5,000 dossiers a day on average
    const busy = generateWorld({
      ...BASE,
      provinces: ['H56'],
      dossiersPerProvince: 300_000,
      agenciesPerProvince: 1,
      inject: NONE_NEW,
    });
    const p = busy.provinces[0]!;
    expect(p.agencies).toHaveLength(2);
    const perDay = new Map<string, number>();
    for (const d of p.local) {
      const m = DOSSIER_CODE.exec(d.code)!;
      perDay.set(`${m[1]}-${m[2]}`, (perDay.get(`${m[1]}-${m[2]}`) ?? 0) + 1);
    }
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(9999);
    expect(new Set(p.local.map((d) => d.code)).size).toBe(300_000);
    expect(
      generateWorld({ ...BASE, dossiersPerProvince: 300, agenciesPerProvince: 1, inject: NONE_NEW }).provinces[0]!
        .agencies,
    ).toEqual([rootAgency('H49')]);
    // a replaced code needs a non-root agency, unmapped procedure codes one of their own
    expect(
      generateWorld({ ...BASE, dossiersPerProvince: 300, agenciesPerProvince: 1 }).provinces[0]!.agencies,
    ).toHaveLength(3);
    expect(
      generateWorld({ ...BASE, dossiersPerProvince: 300, agenciesPerProvince: 1, inject: { unmappedProcedure: 0 } })
        .provinces[0]!.agencies,
    ).toHaveLength(2);
  });
});

describe('counting rules of the portal (nationalRules)', () => {
  const days = (w: World) => ({ from: w.period.from, to: w.period.to });
  const same = (a: Record<string, boolean>, b: Record<string, boolean>) => Object.keys(a).every((k) => a[k] === b[k]);

  it.each([
    [['due-time'], { dueCompare: 'time' }],
    [['return-date'], { processedOn: 'returned' }],
    [['withdrawn'], { withdrawnIsProcessed: true }],
    [['period-end'], { periodEnd: 'exclusive' }],
    [['submitted'], { receivedOn: 'submitted' }],
    [['due-time', 'withdrawn'], { dueCompare: 'time', withdrawnIsProcessed: true }],
  ] as const)(
    '%j: the national figures follow them; the truth lists every national dossier they count differently, with the rule',
    (rules, oracle) => {
      const w = generateWorld({ ...BASE, provinces: ['H49'], dossiersPerProvince: 400, nationalRules: rules });
      const p = w.provinces[0]!;
      const full = { ...ORACLE_DEFAULT_RULES, ...oracle };
      expect(p.nationalRules).toEqual(full);
      const ruled = w.truth.filter((t) => t.form === 'counting_rule');
      expect(ruled.length).toBeGreaterThan(0);
      const injected = new Set(
        w.truth.filter((t) => t.form !== 'counting_rule').flatMap((t) => [t.dossierCode, t.related]),
      );
      const differing = p.national.filter(
        (d) => !injected.has(d.code) && !same(oracleMetrics(d, days(w), full), oracleMetrics(d, days(w))),
      );
      expect(ruled.map((t) => t.dossierCode).sort()).toEqual(differing.map((d) => d.code).sort());
      for (const t of ruled) expect(t.rule).toBe(p.ruleNames![t.agency]);
      if (rules.length === 2)
        expect(Object.values(p.ruleNames!)).toContain('due compared with time of day + withdrawn counted as processed');
      // the records agree: the same objects on both sides
      const local = byCode(p.local);
      for (const t of ruled) expect(p.national.find((d) => d.code === t.dossierCode)).toBe(local.get(t.dossierCode));
    },
  );

  it('refuses a rule it does not know, or one asked twice', () => {
    expect(() => generateWorld({ ...BASE, nationalRules: ['weekly' as never] })).toThrow(
      /"weekly" is not a counting rule/,
    );
    expect(() => generateWorld({ ...BASE, nationalRules: ['withdrawn', 'withdrawn'] })).toThrow(/asked twice/);
  });

  it('leaves a world without rules as it was', () => {
    const a = generateWorld({ ...BASE, seed: 5, provinces: ['H49'], dossiersPerProvince: 300 });
    const b = generateWorld({ ...BASE, seed: 5, provinces: ['H49'], dossiersPerProvince: 300, nationalRules: [] });
    expect(b).toEqual(a);
    expect(a.provinces[0]!.local.some((d) => d.submittedAt !== undefined)).toBe(false);
  });
});
