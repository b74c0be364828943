/**
 * The national push `DongBoHoSoMC` of the simulator (docs/contracts.md, DongBoHoSoMC):
 * at most 100 items in the sync shape, each new (`isUpdate` false) or an update, answered item by
 * item: `0` stored, `EXISTS` (a new item whose code the portal holds), `NOT_FOUND` (an update of a
 * code it does not hold), `FORBIDDEN` (an agency outside the account's `madonvi`), `INVALID` (an
 * item the portal cannot read). A stored item changes the national copy at once: lists,
 * look-ups and statistics show it. Every item received is counted per code and result, for the
 * tests; `PushBehaviour` makes the portal refuse items, lose them, or answer late.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { agencyOfDossierCode, provinceOfAgency } from '../../domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../../dialects/dvcqg/normalise.js';
import { ParamError, type Params } from './params.js';
import { nationalUnit, type ProvinceIndex, type Reply, type State } from './state.js';

const MAX_PUSH = 100;

export interface PushBehaviour {
  /** A refusal for an item (its code and message), or undefined to handle it as the contract says. */
  reject?: (item: Record<string, unknown>) => { error_code: string; message: string } | undefined;
  /** Answer `0` for these codes without keeping the item (a portal that loses a push). */
  lose?: (code: string) => boolean;
  /** Wait this long after handling a push before answering it (its items are already stored). */
  replyDelayMs?: number;
  /** Refuse this many of the next pushes whole (`BUSY`, nothing read or stored); counted down. */
  refuseCalls?: number;
}

/** What the portal was pushed for one dossier code: items received, and the results it gave, by code. */
export interface PushCount {
  code: string;
  received: number;
  results: Record<string, number>;
}

/** The copies the world holds nationally have changed: views built from them are dropped. */
function changed(state: State, index: ProvinceIndex): void {
  index.nationalByCode = undefined;
  index.nationalByAgency = undefined;
  state.lists.clear();
  state.answered.clear();
}

/** Replaces the national copy of `d.code` under `d.agency` (or its first copy), or adds it. */
export function putNational(state: State, index: ProvinceIndex, d: CanonicalDossier): void {
  const list = index.world.national;
  const i = list.findIndex((n) => n.code === d.code && n.agency === d.agency);
  const at = i >= 0 ? i : list.findIndex((n) => n.code === d.code);
  if (at >= 0) list[at] = d;
  else list.push(d);
  changed(state, index);
}

/** Removes every national copy of `code`. */
export function dropNational(state: State, index: ProvinceIndex, code: string): void {
  const list = index.world.national;
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.code === code) list.splice(i, 1);
  changed(state, index);
}

function count(state: State, code: string, result: string): void {
  let c = state.pushes.get(code);
  if (!c) state.pushes.set(code, (c = { code, received: 0, results: {} }));
  c.received++;
  c.results[result] = (c.results[result] ?? 0) + 1;
}

/** One item's answer, stored when it is `0`. */
function pushOne(
  state: State,
  index: ProvinceIndex,
  unitAgency: string | null,
  raw: unknown,
): { MaHoSo: string; error_code: string | number; message?: string } {
  const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const code = typeof item.MaHoSo === 'string' ? item.MaHoSo : '';
  const answer = (error_code: string | number, message?: string) => {
    count(state, code, String(error_code));
    return { MaHoSo: code, error_code, ...(message ? { message } : {}) };
  };
  const refused = state.push.reject?.(item);
  if (refused) return answer(refused.error_code, refused.message);
  if (typeof item.isUpdate !== 'boolean') return answer('INVALID', 'isUpdate: must be true or false');
  const n = normaliseDvcqg(item, { statusMap: IDENTITY_STATUS_MAP });
  if (!n.ok) return answer('INVALID', n.reason);
  const d = n.dossier;
  const mine =
    unitAgency === null
      ? index.agencies.has(d.agency) || provinceOfAgency(d.agency) === index.world.province
      : d.agency === unitAgency;
  if (!mine) return answer('FORBIDDEN', `DonViXuLy ${d.agency} is not under this account's madonvi`);
  const held = index.world.national.some((c) => c.code === d.code);
  if (!item.isUpdate && held) return answer('EXISTS', `${d.code} is already held: send it with isUpdate true`);
  if (item.isUpdate && !held) return answer('NOT_FOUND', `${d.code} is not held: send it with isUpdate false`);
  if (!state.push.lose?.(d.code)) putNational(state, index, d);
  return answer(0);
}

/** `DongBoHoSoMC`: `data`, at most 100 items of the account's province. */
export function dongBoHoSoMC(state: State, params: Params): Reply {
  const unit = nationalUnit(state, params.madonvi);
  const data = params.data;
  if (!Array.isArray(data)) throw new ParamError('data: must be an array of dossiers');
  if (data.length > MAX_PUSH) throw new ParamError(`data: at most ${MAX_PUSH} dossiers, got ${data.length}`);
  if (state.push.refuseCalls) {
    state.push.refuseCalls--;
    return { error_code: 'BUSY', message: 'the portal is busy: try again later' };
  }
  return { error_code: 0, result: data.map((raw) => pushOne(state, unit.index, unit.agency, raw)) };
}

/** The province whose national copies hold `code` (by its agency), for the test helpers. */
export function provinceOfCode(state: State, province: string, code: string): ProvinceIndex {
  const index =
    state.provinces.get(province) ?? state.provinces.get(provinceOfAgency(agencyOfDossierCode(code) ?? '') ?? '');
  if (!index) throw new Error(`simulator: no province ${province}`);
  return index;
}
