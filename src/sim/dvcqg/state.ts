/**
 * What the `dvcqg` simulator serves from: each province's world with views of it built on first
 * use (per agency, by code), its faults and misreports, the sessions and the national counters;
 * and the unit a request's `madonvi` names.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { DOSSIER_CODE, provinceOfAgency } from '../../domain/codes.js';
import type { ProvinceFaults } from '../faults/province-faults.js';
import type { Misreport } from '../misreport.js';
import type { ProvinceWorld } from '../world/types.js';
import { ParamError, type Params } from './params.js';
import type { PushBehaviour, PushCount } from './push.js';

export interface NationalLoadRow {
  service: string;
  madonvi: string;
  requests: number;
  /** Items of `data` returned (dossiers for DanhSachHoSo and TraCuuHoSo, rows for ThongKeHoSo). */
  records: number;
}

export type Reply = Record<string, unknown> | RawReply;

const COMMA = Buffer.from(',');
const END = Buffer.from(']}');

/**
 * A list reply already serialised, `{"error_code":0,"tongSo":N,"data":[…]}` (the bytes
 * JSON.stringify would give), from items each rendered once: built as bytes, never as one
 * large string (V8 makes those slowly; src/http/json-body.ts), so that serving a list costs
 * the simulator little beside the worker reading it.
 */
export class RawReply {
  readonly body: Buffer;
  /** How many items its `data` holds (the simulator's national counters read it). */
  readonly items: number;
  constructor(tongSo: number, items: readonly Buffer[]) {
    const parts: Buffer[] = [Buffer.from(`{"error_code":0,"tongSo":${tongSo},"data":[`)];
    for (let i = 0; i < items.length; i++) {
      if (i > 0) parts.push(COMMA);
      parts.push(items[i]!);
    }
    parts.push(END);
    this.body = Buffer.concat(parts);
    this.items = items.length;
  }
}

export interface ProvinceIndex {
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
  rendered?: Buffer[];
}

/** What `madonvi` names: a whole province (its root) or one agency. */
export interface Unit {
  index: ProvinceIndex;
  code: string;
  agency: string | null;
}

export interface State {
  provinces: Map<string, ProvinceIndex>;
  sessions: Map<string, { scope: string; expiresAt: number; calls: number }>;
  sessionTtlMs: number;
  /** Now, in epoch ms (SimulatorOptions.clock). */
  now: () => number;
  lists: Map<string, CanonicalDossier[]>;
  /**
   * National replies already answered (statistics, list pages), by service, unit and
   * parameters, kept where the province's items are pre-rendered (SimulatorOptions.prerender:
   * the benchmark's portal answers from what it has computed, as a real portal serves its
   * statistics and lists, so that its work stays out of the figures); dropped, like `lists`,
   * when the national copies change.
   */
  answered: Map<string, Reply>;
  /** National requests answered, by `service|madonvi`. */
  nationalLoad: Map<string, NationalLoadRow>;
  /** National pushes received, by dossier code (src/sim/dvcqg/push.ts). */
  pushes: Map<string, PushCount>;
  /** How the portal answers pushes (none of the test behaviours by default). */
  push: PushBehaviour;
}

/** A service: its reply to the parameters (`province`: the provincial source asked, none for the national feed). */
export type Service = (state: State, params: Params, province: ProvinceIndex | undefined) => Reply;

export function unitIn(index: ProvinceIndex, madonvi: unknown): Unit {
  if (typeof madonvi !== 'string' || madonvi === '') throw new ParamError('madonvi: missing');
  if (madonvi === index.root) return { index, code: madonvi, agency: null };
  if (index.agencies.has(madonvi)) return { index, code: madonvi, agency: madonvi };
  throw new ParamError(`madonvi: "${madonvi}" is neither ${index.root} nor one of its agencies`);
}

export function nationalUnit(state: State, madonvi: unknown): Unit {
  const index = typeof madonvi === 'string' ? state.provinces.get(provinceOfAgency(madonvi) ?? '') : undefined;
  if (!index) throw new ParamError(`madonvi: ${JSON.stringify(madonvi ?? null)} is not an agency of a known province`);
  return unitIn(index, madonvi);
}

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

export function localOf(unit: Unit): CanonicalDossier[] {
  const { index, agency } = unit;
  if (agency === null) return index.world.local;
  let list = index.localByAgency.get(agency);
  if (!list) index.localByAgency.set(agency, (list = index.world.local.filter((d) => d.agency === agency)));
  return list;
}

export function nationalByCode(index: ProvinceIndex): CanonicalDossier[] {
  return (index.nationalByCode ??= sortedByCode(index.world.national));
}

export function nationalOf(unit: Unit): CanonicalDossier[] {
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

export function findByCode(list: readonly CanonicalDossier[], code: string): CanonicalDossier | undefined {
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
