/**
 * The worker's HTTP side: bull-board at /queues, the reconciliation pages, JSON endpoints,
 * Prometheus metrics and health checks. Loopback by default; anywhere else a bearer token
 * guards every route.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { LANGS, type Lang } from '../report/labels.js';
import type { Runtime } from '../queue/runtime.js';
import { allowHosts, hostName, isLoopback, LOOPBACK_HOSTS, requireToken, sameOriginWrites } from './auth.js';
import { notFoundPage } from './pages/layout.js';
import { routeContext } from './routes/context.js';
import { dossiersRoutes } from './routes/dossiers.js';
import { failedRoutes } from './routes/failed.js';
import { healthRoutes } from './routes/health.js';
import { incidentsRoutes } from './routes/incidents.js';
import { metricsRoutes } from './routes/metrics.js';
import { queuesRoutes } from './routes/queues.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { repairRoutes } from './routes/repair.js';
import { runsRoutes } from './routes/runs.js';

export { isLoopback } from './auth.js';
export { redisReady } from './routes/health.js';
export { replayJobId, replayFailedJob, failedBatches, ReplayError, type ReplayOutcome } from './replay.js';

export interface ServerOptions {
  runtime: Runtime;
  /** Address to bind; 127.0.0.1 by default. Off loopback, `token` is required. */
  host?: string;
  /** Port; 8080 by default (0: any free port). */
  port?: number;
  /** Bearer token guarding every route; required when `host` is not a loopback address. */
  token?: string;
  /**
   * Host names (or addresses) requests may be addressed to, besides the loopback names and
   * the address bound (when not a wildcard); any port. Others are answered 421.
   */
  allowHosts?: string[];
  /** Default page language: 'vi' unless told. Pages take `?lang=en|vi`. */
  lang?: Lang;
  /** How long /readyz waits for Redis to answer PING (ms). */
  readyTimeoutMs?: number;
  /** How many runs `/` and /api/runs list. */
  runsShown?: number;
  /** How many of the latest runs the home page's trend covers and a dossier page searches (30). */
  runsTraced?: number;
  /** Now, in epoch ms, for the sync lag (tests); Date.now by default. */
  clock?: () => number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

export class ServerConfigError extends Error {
  override name = 'ServerConfigError';
}

/** Throws unless the options can be served safely (also used by the CLI before opening Redis). */
export function checkServerOptions(
  o: { host?: string; token?: string; lang?: string },
  tokenOption = 'the "token" option of startServer',
): void {
  const host = o.host ?? DEFAULT_HOST;
  if (!isLoopback(host) && !o.token) {
    throw new ServerConfigError(
      `serving on ${host}, which is not a loopback address, needs a bearer token: set ${tokenOption}, or bind to 127.0.0.1`,
    );
  }
  if (o.token !== undefined && o.token.length < 16)
    throw new ServerConfigError('the token must be at least 16 characters long');
  if (o.lang !== undefined && !(LANGS as readonly string[]).includes(o.lang))
    throw new ServerConfigError(`lang must be one of ${LANGS.join(', ')}, not "${o.lang}"`);
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The Host names the server answers to: loopback's, the address bound unless a wildcard, and those allowed. */
export function hostsServed(o: Pick<ServerOptions, 'host' | 'allowHosts'>): string[] {
  const bound = o.host ?? DEFAULT_HOST;
  const wildcard = ['0.0.0.0', '::', '[::]'].includes(bound);
  return [
    ...new Set([...LOOPBACK_HOSTS, ...(wildcard ? [] : [hostName(bound)]), ...(o.allowHosts ?? []).map(hostName)]),
  ];
}

/**
 * The dashboard's app: the security middleware (headers, Host check, token, same-origin writes),
 * then one router per area (src/server/routes/), then the 404 and error handlers.
 */
export function createApp(opts: ServerOptions): express.Express {
  const rt = opts.runtime;
  const c = routeContext({
    rt,
    defaultLang: opts.lang ?? 'vi',
    readyTimeoutMs: opts.readyTimeoutMs ?? 2000,
    runsShown: opts.runsShown ?? 20,
    runsTraced: opts.runsTraced ?? 30,
    clock: opts.clock ?? Date.now,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    next();
  });
  app.use(allowHosts(hostsServed(opts)));
  if (opts.token) app.use(requireToken(opts.token, { secureCookie: false }));
  app.use(sameOriginWrites);

  app.use(healthRoutes(c));
  app.use(metricsRoutes(c));
  app.use('/queues', queuesRoutes(c, '/queues'));
  for (const routes of [runsRoutes, dossiersRoutes, incidentsRoutes, failedRoutes, quarantineRoutes, repairRoutes])
    app.use(routes(c));

  app.use((req, res) => {
    if (req.path.startsWith('/api/')) res.status(404).json({ error: `no route ${req.method} ${req.path}` });
    else c.page(res, notFoundPage(c.ctxOf(req), req.path), 404);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const message = err instanceof Error ? err.message : String(err);
    rt.logger.error({ path: req.path, err: message }, 'HTTP handler failed');
    if (res.headersSent) return;
    res.status(500).type('text/plain').send(`500 Internal Server Error: ${message}\n`);
  });
  return app;
}

/** Starts serving; resolves once listening. `close()` stops the server (not the runtime). */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  checkServerOptions(opts);
  const host = opts.host ?? DEFAULT_HOST;
  const app = createApp(opts);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? DEFAULT_PORT, host);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(host)}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000).unref();
      });
      return closing;
    },
  };
}
