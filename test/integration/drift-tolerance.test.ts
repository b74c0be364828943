/**
 * The rules that explain counts under non-exact tolerances (docs/domain.md, Definition drift):
 * simulated provinces whose portal counts by a variant of the counting rules, reconciled in one
 * real night (the BullMQ flow on a private Redis, the dvcqg simulator over HTTP) with
 * `tolerances` of 1 dossier (and 10% on `onTime`). The rule moves some keys by more than the
 * tolerance (mismatches) and others by no more (not mismatches): the rule must still be named
 * for every mismatch it explains, each left with residual 0. And the other way: a province
 * whose portal counts by the default rules, with dossier-level causes and national figures no
 * dossier explains, gets no rule named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../schemas/report.js';
import { parseConfig } from '../../src/config/load.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { RULE_NAMES } from '../../src/sim/world/rules.js';
import { NO_INJECT, generateWorld, type NationalRule, type World } from '../../src/sim/world.js';
import { compareCounts, EXACT, type Tolerances } from '../../src/reconcile/compare.js';
import { DEFAULT_RULES, Tally, type CountingRules } from '../../src/reconcile/counting.js';
import { groupKey, parseGroupKey, type GroupKey } from '../../src/domain/group.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Figures } from '../../src/domain/figures.js';
import { useRedis } from '../helpers/redis.js';
import { simNight } from '../helpers/sim.js';

const redis = useRedis();
const MONTH = '2026-10';
const TOLERANCES: Tolerances = {
  default: { absolute: 1, percent: 0 },
  metrics: { onTime: { absolute: 0, percent: 10 } },
};
const NONE = NO_INJECT;

/** The portal's rules per province, and the world's seed (one where the rule moves some key beyond the tolerance). */
const RULES: [NationalRule[], number][] = [
  [['due-time'], 301],
  [['return-date'], 302],
  [['withdrawn'], 303],
  [['period-end'], 304],
  [['submitted'], 306],
  [['withdrawn', 'submitted'], 307],
];
const ruled = RULES.map(([rules, seed], i) =>
  generateWorld({
    seed,
    month: MONTH,
    provinces: [`H${20 + i}`],
    dossiersPerProvince: 300,
    inject: NONE,
    nationalRules: rules,
  }),
);
/** Dossier-level causes and altered national figures, the portal counting by the default rules. */
const plain = [0, 1].map((i) =>
  generateWorld({
    seed: 401 + i,
    month: MONTH,
    provinces: [`H${40 + i}`],
    dossiersPerProvince: 300,
    inject: { ...NONE, notSynced: 4, statusLag: 4, missingLocal: 3, dateShift: 3, duplicateListedTwice: 2 },
    shareKeys: true,
    unexplainedKeys: 3,
  }),
);
const worlds = [...ruled, ...plain];
const world: World = {
  ...worlds[0]!,
  provinces: worlds.flatMap((w) => w.provinces),
  truth: worlds.flatMap((w) => w.truth),
  procedureMap: Object.assign({}, ...worlds.map((w) => w.procedureMap)),
  unexplainedKeys: worlds.flatMap((w) => w.unexplainedKeys),
};
const ENV = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let sim: Simulator;
let report: RunReport;

async function night(): Promise<RunReport> {
  Object.assign(process.env, ENV);
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: world.provinces.map((p) => ({
        id: `${p.province.toLowerCase()}-dvcqg`,
        province: p.province,
        initialFrom: '2026-09-01',
        procedureMap: world.procedureMap,
        pageSize: 200,
        dialect: 'dvcqg',
        baseUrl: sim.sourceUrl(p.province),
        usernameEnv: 'SIM_USER',
        passwordEnv: 'SIM_PASSWORD',
      })),
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      tolerances: TOLERANCES,
      worker: { concurrency: 4 },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  return simNight(config, world);
}

beforeAll(async () => {
  sim = await startSimulator(world);
  report = await night();
}, 300_000);

afterAll(async () => {
  await sim?.close();
});

const provinceOf = (w: World) => report.provinces.find((p) => p.province === w.provinces[0]!.province)!;
const keyText = (k: { agency: string; procedure: string | null; metric: string }) =>
  `${k.agency} ${k.procedure ?? '*'} ${k.metric}`;

/** Each (agency, procedure) and agency total's counts of `list` under `rules`. */
function figuresOf(list: readonly CanonicalDossier[], w: World, rules: CountingRules): Figures[] {
  const t = new Tally(w.period, rules);
  for (const d of list) for (const k of [groupKey(d.agency, null), groupKey(d.agency, d.procedure)]) t.add(k, d);
  return [...t.groups].map(([k, counts]) => ({ ...parseGroupKey(k as GroupKey), counts: { ...counts } }));
}

describe('rules that explain counts, with tolerances of 1 dossier and 10% on onTime', () => {
  it('reconciles every province completely', () => {
    expect(report.status).toBe('complete');
    expect(report.provinces).toHaveLength(worlds.length);
    for (const p of report.provinces) expect(p.coverage, p.province).toEqual({ status: 'complete', why: null });
  });

  it('each rule moves some keys within the tolerance and others beyond it, at an agency with a mismatch', () => {
    let both = 0;
    for (const w of ruled) {
      const p = w.provinces[0]!;
      const local = figuresOf(p.local, w, DEFAULT_RULES);
      const national = figuresOf(p.national, w, { ...DEFAULT_RULES, ...p.nationalRules });
      const beyond = compareCounts(local, national, TOLERANCES);
      const hidden = compareCounts(local, national, EXACT).filter(
        (m) => !beyond.some((b) => keyText(b) === keyText(m)),
      );
      if (hidden.some((h) => beyond.some((b) => b.agency === h.agency))) both++;
    }
    expect(both).toBeGreaterThanOrEqual(ruled.length - 1);
  });

  it.each(ruled.map((w, i) => [RULES[i]![0].join(' + '), w] as const))(
    '%s: every mismatch explained by the rule (residual 0), the rule named for each of its keys',
    (_, w) => {
      const p = provinceOf(w);
      const examined = p.mismatches.filter((m) => m.residual !== null && m.residual !== undefined);
      expect(examined.length, 'mismatches beyond the tolerance').toBeGreaterThan(0);
      expect(
        examined.filter((m) => m.residual !== 0).map((m) => `${keyText(m)}: ${m.residual}`),
        'keys left with a residual',
      ).toEqual([]);
      expect(p.findings.filter((f) => f.kind === 'unexplained')).toEqual([]);
      const named = (p.driftRules ?? []).flatMap((r) => r.keys.map(keyText));
      expect(named.sort()).toEqual(examined.map(keyText).sort());
      // each rule named at an agency is the portal's there (a rule's switch whose every change
      // stays within the tolerance cannot be seen, and is not named)
      const truthAt = w.provinces[0]!.ruleNames ?? {};
      for (const r of p.driftRules ?? [])
        for (const a of r.agencies) {
          const turned = r.rule.split(' + ');
          const truth = (truthAt[a] ?? '').split(' + ');
          expect(
            turned.every((x) => truth.includes(x)),
            `${a}: ${r.rule} (the portal: ${truthAt[a]})`,
          ).toBe(true);
          expect(turned.every((x) => Object.values(RULE_NAMES).includes(x as never))).toBe(true);
        }
      // its dossiers are the ones the portal's rules count differently
      const truthCodes = new Set(w.truth.filter((t) => t.form === 'counting_rule').map((t) => t.dossierCode));
      for (const r of p.driftRules ?? []) for (const c of r.dossiers) expect(truthCodes.has(c), c).toBe(true);
      for (const f of p.findings) expect(f.kind).toBe('definition_drift');
    },
  );

  it('the portal counting by the default rules: no rule named, every finding a cause injected', () => {
    for (const w of plain) {
      const p = provinceOf(w);
      expect(p.mismatches.some((m) => m.residual !== null && m.residual !== 0)).toBe(true);
      expect(p.driftRules ?? []).toEqual([]);
      const truth = new Set(w.truth.map((t) => `${t.dossierCode} ${t.kind}`));
      for (const f of p.findings.filter((f) => f.kind !== 'unexplained'))
        expect(truth.has(`${f.dossierCode} ${f.kind}`), `${f.dossierCode} ${f.kind}`).toBe(true);
      expect(p.findings.some((f) => f.kind === 'definition_drift')).toBe(false);
    }
  });
});
