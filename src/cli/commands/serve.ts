/** `dossier-sync serve`: the dashboard, metrics and health checks, without a worker. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { createRuntime } from '../../../jobs/runtime.js';
import { startupChecks } from '../../queue/health.js';
import { createLogger } from '../../util/logger.js';
import { addHttpOptions, httpSettings, startHttp, type HttpCliOptions } from '../http-options.js';
import { untilSignal, withConfig } from '../options.js';

export function register(program: Command): void {
  addHttpOptions(withConfig(program.command('serve')))
    .description(
      'serve the dashboard (/), bull-board (/queues), /metrics, /healthz and /readyz until SIGINT/SIGTERM, without a worker',
    )
    .action(async (o: HttpCliOptions & { config: string; logLevel: string }) => {
      const settings = httpSettings(o);
      const config = await loadConfig(o.config);
      const logger = createLogger({ level: o.logLevel });
      const rt = createRuntime(config, logger);
      try {
        await startupChecks(rt);
        const server = await startHttp(rt, settings);
        const sig = await untilSignal();
        logger.info({ signal: sig }, 'shutting down the HTTP server');
        await server.close();
      } finally {
        await rt.close();
      }
    });
}
