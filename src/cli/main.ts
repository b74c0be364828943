/** The `dossier-sync` executable: one file per command under src/cli/commands/, listed here in the order help shows them. */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ConfigError } from '../config/load.js';
import * as demo from './commands/demo.js';
import * as incidents from './commands/incidents.js';
import * as quarantine from './commands/quarantine.js';
import * as reconcile from './commands/reconcile.js';
import * as repair from './commands/repair.js';
import * as replay from './commands/replay.js';
import * as report from './commands/report.js';
import * as serve from './commands/serve.js';
import * as simulate from './commands/simulate.js';
import * as sync from './commands/sync.js';
import * as worker from './commands/worker.js';

const COMMANDS: { register(program: Command): void }[] = [
  demo,
  worker,
  reconcile,
  sync,
  report,
  incidents,
  quarantine,
  replay,
  repair,
  serve,
  simulate,
];

const program = new Command('dossier-sync')
  .description(
    'Sync provincial administrative-procedure dossiers and reconcile them with the National Public Service Portal',
  )
  .version(pkg.version)
  .showHelpAfterError()
  .exitOverride();

for (const command of COMMANDS) command.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`dossier-sync: ${message}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
}
