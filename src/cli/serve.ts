/** `dossier-sync serve`: the dashboard, metrics and health checks, without a worker. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import { startupChecks, type Runtime } from '../queue/runtime.js';
import { checkServerOptions, DEFAULT_HOST, DEFAULT_PORT, hostsServed, startServer, type RunningServer } from '../server/index.js';
import { checkHostName } from '../server/auth.js';
import { createLogger } from '../util/logger.js';
import { LANGS, type Lang } from '../report/labels.js';
import { choice, untilSignal, withConfig } from './options.js';

/** The HTTP options as commander hands them over. */
export interface HttpCliOptions {
  host: string;
  port: string;
  tokenEnv?: string;
  lang: string;
  allowHost?: string[];
}

/** Adds --host, --port, --token-env, --lang and --allow-host to a command (`serve`, and `worker --http`). */
export function addHttpOptions(c: Command): Command {
  return c
    .option('--host <address>', 'address to listen on; off loopback --token-env is required', DEFAULT_HOST)
    .option('--port <n>', 'port to listen on', String(DEFAULT_PORT))
    .option('--token-env <NAME>', 'environment variable holding the bearer token that guards every route')
    .option('--lang <lang>', `page labels: ${LANGS.join(', ')}`, 'vi')
    .option('--allow-host <name...>', 'also answer requests addressed to these host names (besides localhost, 127.0.0.1, [::1] and the --host address); others get 421');
}

export interface HttpSettings {
  host: string;
  port: number;
  token: string | undefined;
  lang: Lang;
  allowHosts: string[];
}

/**
 * Checks the HTTP options and reads the token from the environment: call it before opening
 * Redis, so that a bad option fails at once with a plain message.
 */
export function httpSettings(o: HttpCliOptions, env: NodeJS.ProcessEnv = process.env): HttpSettings {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0..65535), not "${o.port}"`);
  const lang = choice('--lang', o.lang, LANGS);
  let token: string | undefined;
  if (o.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.tokenEnv)) throw new Error(`--token-env must name an environment variable, not "${o.tokenEnv}"`);
    token = env[o.tokenEnv];
    if (!token) throw new Error(`--token-env ${o.tokenEnv}: environment variable ${o.tokenEnv} is not set`);
  }
  checkServerOptions({ host: o.host, token, lang }, '--token-env <NAME> (the environment variable holding the token)');
  const allowHosts = (o.allowHost ?? []).map((name) => {
    try {
      return checkHostName(name);
    } catch (err) {
      throw new Error(`--allow-host: ${(err as Error).message}`);
    }
  });
  return { host: o.host, port, token, lang, allowHosts };
}

/** Starts the HTTP side on an open runtime (for `serve` and `worker --http`) and logs where. */
export async function startHttp(rt: Runtime, s: HttpSettings): Promise<RunningServer> {
  const server = await startServer({ runtime: rt, host: s.host, port: s.port, token: s.token, lang: s.lang, allowHosts: s.allowHosts });
  rt.logger.info({ url: server.url, auth: s.token ? 'bearer token' : 'none (loopback)', hosts: hostsServed(s) }, 'HTTP server listening');
  return server;
}

export function registerServe(program: Command): void {
  addHttpOptions(withConfig(program.command('serve')))
    .description('serve the dashboard (/), bull-board (/queues), /metrics, /healthz and /readyz until SIGINT/SIGTERM, without a worker')
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
