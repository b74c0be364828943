/**
 * The worker's HTTP side: bull-board at /queues, the reconciliation pages, JSON endpoints,
 * Prometheus metrics and health checks. Loopback by default; anywhere else a bearer token
 * guards every route.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { accountOf } from '../report/account.js';
import { LANGS, type Lang } from '../report/labels.js';
import type { Runtime } from '../queue/runtime.js';
import { allowHosts, hostName, isLoopback, LOOPBACK_HOSTS, requireToken, sameOriginWrites } from './auth.js';
import { PAGE_LABELS } from './labels.js';
import { renderMetrics } from './metrics.js';
import { dossierPage, failedPage, incidentPage, incidentsPage, notFoundPage, quarantinePage, runPage, runsPage, sortIncidents, type PageContext, type SourceQuarantine } from './pages.js';
import { appearancesOf, incidentDossiers, trendOf } from './trace.js';
import { failedBatches, replayFailedJob, ReplayError } from './replay.js';

export { isLoopback } from './auth.js';
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
  if (o.token !== undefined && o.token.length < 16) throw new ServerConfigError('the token must be at least 16 characters long');
  if (o.lang !== undefined && !(LANGS as readonly string[]).includes(o.lang)) throw new ServerConfigError(`lang must be one of ${LANGS.join(', ')}, not "${o.lang}"`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  p.catch(() => {}); // a late rejection after the timeout is not unhandled
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** /readyz: Redis answers PING. */
export async function redisReady(rt: Runtime, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  const status = rt.redis.status;
  if (status !== 'ready') return { ok: false, reason: `Redis connection is ${status}` };
  try {
    const pong = await withTimeout(rt.redis.ping(), timeoutMs, 'Redis PING');
    return pong === 'PONG' ? { ok: true } : { ok: false, reason: `Redis answered PING with "${pong}"` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
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
  return [...new Set([...LOOPBACK_HOSTS, ...(wildcard ? [] : [hostName(bound)]), ...(o.allowHosts ?? []).map(hostName)])];
}

const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
};

export function createApp(opts: ServerOptions): express.Express {
  const rt = opts.runtime;
  const defaultLang: Lang = opts.lang ?? 'vi';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 2000;
  const runsShown = opts.runsShown ?? 20;
  const runsTraced = opts.runsTraced ?? 30;
  const clock = opts.clock ?? Date.now;

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

  const ctxOf = (req: Request): PageContext => {
    const q = req.query.lang;
    const lang = typeof q === 'string' && (LANGS as readonly string[]).includes(q) ? (q as Lang) : defaultLang;
    return { lang, defaultLang, path: req.path };
  };
  const page = (res: Response, body: string, status = 200) => res.status(status).set(PAGE_HEADERS).type('html').send(body);

  // Health
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await redisReady(rt, readyTimeoutMs);
    res.set('Cache-Control', 'no-store');
    if (r.ok) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable', reason: r.reason });
  });

  // Metrics
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await renderMetrics(rt, clock());
    res.set('Cache-Control', 'no-store').type(contentType).send(body);
  });

  // bull-board
  const board = new ExpressAdapter();
  board.setBasePath('/queues');
  createBullBoard({
    queues: [new BullMQAdapter(rt.queue)],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'dossier-sync', miscLinks: [{ text: PAGE_LABELS[defaultLang].nav.runs, url: '/' }] } },
  });
  app.use('/queues', board.getRouter() as express.Router);

  // JSON
  /** The reports of these runs, in the same order (a run gone meanwhile is left out). */
  const reportsOf = async (ids: readonly string[]) => {
    const out = [];
    for (const id of ids) {
      const r = await rt.runs.report(id);
      if (r) out.push(r);
    }
    return out;
  };
  /** The latest runs' reports, newest first. */
  const reports = async (n = runsShown) => reportsOf(await rt.runs.list(n));
  app.get('/api/runs', async (_req, res) => {
    const runs = (await reports()).map((r) => ({
      runId: r.runId,
      period: r.period,
      window: r.window,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      status: r.status,
      provinces: r.provinces.map((p) => ({
        province: p.province,
        coverage: p.coverage,
        mismatches: p.mismatches.length,
        findings: p.findings.length,
        unexplained: accountOf(p).residuals.length,
        incidents: p.incidents.length,
      })),
    }));
    res.json({ runs });
  });
  app.get('/api/runs/:id', async (req, res) => {
    const r = await rt.runs.report(req.params.id);
    if (!r) res.status(404).json({ error: `no run "${req.params.id}"` });
    else res.json(r);
  });
  app.get('/api/incidents', async (_req, res) => {
    res.json({ incidents: sortIncidents(await rt.incidents.list()) });
  });
  app.get('/api/failed', async (_req, res) => {
    const failed = (await failedBatches(rt)).reverse(); // newest first
    res.json({ failed });
  });
  const quarantines = (): Promise<SourceQuarantine[]> =>
    Promise.all(
      rt.config.sources.map(async (s) => ({
        source: s.id,
        province: s.province,
        reasons: await rt.store.quarantineReasons(s.province, s.id),
        items: await rt.store.quarantineEntries(s.province, s.id, 50),
      })),
    );
  app.get('/api/quarantine', async (_req, res) => {
    res.json({ sources: await quarantines() });
  });
  app.post('/api/replay/:jobId', async (req, res) => {
    const wantsPage = req.is('application/x-www-form-urlencoded') || req.accepts(['json', 'html']) === 'html';
    try {
      const r = await replayFailedJob(rt, req.params.jobId);
      rt.logger.info(r, 'failed sync batch replayed from the dashboard');
      if (wantsPage) {
        const ctx = ctxOf(req);
        const q = new URLSearchParams({ replayed: r.replayed, as: r.jobId });
        if (ctx.lang !== defaultLang) q.set('lang', ctx.lang);
        res.redirect(303, `/failed?${q}`);
      } else res.status(201).json(r);
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      res.status(err.status).json({ error: err.message });
    }
  });

  // Pages
  app.get('/', async (req, res) => {
    const traced = await reports(Math.max(runsShown, runsTraced));
    page(res, runsPage(ctxOf(req), traced.slice(0, runsShown), { points: trendOf(traced.slice(0, runsTraced)), runs: Math.min(traced.length, runsTraced) }));
  });
  app.get('/dossiers/:code', async (req, res) => {
    const ctx = ctxOf(req);
    const code = req.params.code;
    const traced = await reports(runsTraced);
    const appearances = appearancesOf(code, traced);
    if (!appearances.length) {
      page(res, notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].dossier} ${code}. ${PAGE_LABELS[ctx.lang].searched(traced.length)}`), 404);
      return;
    }
    const provinces = new Set(appearances.map((a) => a.province));
    const incidents = (await rt.incidents.list()).filter((i) => provinces.has(i.province));
    const behind = incidentDossiers(incidents, traced);
    const related = incidents.filter((i) => behind.get(i.key)?.some((d) => d.code === code));
    page(res, dossierPage(ctx, code, appearances, related, traced.length));
  });
  app.get('/incidents/:key', async (req, res) => {
    const ctx = ctxOf(req);
    const [incident] = await rt.incidents.get([req.params.key]);
    if (!incident) {
      page(res, notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].incident} ${req.params.key}`), 404);
      return;
    }
    // The runs of its history, the latest ones only: the page stays bounded however long it stays open.
    const runs = await reportsOf([...new Set(incident.history.map((h) => h.runId))].slice(-runsTraced));
    page(res, incidentPage(ctx, incident, incidentDossiers([incident], runs).get(incident.key) ?? []));
  });
  app.get('/runs/:id', async (req, res) => {
    const ctx = ctxOf(req);
    const r = await rt.runs.report(req.params.id);
    if (!r) page(res, notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].run} ${req.params.id}`), 404);
    else page(res, runPage(ctx, r));
  });
  app.get('/incidents', async (req, res) => {
    page(res, incidentsPage(ctxOf(req), await rt.incidents.list()));
  });
  app.get('/failed', async (req, res) => {
    const ctx = ctxOf(req);
    const { replayed, as } = req.query;
    const notice = typeof replayed === 'string' && typeof as === 'string' ? PAGE_LABELS[ctx.lang].replayed(replayed, as) : undefined;
    page(res, failedPage(ctx, (await failedBatches(rt)).reverse(), notice));
  });

  app.get('/quarantine', async (req, res) => {
    page(res, quarantinePage(ctxOf(req), await quarantines()));
  });

  app.use((req, res) => {
    if (req.path.startsWith('/api/')) res.status(404).json({ error: `no route ${req.method} ${req.path}` });
    else page(res, notFoundPage(ctxOf(req), req.path), 404);
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
