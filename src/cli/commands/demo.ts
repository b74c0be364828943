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
 *
 * What it starts is in src/cli/demo/setup.ts, what it checks in src/cli/demo/checks.ts; with
 * `--repair`, the repair and the next night in src/cli/demo/repair.ts.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { RunReport } from '../../../schemas/report.js';
import { createRuntime } from '../../../jobs/runtime.js';
import type { FaultLog } from '../../sim/faults.js';
import { generateWorld, writeTruth, type World } from '../../sim/world.js';
import type { Store } from '../../store/store.js';
import { createLogger } from '../../util/logger.js';
import { checkSource, checkTruth, formatFaults, formatSourceCheck, type SourceCheck } from '../demo/checks.js';
import { demoRepair } from '../demo/repair.js';
import { demoConfig, demoRedis, demoSimulators, type Cleanups, type DemoSimulators } from '../demo/setup.js';
import { FORMATS, formatReport } from '../format.js';
import { LANGS } from '../../report/labels.js';
import { choice, positiveInt, previousMonth } from '../options.js';
import { runNightly } from '../../queue/nightly.js';

interface DemoOptions {
  seed: string;
  month?: string;
  provinces: string;
  volume: string;
  format: string;
  lang: string;
  truth?: string;
  report?: string;
  logLevel: string;
  faults: boolean;
  repair?: boolean;
}

type Say = (line: string) => void;

/** Says how many of the injected discrepancies the run found; exit code 1 unless all, and nothing else. */
function sayTruth(report: RunReport, world: World, say: Say): void {
  const check = checkTruth(report, world.truth);
  say(
    `Injected discrepancies found: ${check.found} of ${check.expected}` +
      ` (missed ${check.missed.length}, wrong kind ${check.wrongKind.length}, unexpected findings ${check.unexpected.length}).`,
  );
  for (const m of check.missed) say(`  missed: ${m.dossierCode} (${m.kind})`);
  for (const w of check.wrongKind) say(`  wrong kind: ${w.dossierCode}: expected ${w.expected}, got ${w.got}`);
  for (const u of check.unexpected) say(`  unexpected: ${u.dossierCode} (${u.kind})`);
  if (check.found !== check.expected || check.unexpected.length) process.exitCode = 1;
}

/** Says what was injected and how each source compares with its simulator; exit code 1 when one does not. */
async function saySources(
  store: Store,
  report: RunReport,
  world: World,
  s: DemoSimulators,
  sources: readonly { id: string; province: string; dialect: string; procedureMap?: Record<string, string> }[],
  faults: boolean,
  say: Say,
): Promise<void> {
  const logs: FaultLog<object>[] = [];
  const checks: SourceCheck[] = [];
  for (const src of sources) {
    const log: FaultLog<object> | undefined =
      src.dialect === 'rest' ? s.rest.faults(src.province) : s.sim.faults(src.province);
    if (log) logs.push(log);
    checks.push(
      await checkSource(
        store,
        report,
        src,
        world.provinces.find((w) => w.province === src.province)!,
        log,
      ),
    );
  }
  if (faults) say(formatFaults(logs));
  say(`Sources against their simulators (${checks.filter((c) => c.ok).length} of ${checks.length} ok):`);
  const width = Math.max(...checks.map((c) => c.id.length));
  for (const c of checks) say(formatSourceCheck(c, width));
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

/** Starts everything, runs the night, prints the report and the checks; stops what it started. */
async function runDemo(o: DemoOptions): Promise<void> {
  const format = choice('--format', o.format, FORMATS);
  const lang = choice('--lang', o.lang, LANGS);
  const logger = createLogger({ level: o.logLevel });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const month = o.month ?? previousMonth(new Date());
  const provinces = o.provinces
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const seed = positiveInt('--seed', o.seed);
  const world = generateWorld({ seed, month, provinces, dossiersPerProvince: positiveInt('--volume', o.volume) });
  if (o.truth) await writeTruth(world, o.truth);

  const cleanups: Cleanups = [];
  try {
    const redis = await demoRedis(say, cleanups);
    const sims = await demoSimulators(world, provinces, seed, o.faults, cleanups);
    say(
      `Simulators on ${sims.sim.url} (dvcqg: ${sims.dvcqgProvinces.join(', ') || 'none'}) and ${sims.rest.url} (rest: ${sims.restProvince}): ` +
        `${o.volume} dossiers each, month ${month}, faults ${o.faults ? 'on' : 'off'}`,
    );
    const { config, sources } = demoConfig(world, sims, redis);
    // With --repair the clock moves on from the world's now: the next night starts after the pushes it checks.
    const t0 = Date.now();
    const rt = createRuntime(config, logger, { clock: () => new Date(world.now + (o.repair ? Date.now() - t0 : 0)) });
    cleanups.unshift(rt.close);
    rt.startWorker();
    const started = Date.now();
    const report = await runNightly(rt, {
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    if (o.report) await writeFile(o.report, JSON.stringify(report, null, 2));
    process.stdout.write(`${formatReport(report, format, lang)}\n`);

    say('');
    say(`Reconciled in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    sayTruth(report, world, say);
    await saySources(rt.store, report, world, sims, sources, o.faults, say);
    if (o.repair) await demoRepair(rt, world, report, say);
  } finally {
    for (const c of cleanups) await c().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run one nightly reconciliation against built-in simulators and check it against their ground truth')
    .option('--seed <n>', 'simulator seed', '7')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option(
      '--provinces <list>',
      'comma-separated province unit codes; the last is served in the rest dialect, the others in dvcqg',
      'H49,H56,H12',
    )
    .option('--volume <n>', 'dossiers per province', '3000')
    .option('--format <format>', `report format: ${FORMATS.join(', ')}`, 'table')
    .option('--lang <lang>', `report labels: ${LANGS.join(', ')}`, 'en')
    .option('--truth <file>', 'also write the simulator ground truth to this file')
    .option('--report <file>', 'also write the JSON report to this file')
    .option('--log-level <level>', 'log level (logs go to stderr; "warn" shows the retries the faults cause)', 'error')
    .option(
      '--repair',
      "then repair the run (push the province's records for the findings a push puts right), run the next night and print the findings before and after",
    )
    .option(
      '--no-faults',
      'serve the sources without injected faults (default: drift, duplicates, expiry, 429, 5xx, truncated bodies, malformed items)',
    )
    .action(runDemo);
}
