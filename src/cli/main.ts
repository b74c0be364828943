/** The `dossier-sync` executable. */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ConfigError } from '../config/load.js';
import { register as registerRepair } from './commands/repair.js';
import { registerDemo } from './demo.js';
import { registerOps } from './ops.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';

const program = new Command('dossier-sync')
  .description('Sync provincial administrative-procedure dossiers and reconcile them with the National Public Service Portal')
  .version(pkg.version)
  .showHelpAfterError()
  .exitOverride();

registerDemo(program);
registerOps(program);
registerRepair(program);
registerServe(program);
registerSimulate(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`dossier-sync: ${message}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
}
