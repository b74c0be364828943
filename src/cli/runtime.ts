/** Opening the runtime of a configured deployment for one command, and closing it after. */
import { loadConfig } from '../config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import { startupChecks } from '../queue/health.js';
import { type Runtime } from '../queue/runtime.js';
import { createLogger } from '../util/logger.js';

/** The options `withConfig` adds, as commander hands them over. */
export interface ConfigOptions {
  config: string;
  logLevel?: string;
}

/** Loads the configuration, connects and runs the start-up checks. */
export async function openRuntime(opts: ConfigOptions): Promise<Runtime> {
  const config = await loadConfig(opts.config);
  const logger = createLogger({ level: opts.logLevel });
  const rt = createRuntime(config, logger);
  await startupChecks(rt);
  return rt;
}

/** Runs `fn` on an open runtime and closes it, whatever happens. */
export async function withRuntime<T>(opts: ConfigOptions, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(opts);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}
