/**
 * `dossier-sync simulate`: serves a generated world over HTTP (one `dvcqg` source per
 * province and the national feed) until SIGINT/SIGTERM, for trying the worker by hand.
 */
import type { Command } from 'commander';
import { formatCompact } from '../../domain/time.js';
import { SIM_CREDENTIALS, startSimulator } from '../../sim/dvcqg-server.js';
import { NATIONAL_RULES, generateWorld, writeTruth, type NationalRule } from '../../sim/world.js';
import { previousMonth, untilSignal, wholeNumber } from '../options.js';

interface SimulateOptions {
  seed: string;
  month?: string;
  provinces: string;
  volume: string;
  port: string;
  truth?: string;
  drift?: string;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description(
      'serve simulated provincial sources (dvcqg dialect) and the national portal feed over HTTP, ' +
        'generated deterministically from a seed with a few injected discrepancies, until Ctrl+C',
    )
    .option('--seed <n>', 'seed of the generated world', '1')
    .option('--month <YYYY-MM>', 'the reporting month (default: last month, Vietnam time)')
    .option('--provinces <list>', 'comma-separated province unit codes', 'H49,H56,H12')
    .option('--volume <n>', 'dossiers per province', '2000')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', '0')
    .option('--truth <file>', 'write the ground truth (the injected discrepancies) to this JSON file')
    .option(
      '--drift <rules>',
      `counting rules the national statistics follow instead of the default ones, comma-separated (${NATIONAL_RULES.join(', ')})`,
    )
    .action(async (o: SimulateOptions) => {
      const seed = wholeNumber('--seed', o.seed, 0);
      const volume = wholeNumber('--volume', o.volume, 1);
      const port = wholeNumber('--port', o.port, 0, 65_535);
      const month = o.month ?? previousMonth(new Date());
      const provinces = o.provinces
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const nationalRules = (o.drift ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean) as NationalRule[];
      const world = generateWorld({ seed, month, provinces, dossiersPerProvince: volume, nationalRules });
      if (o.truth) await writeTruth(world, o.truth);
      const sim = await startSimulator(world, { port });
      const say = (line: string) => process.stdout.write(`${line}\n`);
      say(
        `Simulating ${world.period.from}..${world.period.to} (seed ${seed}, ${volume} dossiers per province, ` +
          `"now" ${formatCompact(world.now)} Vietnam time)`,
      );
      say(`  national feed: ${sim.nationalUrl}`);
      for (const p of world.provinces) say(`  ${p.province} source (dvcqg): ${sim.sourceUrl(p.province)}`);
      if (nationalRules.length) say(`  national statistics counted by: ${nationalRules.join(', ')}`);
      say(`  credentials: username "${SIM_CREDENTIALS.username}", password "${SIM_CREDENTIALS.password}"`);
      if (o.truth) say(`  ground truth: ${world.truth.length} injected discrepancies in ${o.truth}`);
      say('Press Ctrl+C to stop.');
      const signal = await untilSignal();
      await sim.close();
      say(`Stopped (${signal}).`);
    });
}
