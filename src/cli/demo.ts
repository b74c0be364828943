/**
 * `dossier-sync demo`: the whole night on one command. Starts the simulators and (unless
 * REDIS_URL is set) a private redis-server, reconciles a month over several provinces,
 * prints the report and how many of the injected discrepancies were found, then stops
 * everything it started.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { RunReport } from '../../schemas/report.js';
import { parseConfig } from '../config/load.js';
import { createRuntime } from '../queue/runtime.js';
import { startSimulator, SIM_CREDENTIALS } from '../sim/server.js';
import { generateWorld, writeTruth, type TruthEntry } from '../sim/world.js';
import { createLogger } from '../util/logger.js';
import { startPrivateRedis } from '../util/redis-server.js';
import { FORMATS, formatReport } from './format.js';
import { LANGS } from './labels.js';
import { choice, positiveInt, previousMonth } from './options.js';
import { runNightly } from './run.js';

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

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run one nightly reconciliation against built-in simulators and check it against their ground truth')
    .option('--seed <n>', 'simulator seed', '7')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option('--provinces <list>', 'comma-separated province unit codes', 'H49,H56,H12')
    .option('--volume <n>', 'dossiers per province', '3000')
    .option('--format <format>', `report format: ${FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', `report labels: ${LANGS.join(', ')}`, 'en')
    .option('--truth <file>', 'also write the simulator ground truth to this file')
    .option('--report <file>', 'also write the JSON report to this file')
    .option('--log-level <level>', 'log level (logs go to stderr)', 'warn')
    .action(async (o: { seed: string; month?: string; provinces: string; volume: string; format: string; lang: string; truth?: string; report?: string; logLevel: string }) => {
      const format = choice('--format', o.format, FORMATS);
      const lang = choice('--lang', o.lang, LANGS);
      const logger = createLogger({ level: o.logLevel });
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const month = o.month ?? previousMonth(new Date());
      const provinces = o.provinces.split(',').map((p) => p.trim()).filter(Boolean);
      const world = generateWorld({ seed: positiveInt('--seed', o.seed), month, provinces, dossiersPerProvince: positiveInt('--volume', o.volume) });
      if (o.truth) await writeTruth(world, o.truth);

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
        const sim = await startSimulator(world);
        cleanups.unshift(sim.close);
        say(`Simulators on ${sim.url}: ${provinces.length} provinces, ${o.volume} dossiers each, month ${month}`);

        const env = { ...process.env, REDIS_URL: redisUrl, DEMO_USER: SIM_CREDENTIALS.username, DEMO_PASSWORD: SIM_CREDENTIALS.password };
        process.env.DEMO_USER = env.DEMO_USER;
        process.env.DEMO_PASSWORD = env.DEMO_PASSWORD;
        const config = parseConfig(
          {
            redis: { prefix },
            sources: provinces.map((p) => ({
              id: `${p.toLowerCase()}-dvcqg`,
              province: p,
              dialect: 'dvcqg',
              baseUrl: sim.sourceUrl(p),
              usernameEnv: 'DEMO_USER',
              passwordEnv: 'DEMO_PASSWORD',
              pageSize: 500,
            })),
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
      } finally {
        for (const c of cleanups) await c().catch((err: unknown) => say(`cleanup: ${String(err)}`));
      }
    });
}
