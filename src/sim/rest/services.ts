/**
 * The `rest` simulator's services (see src/sim/rest-server.ts): `/dossiers` keyset-paged, with
 * the province's faults, and `/stats` counted by the simulators' own counting rules.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { REST_STATS_METRICS, type RestStatsRow } from '../../../schemas/rest.js';
import { parseIsoInstant, toRestItem } from '../../dialects/rest/normalise.js';
import { parseDay } from '../../domain/time.js';
import { isMalformed, type RestWireItem, type Served } from '../faults.js';
import type { ProvinceFaults } from '../faults/province-faults.js';
import { misreportInto, misreportedProcedure, type Misreport } from '../misreport.js';
import { oracleCounts, oracleZero, type OracleCounts } from '../oracle.js';
import { lowerBound } from '../world/order.js';
import type { ProvinceWorld } from '../world/types.js';

/** The counters of RestSimulator. */
export interface RestCounts {
  tokensIssued: number;
  unauthorised: number;
  listRequests: number;
}

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ProvinceIndex {
  world: ProvinceWorld;
  root: string;
  agencies: Set<string>;
  byAgency: Map<string, CanonicalDossier[]>;
  faults?: ProvinceFaults<RestWireItem>;
  misreport?: Misreport[];
}

export interface State {
  provinces: Map<string, ProvinceIndex>;
  tokens: Map<string, { expiresAt: number; calls: number }>;
  ttlMs: number;
  /** Now, in epoch ms (RestSimulatorOptions.clock). */
  now: () => number;
  statusNames: Record<number, string>;
  counts: RestCounts;
}
// ---------------------------------------------------------------- keyset cursor

type Keyed = { updatedAt: number; code: string };

function encodeCursor(d: Keyed): string {
  return Buffer.from(JSON.stringify([d.updatedAt, d.code]), 'utf8').toString('base64url');
}

function decodeCursor(text: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string')
      return [v[0] as number, v[1]];
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid_request', 'after: not a cursor from this source');
}

/** First index whose (updatedAt, code) is after (t, code); the list is in that order. */
function after(list: readonly Keyed[], t: number, code: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const d = list[mid]!;
    if (d.updatedAt < t || (d.updatedAt === t && d.code <= code)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------- parameters

export function agencyParam(index: ProvinceIndex, q: URLSearchParams): string | null {
  const agency = q.get('agency') ?? index.root;
  if (agency === index.root) return null;
  if (index.agencies.has(agency)) return agency;
  throw new HttpError(400, 'invalid_request', `agency: "${agency}" is neither ${index.root} nor one of its agencies`);
}

function instantParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = parseIsoInstant(raw);
  if (ms === undefined)
    throw new HttpError(400, 'invalid_request', `${name}: ${JSON.stringify(raw)} is not an ISO 8601 date-time`);
  return ms;
}

function dayParam(q: URLSearchParams, name: string): string {
  const raw = q.get(name);
  if (raw === null || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || parseDay(raw) === undefined)
    throw new HttpError(400, 'invalid_request', `${name}: ${JSON.stringify(raw)} is not a day YYYY-MM-DD`);
  return raw;
}

function limitParam(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  const v = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(v) || v < 1 || v > MAX_LIMIT)
    throw new HttpError(400, 'invalid_request', `limit: must be 1..${MAX_LIMIT}`);
  return v;
}

// ---------------------------------------------------------------- services

function localOf(index: ProvinceIndex, agency: string | null): CanonicalDossier[] {
  if (agency === null) return index.world.local;
  let list = index.byAgency.get(agency);
  if (!list) index.byAgency.set(agency, (list = index.world.local.filter((d) => d.agency === agency)));
  return list;
}

export function dossiers(state: State, index: ProvinceIndex, q: URLSearchParams): unknown {
  const agency = agencyParam(index, q);
  const from = instantParam(q, 'updatedFrom');
  const to = instantParam(q, 'updatedTo');
  if (from !== undefined && to !== undefined && from > to)
    throw new HttpError(400, 'invalid_request', 'updatedFrom is after updatedTo');
  const limit = limitParam(q);
  const cursor = q.get('after');
  const decoded = cursor ? decodeCursor(cursor) : undefined;
  // with faults: records updated before the page is served, malformed items mixed in
  const faults = index.faults;
  if (faults?.beforeList()) index.byAgency.clear();
  const list: readonly Served<RestWireItem>[] = faults
    ? faults.served(localOf(index, agency), agency)
    : localOf(index, agency);
  const first = from === undefined ? 0 : lowerBound(list, from);
  const lo = decoded ? Math.max(first, after(list, decoded[0], decoded[1])) : first;
  const hi = to === undefined ? list.length : lowerBound(list, to);
  const page = lo >= hi ? [] : list.slice(lo, Math.min(hi, lo + limit));
  const next = lo + limit < hi ? encodeCursor(page[page.length - 1]!) : null;
  const wire = (e: Served<RestWireItem>) => (isMalformed(e) ? { ...e.item } : toRestItem(e, state.statusNames));
  const items = page.map(wire);
  // a duplicate: the item just before the page (already served) once more, first
  if (faults?.duplicate(page.length > 0 && lo > first)) items.unshift(wire(list[lo - 1]!));
  return { items, next };
}

function row(agencyCode: string, counts: OracleCounts, procedureCode?: string): RestStatsRow {
  const r = { agencyCode, ...(procedureCode === undefined ? {} : { procedureCode }) } as RestStatsRow;
  for (const m of REST_STATS_METRICS) r[m] = counts[m];
  return r;
}

/** The province's own statistics, counted by the simulators' own counting rules (src/sim/oracle.ts). */
export function stats(index: ProvinceIndex, q: URLSearchParams): unknown {
  const agency = agencyParam(index, q);
  const unit = agency ?? index.root;
  const from = dayParam(q, 'from');
  const to = dayParam(q, 'to');
  if (to < from) throw new HttpError(400, 'invalid_request', `to ${to} is before from ${from}`);
  const by = q.get('by') ?? '';
  if (by !== '' && by !== 'agency' && by !== 'procedure')
    throw new HttpError(400, 'invalid_request', `by: ${JSON.stringify(by)} is not agency or procedure`);
  const days = { from, to };
  const list = localOf(index, agency);
  const groups = oracleCounts(list, days, (d) => (by === 'agency' ? d.agency : by === 'procedure' ? d.procedure : ''));
  for (const m of index.misreport ?? []) {
    if (agency !== null && m.agency !== agency) continue;
    const key = by === 'agency' ? m.agency : by === 'procedure' ? misreportedProcedure(m, list, days) : '';
    if (key !== undefined) misreportInto(groups, key, m);
  }
  const counts = (key: string) => groups.get(key) ?? oracleZero();
  let rows: RestStatsRow[];
  if (by === 'agency') rows = (agency === null ? index.world.agencies : [agency]).map((a) => row(a, counts(a)));
  else if (by === 'procedure') rows = [...groups.keys()].sort().map((p) => row(unit, counts(p), p));
  else rows = [row(unit, counts(''))];
  return { rows };
}
