/**
 * The simulators over real HTTP (node:http): every province's source in the `dvcqg` dialect
 * at `/p/<province>` and the national portal feed at `/national` (CONTRACTS.md §1 and §3),
 * serving a generated `World`.
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
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { toStatsRow } from '../dialects/dvcqg/fields.js';
import { DOSSIER_CODE, agencyOfDossierCode, provinceOfAgency, rootAgency } from '../domain/codes.js';
import { toDvcqgItem } from '../dialects/dvcqg/normalise.js';
import { parseCompact, parseDay } from '../domain/time.js';
import { makePeriod, type Period } from '../domain/period.js';
import { ProvinceFaults, isMalformed, type FaultLog, type FaultOptions, type Served } from './faults.js';
import { countsIn, oracleCounts, oracleZero, type OracleCounts, type OracleDays, type OracleMetric } from './oracle.js';
import { lowerBound, type ProvinceWorld, type World } from './world.js';
import { listen } from './listen.js';

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
  close(): Promise<void>;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** How long a session stays valid; default 30 minutes. */
  sessionTtlMs?: number;
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
}

const MAX_BODY = 1 << 20;
const MAX_PAGE = 1000;
const MAX_LOOKUP = 100;
const LIST_CACHE = 16;

export interface NationalLoadRow {
  service: string;
  madonvi: string;
  requests: number;
  /** Items of `data` returned (dossiers for DanhSachHoSo and TraCuuHoSo, rows for ThongKeHoSo). */
  records: number;
}

type Params = Record<string, unknown>;
type Reply = Record<string, unknown> | RawReply;

/** A reply already serialised (the same text JSON.stringify would give). */
class RawReply {
  /** @param items how many items its `data` holds (the simulator's national counters read it) */
  constructor(
    readonly text: string,
    readonly items = 0,
  ) {}
}

class ParamError extends Error {}

interface ProvinceIndex {
  world: ProvinceWorld;
  root: string;
  agencies: Set<string>;
  /** Per-agency views of `world.local`, same order; built on first use. */
  localByAgency: Map<string, CanonicalDossier[]>;
  /** `world.national` ordered by code; built on first use. */
  nationalByCode?: CanonicalDossier[];
  /** `nationalByCode` split per agency, same order; built on first use (a large province's lists per agency without a pass over the province each). */
  nationalByAgency?: Map<string, CanonicalDossier[]>;
  faults?: ProvinceFaults;
  misreport?: Misreport[];
  /** `world.local` as JSON items, same order (SimulatorOptions.prerender). */
  rendered?: string[];
}

/** What `madonvi` names: a whole province (its root) or one agency. */
interface Unit {
  index: ProvinceIndex;
  code: string;
  agency: string | null;
}

interface State {
  provinces: Map<string, ProvinceIndex>;
  sessions: Map<string, { scope: string; expiresAt: number; calls: number }>;
  sessionTtlMs: number;
  lists: Map<string, CanonicalDossier[]>;
  /** National requests answered, by `service|madonvi`. */
  nationalLoad: Map<string, NationalLoadRow>;
}

// ---------------------------------------------------------------- parameters

function intParam(params: Params, name: string, min: number, max: number, fallback: number): number {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(v)) throw new ParamError(`${name}: ${JSON.stringify(raw)} is not an integer`);
  if (v < min || v > max) throw new ParamError(`${name}: ${v} is out of range ${min}..${max}`);
  return v;
}

function boolParam(params: Params, name: string): boolean {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === false || raw === 0 || raw === '0' || raw === 'false') return false;
  if (raw === true || raw === 1 || raw === '1' || raw === 'true') return true;
  throw new ParamError(`${name}: ${JSON.stringify(raw)} is not a boolean`);
}

function stampParam(params: Params, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const ms = typeof raw === 'string' ? parseCompact(raw) : undefined;
  if (ms === undefined) throw new ParamError(`${name}: ${JSON.stringify(raw)} is not a time yyyyMMddHHmmss`);
  return ms;
}

function dayParam(params: Params, name: string): string {
  const raw = params[name];
  if (typeof raw !== 'string' || !/^\d{8}$/.test(raw) || parseDay(raw) === undefined)
    throw new ParamError(`${name}: ${JSON.stringify(raw ?? null)} is not a day yyyyMMdd`);
  return raw;
}

function periodParams(params: Params): Period {
  const from = dayParam(params, 'tuNgay');
  const to = dayParam(params, 'denNgay');
  if (to < from) throw new ParamError(`denNgay ${to} is before tuNgay ${from}`);
  return makePeriod(from, to);
}

function pageParams(params: Params): { trang: number; soLuong: number } {
  return {
    trang: intParam(params, 'trang', 1, Number.MAX_SAFE_INTEGER, 1),
    soLuong: intParam(params, 'soLuong', 1, MAX_PAGE, 100),
  };
}

function page<T>(items: readonly T[], lo: number, hi: number, p: { trang: number; soLuong: number }): T[] {
  const from = lo + (p.trang - 1) * p.soLuong;
  return from >= hi ? [] : items.slice(from, Math.min(hi, from + p.soLuong));
}

function unitIn(index: ProvinceIndex, madonvi: unknown): Unit {
  if (typeof madonvi !== 'string' || madonvi === '') throw new ParamError('madonvi: missing');
  if (madonvi === index.root) return { index, code: madonvi, agency: null };
  if (index.agencies.has(madonvi)) return { index, code: madonvi, agency: madonvi };
  throw new ParamError(`madonvi: "${madonvi}" is neither ${index.root} nor one of its agencies`);
}

function nationalUnit(state: State, madonvi: unknown): Unit {
  const index = typeof madonvi === 'string' ? state.provinces.get(provinceOfAgency(madonvi) ?? '') : undefined;
  if (!index) throw new ParamError(`madonvi: ${JSON.stringify(madonvi ?? null)} is not an agency of a known province`);
  return unitIn(index, madonvi);
}

// ---------------------------------------------------------------- indexes


function byCode(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/**
 * A copy of `list` in code order. Fast path for well-formed codes (all of one length, so
 * code order is agency, then day, then sequence): numeric keys instead of string compares,
 * which matters for millions of dossiers. Any other code falls back to a string sort.
 */
function sortedByCode(list: readonly CanonicalDossier[]): CanonicalDossier[] {
  const n = list.length;
  const keys = new Float64Array(n);
  const agencies = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const m = DOSSIER_CODE.exec(list[i]!.code);
    if (!m) return list.slice().sort(byCode);
    let a = agencies.get(m[1]!);
    if (a === undefined) agencies.set(m[1]!, (a = agencies.size));
    keys[i] = a * 1e10 + Number(m[2]) * 1e4 + Number(m[3]);
  }
  const rank = new Float64Array(agencies.size);
  [...agencies.keys()].sort().forEach((agency, r) => (rank[agencies.get(agency)!] = r));
  for (let i = 0; i < n; i++) keys[i] = rank[Math.floor(keys[i]! / 1e10)]! * 1e10 + (keys[i]! % 1e10);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => keys[x]! - keys[y]! || x - y);
  return Array.from(order, (i) => list[i]!);
}

function localOf(unit: Unit): CanonicalDossier[] {
  const { index, agency } = unit;
  if (agency === null) return index.world.local;
  let list = index.localByAgency.get(agency);
  if (!list) index.localByAgency.set(agency, (list = index.world.local.filter((d) => d.agency === agency)));
  return list;
}

function nationalByCode(index: ProvinceIndex): CanonicalDossier[] {
  return (index.nationalByCode ??= sortedByCode(index.world.national));
}

function nationalOf(unit: Unit): CanonicalDossier[] {
  const all = nationalByCode(unit.index);
  if (unit.agency === null) return all;
  if (!unit.index.nationalByAgency) {
    const by = new Map<string, CanonicalDossier[]>();
    for (const d of all) {
      let list = by.get(d.agency);
      if (!list) by.set(d.agency, (list = []));
      list.push(d);
    }
    unit.index.nationalByAgency = by;
  }
  return unit.index.nationalByAgency.get(unit.agency) ?? [];
}

function findByCode(list: readonly CanonicalDossier[], code: string): CanonicalDossier | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.code < code) lo = mid + 1;
    else hi = mid;
  }
  const d = list[lo];
  return d && d.code === code ? d : undefined;
}

// ---------------------------------------------------------------- services

/** Provincial: dossiers updated in [capNhatTu, capNhatDen), by updatedAt then code. */
function layDanhSachHoSo(unit: Unit, params: Params): Reply {
  const from = stampParam(params, 'capNhatTu') ?? -Infinity;
  const to = stampParam(params, 'capNhatDen') ?? Infinity;
  if (from > to) throw new ParamError('capNhatTu is after capNhatDen');
  const p = pageParams(params);
  const faults = unit.index.faults;
  if (faults) return faultyList(unit, faults, from, to, p);
  const list = localOf(unit);
  const lo = lowerBound(list, from);
  const hi = lowerBound(list, to);
  const rendered = unit.agency === null ? unit.index.rendered : undefined;
  if (rendered) return new RawReply(`{"error_code":0,"tongSo":${hi - lo},"data":[${page(rendered, lo, hi, p).join(',')}]}`);
  return { error_code: 0, tongSo: hi - lo, data: page(list, lo, hi, p).map(toDvcqgItem) };
}

/** `layDanhSachHoSo` with faults: drift before serving, malformed items mixed in, duplicates. */
function faultyList(unit: Unit, faults: ProvinceFaults, from: number, to: number, p: { trang: number; soLuong: number }): Reply {
  if (faults.beforeList()) unit.index.localByAgency.clear();
  const list = faults.served(localOf(unit), unit.agency);
  const lo = lowerBound(list, from);
  const hi = lowerBound(list, to);
  const items: Served[] = page(list, lo, hi, p);
  const start = lo + (p.trang - 1) * p.soLuong;
  if (faults.duplicate(items.length > 0 && start > 0)) items.unshift(list[start - 1]!);
  return { error_code: 0, tongSo: hi - lo, data: items.map((e) => (isMalformed(e) ? { ...e.item } : toDvcqgItem(e))) };
}

/**
 * A figure a province's own statistics get wrong: `delta` added to `metric` of `agency`
 * (clamped at 0). Split by procedure, it goes to `procedure`, or else to the agency's first
 * procedure (in code order) counted in the period, so the agency's total moves with it.
 * Shared by both simulators' provincial statistics, and by the national statistics for the
 * keys a world leaves unexplained.
 */
export interface Misreport {
  agency: string;
  metric: OracleMetric;
  delta: number;
  procedure?: string;
}

/** The procedure row a misreport lands on, split by procedure; undefined when the agency has none. */
export function misreportedProcedure(m: Misreport, dossiers: readonly CanonicalDossier[], days: OracleDays): string | undefined {
  if (m.procedure !== undefined) return m.procedure;
  let first: string | undefined;
  for (const d of dossiers) {
    if (d.agency === m.agency && (first === undefined || d.procedure < first) && countsIn(d, days)) first = d.procedure;
  }
  return first;
}

/** Adds a misreport to group `key` of `groups`. */
export function misreportInto(groups: Map<string, OracleCounts>, key: string, m: Misreport): void {
  let counts = groups.get(key);
  if (!counts) groups.set(key, (counts = oracleZero()));
  counts[m.metric] = Math.max(0, counts[m.metric] + m.delta);
}

/**
 * Statistics of `dossiers` (one province's local or national copy) under `unit`, counted by
 * the simulators' own counting rules (src/sim/oracle.ts), with `misreport` applied.
 */
function thongKeHoSo(dossiers: readonly CanonicalDossier[], unit: Unit, params: Params, misreport: readonly Misreport[] = []): Reply {
  const { from, to } = periodParams(params);
  const days = { from, to };
  const byAgency = boolParam(params, 'theoDonVi');
  const byProcedure = boolParam(params, 'theoTTHC');
  // one group per row: [agency, procedure] (procedure '' when not split by procedure), as JSON
  // so that no character of a code can run two keys together
  const keyOf = (agency: string, procedure: string) => JSON.stringify([byAgency ? agency : unit.code, byProcedure ? procedure : '']);
  const mine = unit.agency === null ? dossiers : dossiers.filter((d) => d.agency === unit.agency);
  const groups = oracleCounts(mine, days, (d) => keyOf(d.agency, d.procedure));
  for (const m of misreport) {
    if (unit.agency !== null && m.agency !== unit.agency) continue;
    const procedure = byProcedure ? misreportedProcedure(m, dossiers, days) : '';
    if (procedure !== undefined) misreportInto(groups, keyOf(m.agency, procedure), m);
  }
  const rowAgencies = byAgency ? (unit.agency === null ? unit.index.world.agencies : [unit.agency]) : [unit.code];
  const procedures = new Map<string, string[]>(); // row agency → its procedures
  for (const key of groups.keys()) {
    const [agency, procedure] = JSON.parse(key) as [string, string];
    let list = procedures.get(agency);
    if (!list) procedures.set(agency, (list = []));
    list.push(procedure);
  }
  const data: Record<string, string>[] = [];
  for (const agency of rowAgencies) {
    if (!byProcedure) data.push(toStatsRow(agency, groups.get(keyOf(agency, '')) ?? oracleZero()));
    else for (const procedure of (procedures.get(agency) ?? []).sort()) data.push(toStatsRow(agency, groups.get(keyOf(agency, procedure))!, procedure));
  }
  return { error_code: 0, tongSo: data.length, data };
}

/** National: the national copy of each known code among `mahoso` (at most 100). */
function traCuuHoSo(state: State, params: Params): Reply {
  nationalUnit(state, params.madonvi);
  const codes = params.mahoso;
  if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string'))
    throw new ParamError('mahoso: must be an array of dossier codes');
  if (codes.length > MAX_LOOKUP) throw new ParamError(`mahoso: at most ${MAX_LOOKUP} codes, got ${codes.length}`);
  const data: Record<string, string>[] = [];
  for (const code of new Set(codes as string[])) {
    // the province named by the code's agency, or every province for codes without one
    const agency = agencyOfDossierCode(code);
    const home = agency === undefined ? undefined : state.provinces.get(provinceOfAgency(agency) ?? '');
    for (const index of home ? [home] : state.provinces.values()) {
      const d = findByCode(nationalByCode(index), code);
      if (d) {
        data.push(toDvcqgItem(d));
        break;
      }
    }
  }
  return { error_code: 0, tongSo: data.length, data };
}

const DATE_KINDS = {
  TiepNhan: 'receivedAt',
  KetThucXuLy: 'finishedAt',
  CapNhat: 'updatedAt',
} as const satisfies Record<string, keyof CanonicalDossier>;

const DRILL_FIELDS = [
  'MaHoSo',
  'MaTTHC',
  'TrangThaiHoSo',
  'NgayTiepNhan',
  'NgayHenTra',
  'NgayKetThucXuLy',
  'NgayTra',
  'KenhThucHien',
  'HoSoCoThanhPhanSoHoa',
  'NgayCapNhat',
] as const;

function drillItem(d: CanonicalDossier): Record<string, string> {
  const item = toDvcqgItem(d);
  return Object.fromEntries(DRILL_FIELDS.map((f) => [f, item[f] ?? '']));
}

/** `drillItem` as JSON, kept per dossier: the same national lists are read again and again. */
const renderedDrillItems = new WeakMap<CanonicalDossier, string>();
function drillItemJson(d: CanonicalDossier): string {
  let text = renderedDrillItems.get(d);
  if (text === undefined) renderedDrillItems.set(d, (text = JSON.stringify(drillItem(d))));
  return text;
}

/** National drill-down: national dossiers whose chosen date falls in the days, by code. */
function danhSachHoSo(state: State, params: Params): Reply {
  const unit = nationalUnit(state, params.madonvi);
  const period = periodParams(params);
  const kind = params.loaiNgay;
  if (typeof kind !== 'string' || !Object.hasOwn(DATE_KINDS, kind))
    throw new ParamError(`loaiNgay: ${JSON.stringify(kind ?? null)} is not one of ${Object.keys(DATE_KINDS).join(', ')}`);
  const field = DATE_KINDS[kind as keyof typeof DATE_KINDS];
  const p = pageParams(params);
  const key = [unit.code, period.from, period.to, kind].join('|');
  let list = state.lists.get(key);
  if (!list) {
    list = nationalOf(unit).filter((d) => {
      const t = d[field];
      return t !== null && t >= period.start && t < period.end;
    });
    if (state.lists.size >= LIST_CACHE) state.lists.delete(state.lists.keys().next().value!);
    state.lists.set(key, list);
  }
  const items = page(list, 0, list.length, p);
  return new RawReply(`{"error_code":0,"tongSo":${list.length},"data":[${items.map(drillItemJson).join(',')}]}`, items.length);
}

type Service = (state: State, params: Params, province: ProvinceIndex | undefined) => Reply;

const PROVINCIAL: Record<string, Service> = {
  LayDanhSachHoSo: (_s, params, index) => layDanhSachHoSo(unitIn(index!, params.madonvi), params),
  ThongKeHoSo: (_s, params, index) => thongKeHoSo(index!.world.local, unitIn(index!, params.madonvi), params, index!.misreport),
};

const NATIONAL: Record<string, Service> = {
  ThongKeHoSo: (state, params) => {
    const unit = nationalUnit(state, params.madonvi);
    return thongKeHoSo(unit.index.world.national, unit, params, unit.index.world.nationalAlterations);
  },
  TraCuuHoSo: (state, params) => traCuuHoSo(state, params),
  DanhSachHoSo: (state, params) => danhSachHoSo(state, params),
};

// ---------------------------------------------------------------- HTTP

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, truncate = false): void {
  let text = body instanceof RawReply ? body.text : JSON.stringify(body);
  if (truncate) text = text.slice(0, Math.floor(text.length / 2));
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function login(state: State, scope: string, body: Params): Reply {
  if (body.username !== SIM_CREDENTIALS.username || body.password !== SIM_CREDENTIALS.password)
    return { error_code: '403', message: 'wrong username or password' };
  const now = Date.now();
  for (const [id, s] of state.sessions) if (s.expiresAt <= now) state.sessions.delete(id);
  const session = randomUUID();
  state.sessions.set(session, { scope, expiresAt: now + state.sessionTtlMs, calls: 0 });
  return { error_code: 0, session };
}

function service(state: State, scope: string, body: Params, index: ProvinceIndex | undefined): Reply {
  const session = typeof body.session === 'string' ? state.sessions.get(body.session) : undefined;
  if (!session || session.scope !== scope || session.expiresAt <= Date.now())
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

function countNational(state: State, service: string, madonvi: unknown, reply: Reply): void {
  const key = `${service}|${String(madonvi)}`;
  let row = state.nationalLoad.get(key);
  if (!row) state.nationalLoad.set(key, (row = { service, madonvi: String(madonvi), requests: 0, records: 0 }));
  row.requests++;
  if (reply instanceof RawReply) row.records += reply.items;
  else row.records += Array.isArray(reply.data) ? reply.data.length : 0;
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const m = /^\/(?:national|p\/([A-Za-z0-9]+))\/(auth\/login|service)$/.exec(path);
  if (!m) return send(res, 404, { error_code: '404', message: `no such path ${path}` });
  const index = m[1] === undefined ? undefined : state.provinces.get(m[1]);
  if (m[1] !== undefined && !index) return send(res, 404, { error_code: '404', message: `no provincial source ${m[1]}` });
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return send(res, 405, { error_code: '405', message: `${req.method} not allowed: use POST` });
  }
  const faults = index?.faults;
  if (await faults?.delay(res)) return void res.destroy();
  const httpFault = faults?.httpFault();
  if (httpFault) {
    await readBody(req);
    if (httpFault.status === 429)
      return send(res, 429, { error_code: '429', message: 'too many requests' }, { 'retry-after': httpFault.retryAfter });
    return send(res, httpFault.status, { error_code: String(httpFault.status), message: 'simulated server failure' });
  }
  const text = await readBody(req);
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
  const reply = m[2] === 'auth/login' ? login(state, scope, body as Params) : service(state, scope, body as Params, index);
  send(res, 200, reply, {}, faults?.truncate() ?? false);
}

export async function startSimulator(world: World, opts: SimulatorOptions = {}): Promise<Simulator> {
  for (const p of Object.keys(opts.faults ?? {}))
    if (!world.provinces.some((w) => w.province === p)) throw new Error(`simulator: faults for unknown province ${p}`);
  for (const p of Object.keys(opts.misreport ?? {}))
    if (!world.provinces.some((w) => w.province === p)) throw new Error(`simulator: misreport for unknown province ${p}`);
  const state: State = {
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
          rendered: opts.prerender && !opts.faults?.[w.province] ? w.local.map((d) => JSON.stringify(toDvcqgItem(d))) : undefined,
        },
      ]),
    ),
    sessions: new Map(),
    sessionTtlMs: opts.sessionTtlMs ?? 30 * 60_000,
    lists: new Map(),
    nationalLoad: new Map(),
  };
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
