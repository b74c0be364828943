/**
 * `dossier-sync demo`: the whole night on one command. Starts the simulators and (unless
 * REDIS_URL is set) a private redis-server, reconciles a month over several provinces,
 * prints the report and how many of the injected discrepancies were found, then stops
 * everything it started.
 *
 * Every province but the last is a `dvcqg` source (src/sim/dvcqg-server.ts); the last is a `rest`
 * source (src/sim/rest-server.ts) over the same world. Unless `--no-faults`, both simulators inject
 * faults (src/sim/faults.ts): records updated while pages are read, duplicated items, sessions
 * and tokens that expire, HTTP 429 and 5xx, truncated bodies and malformed items. The demo then
 * checks, per source, that the store equals the source's data, that every malformed item is in
 * the quarantine with a reason naming its field, and that pulled = applied + unchanged +
 * quarantined; it exits 1 when any check (or the findings against the truth) fails.
 *
 * Updates made while pages are read carry times between the province's latest update and the
 * world's `now` (the sync window's end, so they are synced) and reach the national copy too
 * (`drift.national`): they change what is synced, not what a reconciliation must find.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { RunReport } from '../../schemas/report.js';
import { parseConfig } from '../config/load.js';
import { statusMapOf } from '../dialects/rest/normalise.js';
import { createRuntime } from '../../jobs/runtime.js';
import type { FaultLog, FaultOptions } from '../sim/faults.js';
import { checkQuarantine } from '../sim/faults/quarantine-check.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator } from '../sim/rest-server.js';
import { startSimulator, SIM_CREDENTIALS } from '../sim/dvcqg-server.js';
import { expectedStore, generateWorld, writeTruth, type ProvinceWorld, type TruthEntry, type World } from '../sim/world.js';
import type { Store } from '../store/store.js';
import { createLogger } from '../util/logger.js';
import { startPrivateRedis } from '../util/redis-server.js';
import { FORMATS, formatReport } from './format.js';
import { LANGS } from '../report/labels.js';
import { choice, positiveInt, previousMonth } from './options.js';
import { runNightly } from '../queue/nightly.js';

export interface TruthCheck {
  expected: number;
  found: number;
  wrongKind: { dossierCode: string; expected: string; got: string }[];
  missed: TruthEntry[];
  unexpected: { dossierCode: string; kind: string }[];
}

/** Compares a run's findings with the simulator's ground truth. */
export function checkTruth(report: RunReport, truth: TruthEntry[]): TruthCheck {
  const found = new Map(report.provinces.flatMap((p) => p.findings.map((f) => [f.dossierCode, f.kind] as const)));
  const expected = new Map(truth.map((t) => [t.dossierCode, t]));
  const check: TruthCheck = { expected: truth.length, found: 0, wrongKind: [], missed: [], unexpected: [] };
  for (const t of truth) {
    const kind = found.get(t.dossierCode);
    if (kind === undefined) check.missed.push(t);
    else if (kind !== t.kind) check.wrongKind.push({ dossierCode: t.dossierCode, expected: t.kind, got: kind });
    else check.found++;
  }
  for (const [code, kind] of found) if (!expected.has(code)) check.unexpected.push({ dossierCode: code, kind });
  return check;
}

/**
 * The faults the demo injects into a province's source. Retry-After is 0 or 1 s and `busy`
 * (error_code in HTTP 200, which fails a job attempt) is left out, so the demo stays fast.
 */
export function demoFaults(world: World, province: ProvinceWorld, seed: number): FaultOptions {
  let latest = 0;
  for (const d of province.local) if (d.updatedAt > latest) latest = d.updatedAt;
  const startAt = Math.floor(latest / 1000) * 1000 + 1000;
  // one second apart, all before `now`: the sync window's end
  const room = Math.max(0, Math.ceil((world.now - startAt) / 1000));
  return {
    seed,
    sessionCalls: 4,
    tooMany: 0.05,
    serverError: 0.05,
    truncated: 0.03,
    duplicates: 0.3,
    malformed: 6,
    drift: {
      perCall: 2,
      limit: Math.min(30, room),
      startAt,
      national: true,
      skip: world.truth.flatMap((t) => (t.related === undefined ? [t.dossierCode] : [t.dossierCode, t.related])),
    },
  };
}

export interface SourceCheck {
  id: string;
  province: string;
  /** Dossiers of the source (its world's local data after the run, as the store should hold them). */
  dossiers: number;
  /** Stored dossiers that differ from the source's, source dossiers not stored, stored ones the source lacks. */
  differ: number;
  missing: number;
  extra: number;
  /** Malformed items injected, and of them in the quarantine with a reason naming their field. */
  malformed: number;
  quarantined: number;
  /** Records the source updated while its pages were read. */
  updated: number;
  counters: { pulled: number; applied: number; unchanged: number; quarantined: number } | undefined;
  ok: boolean;
}

const DOSSIER_FIELDS = ['code', 'agency', 'procedure', 'status', 'channel', 'digitised', 'paidOnline', 'receivedAt', 'dueAt', 'finishedAt', 'returnedAt', 'updatedAt'] as const;
const fingerprint = (d: CanonicalDossier) => JSON.stringify(DOSSIER_FIELDS.map((f) => d[f] ?? null));

/**
 * Compares one source's store contents, quarantine and counters with what its simulator served
 * (`world.local` after the run, with the source's procedure map applied).
 */
export async function checkSource(
  store: Store,
  report: RunReport,
  source: { id: string; province: string; procedureMap?: Record<string, string> },
  world: ProvinceWorld,
  log: FaultLog<object> | undefined,
): Promise<SourceCheck> {
  const expected = new Map(expectedStore(world, source.procedureMap ?? {}).map((d) => [d.code, fingerprint(d)]));
  let differ = 0;
  let extra = 0;
  let matched = 0;
  for await (const batch of store.scanDossiers(source.province)) {
    for (const d of batch) {
      const want = expected.get(d.code);
      if (want === undefined) extra++;
      else if (want !== fingerprint(d)) differ++;
      else matched++;
    }
  }
  const missing = expected.size - matched - differ;
  const malformed = log?.malformed ?? [];
  const q = checkQuarantine(malformed, await store.quarantineEntries(source.province, source.id, 100_000));
  const s = report.provinces.find((p) => p.province === source.province)?.sources.find((x) => x.id === source.id);
  const counters = s && { pulled: s.pulled, applied: s.applied, unchanged: s.unchanged, quarantined: s.quarantined };
  const ok =
    differ === 0 && missing === 0 && extra === 0 && q.quarantined === q.injected && s?.status === 'complete' &&
    counters !== undefined && counters.pulled === counters.applied + counters.unchanged + counters.quarantined;
  return { id: source.id, province: source.province, dossiers: expected.size, differ, missing, extra, malformed: q.injected, quarantined: q.quarantined, updated: log?.drift.length ?? 0, counters, ok };
}

/** One line per source: store vs source, quarantine, counters. */
export function formatSourceCheck(c: SourceCheck, width: number): string {
  const store =
    c.differ + c.missing + c.extra === 0
      ? `store = source (${c.dossiers} dossiers${c.updated ? `, ${c.updated} updated mid-sync` : ''})`
      : `store ≠ source (${c.differ} differ, ${c.missing} missing, ${c.extra} extra of ${c.dossiers})`;
  const quarantine = `malformed quarantined with reason ${c.quarantined} of ${c.malformed}`;
  const k = c.counters;
  const counters = k
    ? `pulled ${k.pulled} ${k.pulled === k.applied + k.unchanged + k.quarantined ? '=' : '≠'} applied ${k.applied} + unchanged ${k.unchanged} + quarantined ${k.quarantined}`
    : 'no sync counters';
  return `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id.padEnd(width)}  ${store}; ${quarantine}; ${counters}`;
}

/** What was injected over all sources, on one line. */
export function formatFaults(logs: readonly FaultLog<object>[]): string {
  const sum = (f: (l: FaultLog<object>) => number) => logs.reduce((n, l) => n + f(l), 0);
  return (
    `Faults injected: ${sum((l) => l.drift.length)} records updated mid-sync, ${sum((l) => l.duplicates)} duplicated items, ` +
    `${sum((l) => l.sessionExpiries)} expired sessions/tokens, ${sum((l) => l.tooMany)} × HTTP 429, ${sum((l) => l.serverError)} × HTTP 5xx, ` +
    `${sum((l) => l.truncated)} truncated bodies, ${sum((l) => l.malformed.length)} malformed items.`
  );
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run one nightly reconciliation against built-in simulators and check it against their ground truth')
    .option('--seed <n>', 'simulator seed', '7')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option('--provinces <list>', 'comma-separated province unit codes; the last is served in the rest dialect, the others in dvcqg', 'H49,H56,H12')
    .option('--volume <n>', 'dossiers per province', '3000')
    .option('--format <format>', `report format: ${FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', `report labels: ${LANGS.join(', ')}`, 'en')
    .option('--truth <file>', 'also write the simulator ground truth to this file')
    .option('--report <file>', 'also write the JSON report to this file')
    .option('--log-level <level>', 'log level (logs go to stderr; "warn" shows the retries the faults cause)', 'error')
    .option('--no-faults', 'serve the sources without injected faults (default: drift, duplicates, expiry, 429, 5xx, truncated bodies, malformed items)')
    .action(async (o: { seed: string; month?: string; provinces: string; volume: string; format: string; lang: string; truth?: string; report?: string; logLevel: string; faults: boolean }) => {
      const format = choice('--format', o.format, FORMATS);
      const lang = choice('--lang', o.lang, LANGS);
      const logger = createLogger({ level: o.logLevel });
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const month = o.month ?? previousMonth(new Date());
      const provinces = o.provinces.split(',').map((p) => p.trim()).filter(Boolean);
      const seed = positiveInt('--seed', o.seed);
      const world = generateWorld({ seed, month, provinces, dossiersPerProvince: positiveInt('--volume', o.volume) });
      if (o.truth) await writeTruth(world, o.truth);
      const restProvince = provinces[provinces.length - 1]!;
      const faultsOf = (p: string): Record<string, FaultOptions> =>
        o.faults ? { [p]: demoFaults(world, world.provinces.find((w) => w.province === p)!, seed) } : {};

      const cleanups: (() => Promise<void>)[] = [];
      try {
        let redisUrl = process.env.REDIS_URL;
        let prefix = 'dsync';
        if (redisUrl) {
          prefix = `dsync-demo-${Date.now().toString(36)}`;
          say(`Using REDIS_URL, key prefix ${prefix}`);
        } else {
          const redis = await startPrivateRedis();
          cleanups.unshift(redis.stop);
          redisUrl = redis.url;
          say(`Started a private redis-server on port ${redis.port}`);
        }
        const dvcqgProvinces = provinces.filter((p) => p !== restProvince);
        const sim = await startSimulator(world, { faults: Object.assign({}, ...dvcqgProvinces.map(faultsOf)) as Record<string, FaultOptions> });
        cleanups.unshift(sim.close);
        const rest = await startRestSimulator(world, { faults: faultsOf(restProvince) });
        cleanups.unshift(rest.close);
        say(`Simulators on ${sim.url} (dvcqg: ${dvcqgProvinces.join(', ') || 'none'}) and ${rest.url} (rest: ${restProvince}): ` +
          `${o.volume} dossiers each, month ${month}, faults ${o.faults ? 'on' : 'off'}`);

        const env = {
          ...process.env,
          REDIS_URL: redisUrl,
          DEMO_USER: SIM_CREDENTIALS.username,
          DEMO_PASSWORD: SIM_CREDENTIALS.password,
          DEMO_REST_CLIENT_ID: rest.clientId,
          DEMO_REST_CLIENT_SECRET: rest.clientSecret,
        };
        for (const k of ['DEMO_USER', 'DEMO_PASSWORD', 'DEMO_REST_CLIENT_ID', 'DEMO_REST_CLIENT_SECRET'] as const) process.env[k] = env[k];
        const sources = [
          ...dvcqgProvinces.map((p) => ({
            id: `${p.toLowerCase()}-dvcqg`,
            province: p,
            dialect: 'dvcqg',
            baseUrl: sim.sourceUrl(p),
            usernameEnv: 'DEMO_USER',
            passwordEnv: 'DEMO_PASSWORD',
            procedureMap: world.procedureMap,
            pageSize: 250,
          })),
          {
            id: `${restProvince.toLowerCase()}-rest`,
            province: restProvince,
            dialect: 'rest',
            baseUrl: rest.baseUrl(restProvince),
            tokenUrl: rest.tokenUrl,
            clientIdEnv: 'DEMO_REST_CLIENT_ID',
            clientSecretEnv: 'DEMO_REST_CLIENT_SECRET',
            statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
            procedureMap: world.procedureMap,
            pageSize: 250,
          },
        ];
        const config = parseConfig(
          {
            redis: { prefix },
            sources,
            national: { baseUrl: sim.nationalUrl, usernameEnv: 'DEMO_USER', passwordEnv: 'DEMO_PASSWORD' },
          },
          '(demo configuration)',
          env,
        );
        const rt = createRuntime(config, logger, { clock: () => new Date(world.now) });
        cleanups.unshift(rt.close);
        rt.startWorker();
        const started = Date.now();
        const report = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
        if (o.report) await writeFile(o.report, JSON.stringify(report, null, 2));
        process.stdout.write(`${formatReport(report, format, lang)}\n`);

        const check = checkTruth(report, world.truth);
        say('');
        say(`Reconciled in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        say(`Injected discrepancies found: ${check.found} of ${check.expected}` +
          ` (missed ${check.missed.length}, wrong kind ${check.wrongKind.length}, unexpected findings ${check.unexpected.length}).`);
        for (const m of check.missed) say(`  missed: ${m.dossierCode} (${m.kind})`);
        for (const w of check.wrongKind) say(`  wrong kind: ${w.dossierCode}: expected ${w.expected}, got ${w.got}`);
        for (const u of check.unexpected) say(`  unexpected: ${u.dossierCode} (${u.kind})`);
        if (check.found !== check.expected || check.unexpected.length) process.exitCode = 1;

        const logs: FaultLog<object>[] = [];
        const checks: SourceCheck[] = [];
        for (const s of sources) {
          const log: FaultLog<object> | undefined = s.dialect === 'rest' ? rest.faults(s.province) : sim.faults(s.province);
          if (log) logs.push(log);
          checks.push(await checkSource(rt.store, report, s, world.provinces.find((w) => w.province === s.province)!, log));
        }
        if (o.faults) say(formatFaults(logs));
        say(`Sources against their simulators (${checks.filter((c) => c.ok).length} of ${checks.length} ok):`);
        const width = Math.max(...checks.map((c) => c.id.length));
        for (const c of checks) say(formatSourceCheck(c, width));
        if (checks.some((c) => !c.ok)) process.exitCode = 1;
      } finally {
        for (const c of cleanups) await c().catch((err: unknown) => say(`cleanup: ${String(err)}`));
      }
    });
}
