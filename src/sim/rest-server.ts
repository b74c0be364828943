/**
 * A standalone simulator of provincial sources in the `rest` dialect (docs/contracts.md, The rest dialect) over
 * real HTTP (node:http), serving the `local` dossiers of a generated `World`:
 *
 * - `POST /oauth/token` (form: grant_type=client_credentials, client_id, client_secret) →
 *   `{access_token, token_type, expires_in}`; wrong client → HTTP 401 `invalid_client`.
 * - `GET /p/<province>/dossiers?agency&updatedFrom&updatedTo&limit&after` with
 *   `Authorization: Bearer <token>`: dossiers updated in [updatedFrom, updatedTo), ordered by
 *   (updatedAt, code), keyset-paged: `next` is an opaque base64url cursor of the last item's
 *   (updatedAt, code), so paging stays correct while data changes. `agency` is the
 *   province's root `000.00.00.<P>` (the whole province) or one of its agencies.
 * - `GET /p/<province>/stats?agency&from&to&by=agency|procedure` → `{rows}` counted with the
 *   simulators' own counting rules (src/sim/oracle.ts), numbers not strings. Without `by`: one row for `agency`.
 *
 * An unknown, expired or revoked token gets HTTP 401; bad parameters 400; unknown paths 404.
 * Edit the world (if at all) before starting: per-agency views are built on first use.
 *
 * The services are in src/sim/rest/services.ts; this file holds tokens, faults on the wire and
 * the HTTP server.
 *
 * Faults (src/sim/faults.ts, shared with the `dvcqg` simulator) are off unless
 * `RestSimulatorOptions.faults` names a province; then every request to that province's paths
 * (`/oauth/token` is not a province's) may get HTTP 429 with `Retry-After`, 500 or 503, or a
 * JSON body cut in half; a token is revoked after `sessionCalls` calls to it (HTTP 401); list
 * pages may repeat the item before them and have malformed items mixed in (dueAt not an ISO
 * date, unknown vendor status, bad agencyCode); and with `drift` records of `world.local` are
 * updated before list pages are served (the world object changes: read it after the sync).
 * `faults(province)` tells what was injected.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { rootAgency } from '../domain/codes.js';
import { restItems, type FaultLog, type FaultOptions, type RestWireItem } from './faults.js';
import { provinceFaults, type ProvinceFaults } from './faults/province-faults.js';
import { closeServer, listen, readBody, sendJson } from './listen.js';
import type { Misreport } from './misreport.js';
import { HttpError, dossiers, stats, type RestCounts, type State } from './rest/services.js';
import type { World } from './world.js';

/** The simulator's default vendor status names, by national status code. */
export const DEFAULT_REST_STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'MOI',
  2: 'DA_TIEP_NHAN',
  3: 'KHONG_TIEP_NHAN',
  4: 'DANG_XU_LY',
  5: 'BO_SUNG',
  6: 'CHO_THANH_TOAN',
  7: 'RUT_HO_SO',
  8: 'DUNG_XU_LY',
  9: 'DA_XU_LY',
  10: 'DA_TRA_KET_QUA',
};

export const REST_SIM_CLIENT = { clientId: 'dossier-sync-rest', clientSecret: 'simulated-rest-secret' } as const;

export interface RestSimulatorOptions {
  host?: string;
  port?: number;
  /** Vendor status names by national code; default DEFAULT_REST_STATUS_NAMES. */
  statusNames?: Record<number, string>;
  /** Token lifetime; default 3600 s. */
  tokenTtlSeconds?: number;
  /** Now, in epoch ms, for token lifetimes; Date.now by default (a test moves it instead of waiting). */
  clock?: () => number;
  /** Fault injection per province source (key: unit code like 'H49'); none by default. */
  faults?: Record<string, FaultOptions>;
  /**
   * Figures a province's own `/stats` gets wrong (key: unit code like 'H49'); none by default.
   * A misreported metric the dialect does not report (toProcess, unprocessedNotDue) is unseen.
   */
  misreport?: Record<string, Misreport[]>;
}

export interface RestSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `${url}/oauth/token`. */
  tokenUrl: string;
  /** A province's source: `${url}/p/<province>`. */
  baseUrl(province: string): string;
  clientId: string;
  clientSecret: string;
  /** Makes every token issued so far invalid (the next call with one gets HTTP 401). */
  revokeTokens(): void;
  /** Counters for tests. */
  readonly counts: RestCounts;
  /** What was injected so far into a province's source; undefined when it has no faults. */
  faults(province: string): FaultLog<RestWireItem> | undefined;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  truncate = false,
): void {
  sendJson(res, status, JSON.stringify(body), headers, truncate);
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const text = await readBody(req, MAX_BODY);
  if (text === undefined) throw new HttpError(413, 'invalid_request', `body larger than ${MAX_BODY} bytes`);
  return text;
}

async function token(state: State, req: IncomingMessage): Promise<unknown> {
  const form = new URLSearchParams(await bodyOf(req));
  if (form.get('grant_type') !== 'client_credentials')
    throw new HttpError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  if (form.get('client_id') !== REST_SIM_CLIENT.clientId || form.get('client_secret') !== REST_SIM_CLIENT.clientSecret)
    throw new HttpError(401, 'invalid_client', 'unknown client or wrong secret');
  const now = state.now();
  for (const [t, { expiresAt }] of state.tokens) if (expiresAt <= now) state.tokens.delete(t);
  const value = randomBytes(24).toString('base64url');
  state.tokens.set(value, { expiresAt: now + state.ttlMs, calls: 0 });
  state.counts.tokensIssued++;
  return { access_token: value, token_type: 'Bearer', expires_in: Math.max(1, Math.round(state.ttlMs / 1000)) };
}

function authorise(state: State, req: IncomingMessage, faults: ProvinceFaults<RestWireItem> | undefined): void {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const token = m ? state.tokens.get(m[1]!) : undefined;
  if (token === undefined || token.expiresAt <= state.now()) {
    state.counts.unauthorised++;
    throw new HttpError(401, 'invalid_token', 'the access token is unknown or expired');
  }
  token.calls++;
  if (faults?.tokenExpired(token.calls)) {
    state.tokens.delete(m![1]!);
    state.counts.unauthorised++;
    throw new HttpError(401, 'invalid_token', 'the access token was revoked');
  }
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://sim');
  const method = req.method ?? 'GET';
  if (u.pathname === '/oauth/token') {
    if (method !== 'POST') throw new HttpError(405, 'invalid_request', `${method} not allowed: use POST`);
    return send(res, 200, await token(state, req));
  }
  const m = /^\/p\/([A-Za-z0-9]+)\/(dossiers|stats)$/.exec(u.pathname);
  if (!m) throw new HttpError(404, 'not_found', `no such path ${u.pathname}`);
  const index = state.provinces.get(m[1]!);
  if (!index) throw new HttpError(404, 'not_found', `no provincial source ${m[1]}`);
  if (method !== 'GET') throw new HttpError(405, 'invalid_request', `${method} not allowed: use GET`);
  const faults = index.faults;
  if (await faults?.delay(res)) return void res.destroy();
  const httpFault = faults?.httpFault();
  if (httpFault?.status === 429)
    return send(
      res,
      429,
      { error: 'rate_limited', error_description: 'too many requests' },
      { 'retry-after': httpFault.retryAfter },
    );
  if (httpFault)
    return send(res, httpFault.status, { error: 'server_error', error_description: 'simulated server failure' });
  authorise(state, req, faults);
  if (m[2] === 'dossiers') {
    state.counts.listRequests++;
    return send(res, 200, dossiers(state, index, u.searchParams), {}, faults?.truncate() ?? false);
  }
  return send(res, 200, stats(index, u.searchParams), {}, faults?.truncate() ?? false);
}

export async function startRestSimulator(world: World, opts: RestSimulatorOptions = {}): Promise<RestSimulator> {
  const statusNames = { ...DEFAULT_REST_STATUS_NAMES, ...opts.statusNames };
  const faults = provinceFaults(world.provinces, opts.faults, world.now, restItems(statusNames));
  const state: State = {
    provinces: new Map(
      world.provinces.map((w) => [
        w.province,
        {
          world: w,
          root: rootAgency(w.province),
          agencies: new Set(w.agencies),
          byAgency: new Map(),
          misreport: opts.misreport?.[w.province],
          faults: faults.get(w.province),
        },
      ]),
    ),
    tokens: new Map(),
    ttlMs: (opts.tokenTtlSeconds ?? 3600) * 1000,
    now: opts.clock ?? Date.now,
    statusNames,
    counts: { tokensIssued: 0, unauthorised: 0, listRequests: 0 },
  };
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) {
        const headers: Record<string, string> =
          err.status === 401 ? { 'www-authenticate': `Bearer error="${err.error}"` } : {};
        if (err.status === 405) headers.allow = req.url?.startsWith('/oauth/') ? 'POST' : 'GET';
        send(res, err.status, { error: err.error, error_description: err.message }, headers);
      } else send(res, 500, { error: 'server_error', error_description: `simulator failure: ${String(err)}` });
    });
  });
  const url = await listen(server, opts.host, opts.port);
  return {
    url,
    tokenUrl: `${url}/oauth/token`,
    baseUrl: (province: string) => `${url}/p/${province}`,
    clientId: REST_SIM_CLIENT.clientId,
    clientSecret: REST_SIM_CLIENT.clientSecret,
    revokeTokens: () => state.tokens.clear(),
    counts: state.counts,
    faults: (province: string) => faults.get(province)?.log,
    close: () => closeServer(server),
  };
}
