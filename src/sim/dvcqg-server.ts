/**
 * The `dvcqg` simulator over real HTTP (node:http): every province's source in the `dvcqg` dialect
 * at `/p/<province>` and the national portal feed at `/national`, serving a generated `World`
 * (docs/contracts.md, The dvcqg dialect; docs/contracts.md, The national feed). The services
 * are in src/sim/dvcqg/ (`provincial.ts`, `national.ts`); this file holds sessions, faults on the wire and the HTTP server.
 *
 * Reply codes: success `error_code: 0`; `"401"` unknown or expired session; `"403"` wrong
 * credentials; `"400"` bad parameters; `"404"` unknown service. Those come with HTTP 200, as
 * the real systems do. A body that is not a JSON object gets HTTP 400, an unknown path 404,
 * a method other than POST 405.
 *
 * The world is served as it is: edit it (if at all) before starting the simulator, because
 * per-agency and by-code views of it are built on first use and then kept.
 *
 * Faults (src/sim/faults.ts) are off unless `SimulatorOptions.faults` names a province; then
 * that province's source injects them, and with `drift` it updates records of its own
 * `world.local` while pages are read (the world object changes: read it after the sync).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { rootAgency } from '../domain/codes.js';
import { toDvcqgItem } from '../dialects/dvcqg/normalise.js';
import { countNational, NATIONAL } from './dvcqg/national.js';
import { ParamError, type Params } from './dvcqg/params.js';
import { PROVINCIAL } from './dvcqg/provincial.js';
import { dropNational, provinceOfCode, putNational, type PushBehaviour, type PushCount } from './dvcqg/push.js';
import { RawReply, type ProvinceIndex, type Reply, type State } from './dvcqg/state.js';
import type { FaultLog, FaultOptions } from './faults.js';
import { ProvinceFaults } from './faults/province-faults.js';
import { closeServer, listen, readBody, sendJson } from './listen.js';
import type { Misreport } from './misreport.js';
import type { World } from './world.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { NationalLoadRow } from './dvcqg/state.js';

export type { NationalLoadRow, PushBehaviour, PushCount };

/** The push service's name (docs/contracts.md, DongBoHoSoMC). */
const PUSH_SERVICE = 'DongBoHoSoMC';
export type { Misreport } from './misreport.js';

export const SIM_CREDENTIALS = { username: 'dossier-sync', password: 'simulated-secret' } as const;

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The province's `dvcqg` source: `${url}/p/<province>`. */
  sourceUrl(province: string): string;
  /** The national feed: `${url}/national`. */
  nationalUrl: string;
  /** What was injected so far into a province's source; undefined when it has no faults. */
  faults(province: string): FaultLog | undefined;
  /** What the national feed was asked so far: requests and the items they returned, per service and `madonvi`. */
  nationalLoad(): NationalLoadRow[];
  /** What the national feed was pushed (`DongBoHoSoMC`) so far, per dossier code, in code order. */
  nationalPushes(): PushCount[];
  /** Changes how the portal answers pushes from now on. */
  setPushBehaviour(b: PushBehaviour): void;
  /** Puts a national copy in place (replacing the code's copy under its agency): the portal changed meanwhile. */
  putNational(province: string, d: CanonicalDossier): void;
  /** Removes every national copy of a code: the portal lost it. */
  dropNational(province: string, code: string): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** How long a session stays valid; default 30 minutes. */
  sessionTtlMs?: number;
  /** Now, in epoch ms, for session lifetimes; Date.now by default (a test moves it instead of waiting). */
  clock?: () => number;
  /** Fault injection per province source (key: unit code like 'H49'); none by default. */
  faults?: Record<string, FaultOptions>;
  /** Figures a province's own ThongKeHoSo gets wrong (key: unit code like 'H49'); none by default. */
  misreport?: Record<string, Misreport[]>;
  /**
   * Render every fault-free source's items as JSON once, at start, and serve its whole-province
   * lists from that text: the same bytes, without formatting each item per request. Memory for
   * speed (about 330 bytes a dossier), so that a benchmark measures the worker rather than the
   * simulator. Off by default.
   */
  prerender?: boolean;
  /** How the portal answers pushes: refusals, lost pushes, late answers (src/sim/dvcqg/push.ts); none by default. */
  push?: PushBehaviour;
}

const MAX_BODY = 1 << 20;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  truncate = false,
): void {
  sendJson(res, status, body instanceof RawReply ? body.body : JSON.stringify(body), headers, truncate);
}

function login(state: State, scope: string, body: Params): Reply {
  if (body.username !== SIM_CREDENTIALS.username || body.password !== SIM_CREDENTIALS.password)
    return { error_code: '403', message: 'wrong username or password' };
  const now = state.now();
  for (const [id, s] of state.sessions) if (s.expiresAt <= now) state.sessions.delete(id);
  const session = randomUUID();
  state.sessions.set(session, { scope, expiresAt: now + state.sessionTtlMs, calls: 0 });
  return { error_code: 0, session };
}

function service(state: State, scope: string, body: Params, index: ProvinceIndex | undefined): Reply {
  const session = typeof body.session === 'string' ? state.sessions.get(body.session) : undefined;
  if (!session || session.scope !== scope || session.expiresAt <= state.now())
    return { error_code: '401', message: 'session is unknown or expired: log in again' };
  if (index?.faults) {
    session.calls++;
    const fault = index.faults.serviceFault(session.calls);
    if (fault) {
      if (fault.error_code === '401') state.sessions.delete(body.session as string);
      return fault;
    }
  }
  const services = index ? PROVINCIAL : NATIONAL;
  const name = body.service;
  if (typeof name !== 'string' || !Object.hasOwn(services, name))
    return {
      error_code: '404',
      message: `unknown service ${JSON.stringify(name ?? null)}; this endpoint offers ${Object.keys(services).join(', ')}`,
    };
  try {
    const reply = services[name]!(state, body, index);
    if (!index) countNational(state, name, body.madonvi, reply);
    return reply;
  } catch (err) {
    if (err instanceof ParamError) return { error_code: '400', message: err.message };
    throw err;
  }
}
async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const m = /^\/(?:national|p\/([A-Za-z0-9]+))\/(auth\/login|service)$/.exec(path);
  if (!m) return send(res, 404, { error_code: '404', message: `no such path ${path}` });
  const index = m[1] === undefined ? undefined : state.provinces.get(m[1]);
  if (m[1] !== undefined && !index)
    return send(res, 404, { error_code: '404', message: `no provincial source ${m[1]}` });
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return send(res, 405, { error_code: '405', message: `${req.method} not allowed: use POST` });
  }
  const faults = index?.faults;
  if (await faults?.delay(res)) return void res.destroy();
  const httpFault = faults?.httpFault();
  if (httpFault) {
    await readBody(req, MAX_BODY);
    if (httpFault.status === 429)
      return send(
        res,
        429,
        { error_code: '429', message: 'too many requests' },
        { 'retry-after': httpFault.retryAfter },
      );
    return send(res, httpFault.status, { error_code: String(httpFault.status), message: 'simulated server failure' });
  }
  const text = await readBody(req, MAX_BODY);
  if (text === undefined) return send(res, 413, { error_code: '413', message: `body larger than ${MAX_BODY} bytes` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return send(res, 400, { error_code: '400', message: 'body is not valid JSON' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return send(res, 400, { error_code: '400', message: 'body must be a JSON object' });
  const scope = index ? `p/${index.world.province}` : 'national';
  const reply =
    m[2] === 'auth/login' ? login(state, scope, body as Params) : service(state, scope, body as Params, index);
  const delay = !index && (body as Params).service === PUSH_SERVICE ? state.push.replyDelayMs : undefined;
  if (delay) await new Promise((r) => setTimeout(r, delay));
  send(res, 200, reply, {}, faults?.truncate() ?? false);
}

/** The simulator's state over `world`: each province's index, no sessions yet. */
function initialState(world: World, opts: SimulatorOptions): State {
  return {
    provinces: new Map(
      world.provinces.map((w) => [
        w.province,
        {
          world: w,
          root: rootAgency(w.province),
          agencies: new Set(w.agencies),
          localByAgency: new Map(),
          faults: opts.faults?.[w.province] ? new ProvinceFaults(w, opts.faults[w.province]!, world.now) : undefined,
          misreport: opts.misreport?.[w.province],
          rendered:
            opts.prerender && !opts.faults?.[w.province]
              ? w.local.map((d) => Buffer.from(JSON.stringify(toDvcqgItem(d))))
              : undefined,
        },
      ]),
    ),
    sessions: new Map(),
    sessionTtlMs: opts.sessionTtlMs ?? 30 * 60_000,
    now: opts.clock ?? Date.now,
    lists: new Map(),
    answered: new Map(),
    nationalLoad: new Map(),
    pushes: new Map(),
    push: opts.push ?? {},
  };
}

export async function startSimulator(world: World, opts: SimulatorOptions = {}): Promise<Simulator> {
  for (const p of Object.keys(opts.faults ?? {}))
    if (!world.provinces.some((w) => w.province === p)) throw new Error(`simulator: faults for unknown province ${p}`);
  for (const p of Object.keys(opts.misreport ?? {}))
    if (!world.provinces.some((w) => w.province === p))
      throw new Error(`simulator: misreport for unknown province ${p}`);
  const state = initialState(world, opts);
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error_code: '500', message: `simulator failure: ${String(err)}` });
      else res.destroy();
    });
  });
  const url = await listen(server, opts.host, opts.port);
  return {
    url,
    sourceUrl: (province: string) => `${url}/p/${province}`,
    nationalUrl: `${url}/national`,
    faults: (province: string) => state.provinces.get(province)?.faults?.log,
    nationalLoad: () => [...state.nationalLoad.values()].map((r) => ({ ...r })),
    nationalPushes: () =>
      [...state.pushes.values()]
        .map((p) => ({ ...p, results: { ...p.results } }))
        .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    setPushBehaviour: (b) => {
      state.push = b;
    },
    putNational: (province, d) => putNational(state, provinceOfCode(state, province, d.code), d),
    dropNational: (province, code) => dropNational(state, provinceOfCode(state, province, code), code),
    close: () => closeServer(server),
  };
}
