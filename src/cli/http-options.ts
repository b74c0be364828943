/** The HTTP options of `serve` and `worker --http`, checked, and starting the HTTP side on a runtime. */
import type { Command } from 'commander';
import type { Runtime } from '../queue/runtime.js';
import {
  checkServerOptions,
  DEFAULT_HOST,
  DEFAULT_PORT,
  hostsServed,
  startServer,
  type RunningServer,
} from '../server/index.js';
import { checkHostName } from '../server/auth.js';
import { LANGS, type Lang } from '../report/labels.js';
import { choice } from './options.js';

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
    .option(
      '--allow-host <name...>',
      'also answer requests addressed to these host names (besides localhost, 127.0.0.1, [::1] and the --host address); others get 421',
    );
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
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number (0..65535), not "${o.port}"`);
  const lang = choice('--lang', o.lang, LANGS);
  let token: string | undefined;
  if (o.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.tokenEnv))
      throw new Error(`--token-env must name an environment variable, not "${o.tokenEnv}"`);
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
  const server = await startServer({
    runtime: rt,
    host: s.host,
    port: s.port,
    token: s.token,
    lang: s.lang,
    allowHosts: s.allowHosts,
  });
  rt.logger.info(
    { url: server.url, auth: s.token ? 'bearer token' : 'none (loopback)', hosts: hostsServed(s) },
    'HTTP server listening',
  );
  return server;
}
