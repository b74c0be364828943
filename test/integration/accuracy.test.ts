/**
 * Accuracy over many worlds: 20 seeds, each its own small simulated province with its own
 * numbers of each kind of discrepancy (0 to 8 each, duplicates of every form), several kinds
 * gathered on the same agency and procedure, some with national figures no dossier explains.
 * Each dialect reconciles all of them in one real night (the BullMQ flow on a private Redis,
 * the simulators over HTTP: `dvcqg` sources, then `rest` sources, the same national feed).
 * The findings must equal the ground truth (precision and recall 1.0 per kind, per dialect),
 * and every mismatch be explained to the last dossier except exactly the unexplained keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_KINDS, type RunReport } from '../../schemas/report.js';
import { parseConfig } from '../../src/config/load.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { Rng } from '../../src/sim/random.js';
import {
  DEFAULT_REST_STATUS_NAMES,
  REST_SIM_CLIENT,
  startRestSimulator,
  type RestSimulator,
} from '../../src/sim/rest-server.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, type InjectCounts, type NationalRule, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simNight } from '../helpers/sim.js';
import { expectFindingsMatchTruth } from '../helpers/truth.js';

const redis = useRedis();
const MONTH = '2026-10';
const SEEDS = Array.from({ length: 20 }, (_, i) => 101 + i);

/**
 * The counting rules the portal's statistics follow in some worlds (definition drift by rule):
 * each alone and pairs, on worlds whose figures have no unexplained key (an altered figure on
 * an agency whose counts a rule moves would leave no rule fitting there).
 */
const RULES_OF: Record<number, NationalRule[]> = {
  0: ['due-time'],
  1: ['return-date'],
  2: ['withdrawn'],
  3: ['period-end'],
  5: ['submitted'],
  6: ['due-time', 'withdrawn'],
  7: ['return-date', 'period-end'],
  8: ['withdrawn', 'submitted'],
};

/** One world per seed, each its own province, with its own numbers of each kind. */
function worldOf(seed: number, i: number): World {
  const rng = new Rng(seed);
  const n = () => rng.int(0, 8);
  const inject: Partial<InjectCounts> = {
    notSynced: n(),
    statusLag: n(),
    dateShift: n(),
    missingLocal: n(),
    replacedCode: n(),
    unmappedProcedure: n(),
    definitionDrift: n(),
    duplicateNational: n(),
    duplicateListedTwice: n(),
    duplicateTwoAgencies: n(),
    withdrawnMapped: n(),
  };
  return generateWorld({
    seed,
    month: MONTH,
    provinces: [`H${String(i + 10).padStart(2, '0')}`],
    dossiersPerProvince: 300,
    inject,
    shareKeys: true,
    unexplainedKeys: i % 5 === 4 ? 1 + (i % 2) : 0,
    nationalRules: RULES_OF[i] ?? [],
  });
}

/** The worlds side by side, as one simulated country (same month, so the same period and clock). */
function together(worlds: World[]): World {
  const first = worlds[0]!;
  return {
    ...first,
    provinces: worlds.flatMap((w) => w.provinces),
    truth: worlds.flatMap((w) => w.truth),
    procedureMap: Object.assign({}, ...worlds.map((w) => w.procedureMap)),
    unexplainedKeys: worlds.flatMap((w) => w.unexplainedKeys),
  };
}

const worlds = SEEDS.map(worldOf);
const world = together(worlds);
const ENV = {
  SIM_USER: SIM_CREDENTIALS.username,
  SIM_PASSWORD: SIM_CREDENTIALS.password,
  REST_ID: REST_SIM_CLIENT.clientId,
  REST_SECRET: REST_SIM_CLIENT.clientSecret,
};

let sim: Simulator;
let rest: RestSimulator;
const reports: Record<'dvcqg' | 'rest', RunReport | undefined> = { dvcqg: undefined, rest: undefined };

function sourceOf(dialect: 'dvcqg' | 'rest', province: string): Record<string, unknown> {
  const common = {
    id: `${province.toLowerCase()}-${dialect}`,
    province,
    initialFrom: '2026-09-01',
    procedureMap: world.procedureMap,
    pageSize: 200,
  };
  if (dialect === 'dvcqg')
    return {
      ...common,
      dialect,
      baseUrl: sim.sourceUrl(province),
      usernameEnv: 'SIM_USER',
      passwordEnv: 'SIM_PASSWORD',
    };
  return {
    ...common,
    dialect,
    baseUrl: rest.baseUrl(province),
    tokenUrl: rest.tokenUrl,
    clientIdEnv: 'REST_ID',
    clientSecretEnv: 'REST_SECRET',
    statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
  };
}

async function night(dialect: 'dvcqg' | 'rest'): Promise<RunReport> {
  Object.assign(process.env, ENV);
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: world.provinces.map((p) => sourceOf(dialect, p.province)),
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      worker: { concurrency: 8 },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  return simNight(config, world);
}

beforeAll(async () => {
  sim = await startSimulator(world);
  rest = await startRestSimulator(world);
  reports.dvcqg = await night('dvcqg');
  reports.rest = await night('rest');
}, 300_000);

afterAll(async () => {
  await sim?.close();
  await rest?.close();
});

describe.each(['dvcqg', 'rest'] as const)('accuracy over 20 worlds, %s sources', (dialect) => {
  it('draws varied worlds: every kind in some, none in others, duplicates of every form, several kinds on one agency and procedure', () => {
    expect(worlds).toHaveLength(20);
    for (const kind of FINDING_KINDS) {
      const counts = worlds.map((w) => w.truth.filter((t) => t.kind === kind).length);
      expect(Math.max(...counts), kind).toBeGreaterThan(1);
      expect(
        counts.some((c) => c === 0 || c < Math.max(...counts)),
        kind,
      ).toBe(true);
    }
    const gathered = worlds.filter((w) => {
      const pairs = w.truth.map((t) => {
        const d =
          w.provinces[0]!.local.find((x) => x.code === t.dossierCode) ??
          w.provinces[0]!.national.find((x) => x.code === t.dossierCode)!;
        return `${t.agency}|${d.procedure}`;
      });
      return new Set(pairs).size < pairs.length;
    });
    expect(gathered.length).toBeGreaterThan(3);
    expect(world.unexplainedKeys.length).toBeGreaterThan(0);
    const forms = new Set(world.truth.filter((t) => t.kind === 'duplicate_national').map((t) => t.form));
    expect(forms).toEqual(new Set(['second_code', 'listed_twice', 'two_agencies']));
  });

  it('reconciles every province completely', () => {
    const report = reports[dialect]!;
    expect(report.status).toBe('complete');
    expect(report.provinces).toHaveLength(20);
    for (const p of report.provinces) expect(p.coverage, p.province).toEqual({ status: 'complete', why: null });
  });

  it('finds exactly the injected discrepancies: precision and recall 1.0, per kind', () => {
    expectFindingsMatchTruth(reports[dialect]!, world.truth);
  });

  it('tells a status mapping from a lag: withdrawn locally, finished nationally, is definition_drift naming the rule', () => {
    const report = reports[dialect]!;
    const mapped = world.truth.filter((t) => t.rule === 'withdrawn counted as processed' && t.form === undefined);
    expect(mapped.length).toBeGreaterThan(3);
    const findings = new Map(
      report.provinces.flatMap((p) => p.findings.map((f) => [`${p.province} ${f.dossierCode}`, f] as const)),
    );
    for (const t of mapped)
      expect(findings.get(`${t.province} ${t.dossierCode}`), t.dossierCode).toMatchObject({
        kind: 'definition_drift',
        rule: t.rule,
      });
  });

  it("names the counting rule each world's portal counts by, per agency, with exactly its dossiers; none elsewhere", () => {
    const report = reports[dialect]!;
    const ruled = world.truth.filter((t) => t.form === 'counting_rule');
    for (const [i, rules] of Object.entries(RULES_OF)) {
      const province = worlds[Number(i)]!.provinces[0]!.province;
      expect(ruled.filter((t) => t.province === province).length, `${province} ${rules.join(', ')}`).toBeGreaterThan(0);
    }
    const named = (p: RunReport['provinces'][number]) =>
      (p.driftRules ?? []).flatMap((r) => r.agencies.map((a) => `${p.province} ${a}: ${r.rule}`));
    const expectedRules = new Set(
      world.provinces.flatMap((p) => Object.entries(p.ruleNames ?? {}).map(([a, r]) => `${p.province} ${a}: ${r}`)),
    );
    for (const t of ruled) expect(expectedRules.has(`${t.province} ${t.agency}: ${t.rule}`)).toBe(true);
    expect(report.provinces.flatMap(named).sort()).toEqual([...expectedRules].sort());
    const listed = report.provinces.flatMap((p) =>
      (p.driftRules ?? []).flatMap((r) => r.dossiers.map((c) => `${p.province} ${c}`)),
    );
    expect(listed.sort()).toEqual(ruled.map((t) => `${t.province} ${t.dossierCode}`).sort());
    // two rules together are named together
    expect([...expectedRules].some((r) => r.includes(' + '))).toBe(true);
  });

  it('explains every mismatch to the last dossier (residual 0), except exactly the unexplained keys', () => {
    const report = reports[dialect]!;
    const truthKey = (province: string, agency: string, procedure: string | null, metric: string) =>
      `${province} ${agency} ${procedure ?? '*'} ${metric}`;
    const unexplained = new Map(
      world.unexplainedKeys.map((k) => [truthKey(k.province, k.agency, k.procedure, k.metric), k.residual]),
    );
    const flagged = new Set<string>();
    for (const p of report.provinces) {
      const findings = new Set(
        p.findings
          .filter((f) => f.kind === 'unexplained')
          .map((f) => truthKey(p.province, f.agency, f.key!.procedure, f.key!.metric)),
      );
      for (const m of p.mismatches) {
        if (m.local === m.national || m.residual === null || m.residual === undefined) continue;
        const k = truthKey(p.province, m.agency, m.procedure, m.metric);
        expect(m.residual, k).toBe(unexplained.get(k) ?? 0);
        expect(findings.has(k), `${k}: an unexplained finding`).toBe(m.residual !== 0);
        if (m.residual !== 0) flagged.add(k);
      }
      expect([...findings].every((k) => flagged.has(k))).toBe(true);
    }
    // each altered row is flagged, at its procedure or at its agency total
    for (const k of world.unexplainedKeys.filter((x) => x.procedure !== null)) {
      const at = [
        truthKey(k.province, k.agency, k.procedure, k.metric),
        truthKey(k.province, k.agency, null, k.metric),
      ];
      expect(
        at.some((x) => flagged.has(x)),
        at[0],
      ).toBe(true);
    }
  });
});
