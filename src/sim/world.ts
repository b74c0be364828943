/**
 * A deterministic simulated world: for each province, the dossiers of its provincial system
 * (`local`) and the copy the national portal holds (`national`), which differs only by a few
 * injected discrepancies listed in `truth` (the ground truth a reconciliation must find).
 *
 * Choices (documented here because the simulators are the project's reference data):
 * - `now` is 02:00 Vietnam time on the 2nd day after the month: `period.end + 1 day + 2 h`
 *   (period.end is the local midnight that closes the month). Nothing happens after `now`.
 * - Dossiers are received (accepted at intake) in [period.start − 20 days, period.end). Every
 *   dossier has a `receivedAt`, including status 1 (submitted: the intake time) and 3
 *   (refused at intake); the counting rules ignore those two statuses.
 * - Dossier codes are `<agency>-<YYMMDD>-<NNNN>` with the sequence in receive order within the
 *   agency's Vietnam calendar day. Because the sequence has 4 digits (≤ 9999 a day per
 *   agency), `agenciesPerProvince` is raised automatically when the volume needs more
 *   agency-days (e.g. 2,000,000 dossiers in one month need about 9 agencies).
 * - All timestamps are whole seconds (the wire format has second resolution).
 * - Dossiers that are not injected are the same objects on both sides.
 *
 * Injected discrepancies (DOMAIN.md "Why the two sides disagree", kinds of CONTRACTS.md §4),
 * each on its own dossier and listed in `truth`:
 * - missing_national: in the province, absent nationally (received in the period).
 * - missing_local: present nationally, deleted in the province (received in the period). The
 *   province generates `dossiersPerProvince + missingLocal` dossiers and deletes these, so
 *   `local` still holds `dossiersPerProvince` (with a gap in that day's sequence).
 * - status_lag: national status 4 (in progress) for a dossier finished in the period.
 * - date_shift: national dates 7 hours earlier (local time written as UTC).
 * - definition_drift: a dossier finished in the period and returned after it; nationally its
 *   finish date is the return date ("processed" keyed on the return date). The local return
 *   date is moved after the period when the dossier was not returned after it already.
 * - code_divergence, form `replaced_code`: nationally the dossier has a random-looking code
 *   (no agency prefix) instead of its own, and its own code is absent. The portal files a code
 *   without an agency under the unit that pushed it, the province's root agency *(ours)*, so
 *   the dossier moves from its agency (never the root) to the root in the national figures.
 *   `truth` names the local code (`related`: the national one).
 * - code_divergence, form `unmapped_procedure`: the provincial system holds the dossier under a
 *   local-variant procedure code (`<national>.<root agency>`, e.g. `1.003560.000.00.00.H56`),
 *   which the national copy kept as it is (the same object on both sides). `procedureMap` maps
 *   the variant to the national code: a source configured with it stores the national code, so
 *   only the per-procedure figures differ. `expectedStore` gives the store's expected content.
 *   These dossiers are all at one non-root agency that carries no other injection, so that
 *   agency's totals agree and its per-procedure mismatches are drilled.
 * - duplicate_national, in three forms, each copy counted by the national statistics:
 *   - `second_code` (`inject.duplicateNational`): the portal holds the dossier twice, under its
 *     own code and under a new sequence number of the same agency and day. `truth` names the
 *     extra national code (`related`: the original).
 *   - `listed_twice` (`inject.duplicateListedTwice`): the portal holds the same code twice
 *     (pushed twice): `DanhSachHoSo` lists it twice, `ThongKeHoSo` counts it twice. `truth`
 *     names the code.
 *   - `two_agencies` (`inject.duplicateTwoAgencies`): the portal holds the same code under its
 *     own agency and under another agency of the province (never the root, whose code lists
 *     the whole province, nor the unmapped-procedure one),
 *     listed and counted under both. `truth` names the code and the other agency (the extra
 *     copy's); `related` is absent, as the code is the same.
 *   One truth entry per extra copy.
 * Every injected dossier has its own (agency, procedure) pair (a replaced code also the root's
 * pair of its procedure; a copy under another agency that agency's pair), so each changes a
 * per-procedure count no other injection can cancel. With `shareKeys`, injections may share a
 * pair with others that move the national figures the same way (fewer: missing_national,
 * status_lag, date_shift, definition_drift, a replaced code at its agency; more:
 * missing_local, duplicates, a replaced code at the root), and are steered onto shared pairs:
 * several kinds on the same agency and procedure, where none can cancel another (each lowers,
 * or raises, "to process", "processed" or "received" at its key).
 *
 * Unexplained keys (`unexplainedKeys`, default 0 per province): the national statistics of an
 * (agency, procedure) pair carrying no injection, counted in the period, get `residual` (+1 or
 * +2) added to one metric, with no dossier behind it. `World.unexplainedKeys` lists each such
 * key and its agency total (procedure null), which moves with it; one agency and metric at most
 * once per province.
 * The dossiers behind missing_local, replaced codes and duplicates have content (receivedAt,
 * dueAt, channel, procedure) no other dossier of the province shares, so matching by content
 * across codes is unambiguous. Too small a volume for the asked injections throws.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import type { FINDING_KINDS } from '../../schemas/report.js';
import { rootAgency } from '../domain/codes.js';
import { DAY_MS, VN_OFFSET_MS, formatCompactDay, vnDayNumber } from '../domain/time.js';
import { monthPeriod, type Period } from '../domain/period.js';
import { ORACLE_METRICS, countsIn, type OracleMetric } from './oracle.js';
import { Rng, hashSeed } from './random.js';

export type InjectedKind = (typeof FINDING_KINDS)[number];
export interface TruthEntry {
  province: string;
  agency: string;
  /** The code a finding must name: the local code, or the national one for missing_local and duplicate_national. */
  dossierCode: string;
  kind: InjectedKind;
  /** code_divergence and duplicate_national: which form. */
  form?: 'replaced_code' | 'unmapped_procedure' | DuplicateForm;
  /** The other code involved: the national code of a replaced code, the original of a duplicate. */
  related?: string;
}
export type DuplicateForm = 'second_code' | 'listed_twice' | 'two_agencies';
/** A national figure altered with no dossier behind it: what a reconciliation must leave unexplained. */
export interface UnexplainedKey {
  province: string;
  agency: string;
  /** null: the agency's total, which moves with its procedure's row. */
  procedure: string | null;
  metric: OracleMetric;
  /** national − local that no dossier accounts for. */
  residual: number;
}
/** A national statistics row altered by `delta` (see UnexplainedKey). */
export interface NationalAlteration {
  agency: string;
  procedure: string;
  metric: OracleMetric;
  delta: number;
}
export interface InjectCounts {
  /** missing_national */
  notSynced: number;
  statusLag: number;
  dateShift: number;
  missingLocal: number;
  /** code_divergence by a replaced dossier code */
  replacedCode: number;
  /** code_divergence by an unmapped local procedure code */
  unmappedProcedure: number;
  definitionDrift: number;
  /** duplicate_national, form second_code */
  duplicateNational: number;
  /** duplicate_national, form listed_twice */
  duplicateListedTwice: number;
  /** duplicate_national, form two_agencies */
  duplicateTwoAgencies: number;
}
export interface WorldOptions {
  seed: number;
  /** 'YYYY-MM', the reporting period. */
  month: string;
  /** Unit codes like 'H49'. */
  provinces: string[];
  dossiersPerProvince: number;
  /** Default 4 (raised when the volume or the injections need it, see above). */
  agenciesPerProvince?: number;
  /** Number of national-form procedure codes, default 20. */
  procedures?: number;
  /** Counts per province; kinds left out take DEFAULT_INJECT's. */
  inject?: Partial<InjectCounts>;
  /** Let injections share (agency, procedure) pairs, and steer them onto shared ones (see above). Default false. */
  shareKeys?: boolean;
  /** National figures altered per province with no dossier behind them (see above). Default 0. */
  unexplainedKeys?: number;
}
export interface ProvinceWorld {
  province: string;
  agencies: string[];
  /** What the provincial system serves. Sorted by (updatedAt, code). */
  local: CanonicalDossier[];
  /** Sorted by (updatedAt, code). */
  national: CanonicalDossier[];
  /** Local-variant procedure code → national code, for this province's source configuration. */
  procedureMap: Record<string, string>;
  /** What the national statistics add to their rows (unexplained keys); usually none. */
  nationalAlterations: NationalAlteration[];
}
export interface World {
  seed: number;
  period: Period;
  now: number;
  provinces: ProvinceWorld[];
  truth: TruthEntry[];
  /** The counts injected per province. */
  inject: InjectCounts;
  /** Every province's `procedureMap` together: what each source's `procedureMap` should be. */
  procedureMap: Record<string, string>;
  /** The keys whose national figures no dossier explains (WorldOptions.unexplainedKeys). */
  unexplainedKeys: UnexplainedKey[];
}

export const DEFAULT_INJECT: Readonly<InjectCounts> = {
  notSynced: 3,
  statusLag: 3,
  dateShift: 2,
  missingLocal: 1,
  replacedCode: 1,
  unmappedProcedure: 1,
  definitionDrift: 1,
  duplicateNational: 1,
  duplicateListedTwice: 0,
  duplicateTwoAgencies: 0,
};
/** The "local time written as UTC" shift of a date_shift discrepancy. */
export const SHIFT_MS = 7 * 3600_000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAYS_BEFORE = 20;
const SEQ_MAX = 9999;
const MAX_AGENCIES = 100; // department segment 01..99 plus the root
const DUE_DAYS = [1, 2, 3, 5, 7, 10, 15] as const;
/** A definition_drift dossier was finished at most this long before the period's end. */
const DRIFT_WINDOW_MS = 3 * DAY_MS;
const KIND_ORDER: Record<InjectedKind, number> = {
  missing_national: 0,
  status_lag: 1,
  date_shift: 2,
  missing_local: 3,
  code_divergence: 4,
  definition_drift: 5,
  duplicate_national: 6,
};
const INJECT_FIELDS = Object.keys(DEFAULT_INJECT) as (keyof InjectCounts)[];

/**
 * What a store synced from this province's source holds, given the source's procedure map
 * (default: the province's own, `procedureMap`): `local` with each mapped procedure code
 * replaced by its national code. Same order as `local`.
 */
export function expectedStore(p: ProvinceWorld, procedureMap: Readonly<Record<string, string>> = p.procedureMap): CanonicalDossier[] {
  return p.local.map((d) => (Object.hasOwn(procedureMap, d.procedure) ? { ...d, procedure: procedureMap[d.procedure]! } : d));
}

/** Order of the feeds: updatedAt, then code (plain code-unit order). */
export function compareByUpdated(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.updatedAt - b.updatedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * Sorts by (updatedAt, code) in place. Fast for millions: a native sort of packed numeric
 * keys (seconds since the earliest update × 2^24 + index), then code order within equal times.
 */
/** First index whose updatedAt ≥ t in a list ordered by updatedAt. */
export function lowerBound(list: readonly { updatedAt: number }[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.updatedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sortByUpdated(list: CanonicalDossier[]): void {
  const n = list.length;
  if (n < 2) return;
  let min = Infinity;
  let max = -Infinity;
  for (const d of list) {
    if (d.updatedAt < min) min = d.updatedAt;
    if (d.updatedAt > max) max = d.updatedAt;
  }
  const span = Math.ceil((max - min) / SECOND) + 1;
  if (n > 2 ** 24 || span * 2 ** 24 > Number.MAX_SAFE_INTEGER || list.some((d) => d.updatedAt % SECOND !== 0)) {
    list.sort(compareByUpdated);
    return;
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((list[i]!.updatedAt - min) / SECOND) * 2 ** 24 + i;
  keys.sort();
  const copy = list.slice();
  for (let i = 0; i < n; i++) list[i] = copy[keys[i]! % 2 ** 24]!;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && list[j]!.updatedAt === list[i]!.updatedAt) j++;
    if (j - i > 1) {
      const run = list.slice(i, j).sort(compareByUpdated);
      for (let k = 0; k < run.length; k++) list[i + k] = run[k]!;
    }
    i = j;
  }
}

function byReceived(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.receivedAt! - b.receivedAt!;
}

/** Epoch ms of the Vietnam midnight that starts day number `day` (see vnDayNumber). */
function vnMidnight(day: number): number {
  return day * DAY_MS - VN_OFFSET_MS;
}

function seconds(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

interface Procedure {
  code: string;
  dueDays: number;
}

interface Clock {
  period: Period;
  now: number;
}

function makeProcedures(seed: number, count: number): Procedure[] {
  const rng = new Rng(hashSeed(seed, 'procedures'));
  const seen = new Set<string>();
  const out: Procedure[] = [];
  while (out.length < count) {
    const code = `1.${String(rng.int(100, 13999)).padStart(6, '0')}`;
    if (seen.has(code)) continue;
    seen.add(code);
    out.push({ code, dueDays: rng.pick(DUE_DAYS) });
  }
  return out;
}

function makeAgencies(rng: Rng, province: string, count: number): string[] {
  const departments = Array.from({ length: 99 }, (_, i) => i + 1);
  const picked = rng.sample(departments, count - 1);
  const codes = picked.map((n) => `000.00.${String(n).padStart(2, '0')}.${province}`);
  return [rootAgency(province), ...codes].sort();
}

/**
 * How many dossiers each (agency, day) bucket receives: proportional to the weights,
 * capped by the 4-digit daily sequence, `reserved` included. Exactly `total` in all.
 */
function bucketCounts(total: number, agencyW: number[], dayW: number[], reserved: Int32Array): Int32Array {
  const days = dayW.length;
  const counts = Int32Array.from(reserved);
  const rest = total - reserved.reduce((s, v) => s + v, 0);
  let weightSum = 0;
  for (const a of agencyW) for (const d of dayW) weightSum += a * d;
  const frac = new Float64Array(counts.length);
  let given = 0;
  for (let a = 0; a < agencyW.length; a++) {
    for (let d = 0; d < days; d++) {
      const i = a * days + d;
      const expected = (rest * agencyW[a]! * dayW[d]!) / weightSum;
      const add = Math.min(Math.floor(expected), SEQ_MAX - counts[i]!);
      counts[i]! += add;
      given += add;
      frac[i] = expected - Math.floor(expected);
    }
  }
  let left = rest - given;
  const order = Array.from(counts.keys()).sort((x, y) => frac[y]! - frac[x]! || x - y);
  while (left > 0) {
    let progressed = false;
    for (const i of order) {
      if (left === 0) break;
      if (counts[i]! < SEQ_MAX) {
        counts[i]!++;
        left--;
        progressed = true;
      }
    }
    if (!progressed) throw new Error('simulator: not enough daily sequence numbers for the volume');
  }
  return counts;
}

function pickChannel(rng: Rng): 1 | 2 | 3 {
  const u = rng.next();
  return u < 0.42 ? 2 : u < 0.47 ? 3 : 1;
}

/** Intake time within a Vietnam day: office hours, or any hour for some online dossiers. */
function receiveTime(rng: Rng, dayStart: number, channel: 1 | 2 | 3): number {
  if (channel === 2 && rng.chance(0.25)) return dayStart + rng.int(0, 86_399) * SECOND;
  const from = rng.chance(0.55) ? 7.5 * HOUR : 13 * HOUR; // 07:30–11:30, 13:00–17:00
  return dayStart + from + rng.int(0, 4 * 3600 - 1) * SECOND;
}

/** A dossier received at `receivedAt`, before its life is decided (see `live`). */
function newDossier(agency: string, channel: 1 | 2 | 3, receivedAt: number): CanonicalDossier {
  return {
    code: '',
    agency,
    procedure: '',
    status: STATUS.ACCEPTED,
    channel,
    digitised: false,
    paidOnline: false,
    receivedAt,
    dueAt: null,
    finishedAt: null,
    returnedAt: null,
    updatedAt: receivedAt,
  };
}

/**
 * Decides what happened to a dossier between its intake and `now`: status and consistent
 * dates. `acceptedOnly` keeps it out of statuses 1, 3, 7 and 8.
 */
function live(d: CanonicalDossier, rng: Rng, proc: Procedure, clock: Clock, acceptedOnly: boolean): void {
  const { now } = clock;
  const r = d.receivedAt!;
  d.procedure = proc.code;
  d.digitised = rng.chance(0.7);
  d.paidOnline = d.channel === 2 ? rng.chance(0.45) : rng.chance(0.03);
  const due = vnMidnight(vnDayNumber(r) + proc.dueDays) + 17 * HOUR;
  d.dueAt = due;
  d.status = STATUS.ACCEPTED;
  d.finishedAt = null;
  d.returnedAt = null;
  d.updatedAt = r;
  if (!acceptedOnly) {
    if (r >= now - 3 * DAY_MS && rng.chance(0.25)) {
      d.status = STATUS.SUBMITTED;
      return;
    }
    const u = rng.next();
    if (u < 0.02) {
      d.status = STATUS.REFUSED;
      d.updatedAt = Math.min(now, r + rng.int(5, 120) * MINUTE);
      return;
    }
    if (u < 0.045) {
      d.status = u < 0.035 ? STATUS.WITHDRAWN : STATUS.STOPPED;
      d.updatedAt = r + seconds(rng.next() * (Math.min(due, now) - r));
      return;
    }
  }
  const late = rng.chance(0.1);
  const finish = late ? due + rng.int(8 * 3600, 5 * 86_400) * SECOND : r + seconds((0.05 + 0.95 * rng.next()) * (due - r));
  if (finish <= now) {
    d.finishedAt = finish;
    d.status = STATUS.FINISHED;
    d.updatedAt = finish;
    if (rng.chance(0.8)) {
      const returned = finish + rng.int(30 * 60, 3 * 86_400) * SECOND;
      if (returned <= now) {
        d.status = STATUS.RETURNED;
        d.returnedAt = returned;
        d.updatedAt = returned;
      }
    }
    return;
  }
  const v = rng.next();
  d.status = v < 0.1 ? STATUS.ACCEPTED : v < 0.2 ? STATUS.SUPPLEMENT : v < 0.27 ? STATUS.PAYMENT : STATUS.IN_PROGRESS;
  if (d.status !== STATUS.ACCEPTED) d.updatedAt = r + seconds(rng.next() * (now - r));
}

function isAccepted(d: CanonicalDossier): boolean {
  return d.status !== STATUS.SUBMITTED && d.status !== STATUS.REFUSED && d.receivedAt !== null;
}

function crosses(t: number | null, boundary: number): boolean {
  return t !== null && t >= boundary && t - SHIFT_MS < boundary;
}

/** Can this dossier carry a date_shift? (received lower, carried over higher, nothing else moved across the period.) */
function shiftable(d: CanonicalDossier, p: Period): boolean {
  if (!isAccepted(d)) return false;
  const r = d.receivedAt!;
  if (r < p.start || r >= p.start + SHIFT_MS) return false;
  for (const t of [d.finishedAt, d.returnedAt]) if (crosses(t, p.start) || crosses(t, p.end)) return false;
  return true;
}

function lagable(d: CanonicalDossier, p: Period): boolean {
  const f = d.finishedAt;
  return (
    (d.status === STATUS.FINISHED || d.status === STATUS.RETURNED) &&
    f !== null &&
    f >= p.start &&
    f < p.end &&
    d.receivedAt !== null &&
    f > d.receivedAt
  );
}

function missable(d: CanonicalDossier, p: Period): boolean {
  return isAccepted(d) && d.receivedAt! >= p.start && d.receivedAt! < p.end;
}

function shifted(d: CanonicalDossier): CanonicalDossier {
  const s = (t: number | null) => (t === null ? null : t - SHIFT_MS);
  return {
    ...d,
    receivedAt: s(d.receivedAt),
    dueAt: s(d.dueAt),
    finishedAt: s(d.finishedAt),
    returnedAt: s(d.returnedAt),
    updatedAt: d.updatedAt - SHIFT_MS,
  };
}

function lagged(d: CanonicalDossier, rng: Rng): CanonicalDossier {
  const r = d.receivedAt!;
  const updatedAt = r + Math.floor(rng.next() * ((d.finishedAt! - r) / SECOND)) * SECOND; // in [r, finishedAt)
  return { ...d, status: STATUS.IN_PROGRESS, finishedAt: null, returnedAt: null, updatedAt };
}

/** Can this dossier carry a definition_drift? (finished in the period's last days, returned or returnable after it.) */
function driftable(d: CanonicalDossier, p: Period): boolean {
  const f = d.finishedAt;
  return (
    (d.status === STATUS.FINISHED || d.status === STATUS.RETURNED) &&
    f !== null &&
    f >= p.end - DRIFT_WINDOW_MS &&
    f < p.end &&
    d.receivedAt !== null &&
    f > d.receivedAt
  );
}

/**
 * Makes the local dossier returned after the period (if it was not already): status 10, a
 * return date in [period end, now), never exactly 7 hours after the finish (that would read
 * as a date_shift).
 */
function returnAfterPeriod(d: CanonicalDossier, rng: Rng, clock: Clock): void {
  const { period, now } = clock;
  const f = d.finishedAt!;
  if (d.returnedAt !== null && d.returnedAt >= period.end && d.returnedAt - f !== SHIFT_MS) return;
  let r = period.end + rng.int(0, (now - period.end) / SECOND - 2) * SECOND;
  if (r - f === SHIFT_MS) r += SECOND;
  d.status = STATUS.RETURNED;
  d.returnedAt = r;
  d.updatedAt = r;
}

/** The national copy of a definition_drift dossier: finished when it was returned. */
function drifted(d: CanonicalDossier): CanonicalDossier {
  return { ...d, finishedAt: d.returnedAt };
}

/** A random-looking code of the shape some systems substitute (no agency prefix). */
function randomCode(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[rng.int(0, 3)]}${hex(3)}-${hex(12)}`;
}

const pairOf = (agency: string, procedure: string) => `${agency}|${procedure}`;

function sameContent(a: CanonicalDossier, b: CanonicalDossier): boolean {
  return a.receivedAt === b.receivedAt && a.dueAt === b.dueAt && a.channel === b.channel && a.procedure === b.procedure;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`simulator: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/**
 * Agencies the injections need: the root, a non-root agency for replaced codes (two for copies
 * under a second agency), one of its own for unmapped procedure codes.
 */
function agenciesForInject(inject: InjectCounts): number {
  const nonRoot = inject.duplicateTwoAgencies > 0 ? 2 : inject.replacedCode > 0 ? 1 : 0;
  return 1 + nonRoot + (inject.unmappedProcedure > 0 ? 1 : 0);
}

/** Which way an injection moves the national figures of an (agency, procedure) pair (see shareKeys). */
type Direction = 'fewer' | 'more' | 'unmapped';

function generateProvince(
  province: string,
  opts: WorldOptions,
  procedures: Procedure[],
  clock: Clock,
  inject: InjectCounts,
): { world: ProvinceWorld; truth: TruthEntry[] } {
  const { period } = clock;
  const rng = new Rng(hashSeed(opts.seed, 'province', province));
  const total = opts.dossiersPerProvince + inject.missingLocal; // the deleted ones too
  const firstDay = vnDayNumber(period.start) - DAYS_BEFORE;
  const days = vnDayNumber(period.end - 1) - firstDay + 1;
  // Keep the daily sequence at most half full on average so the weights still shape the data.
  const needed = Math.ceil(total / (0.5 * days * SEQ_MAX));
  const agencyCount = Math.max(opts.agenciesPerProvince ?? 4, needed, agenciesForInject(inject));
  if (agencyCount > MAX_AGENCIES)
    throw new Error(`simulator: ${total} dossiers a month need more than ${MAX_AGENCIES} agencies`);
  const agencies = makeAgencies(rng, province, agencyCount);
  const root = agencies[0]!; // '000.00.00.Hxx' sorts first
  const agencyW = agencies.map(() => 0.5 + 1.5 * rng.next());
  const dayW = Array.from({ length: days }, (_, i) => {
    const dow = (firstDay + i + 4) % 7; // day 0 (1970-01-01) was a Thursday; 0 = Sunday
    return dow === 0 ? 0.1 : dow === 6 ? 0.35 : 1;
  });
  const injectRng = new Rng(hashSeed(opts.seed, 'inject', province));
  // Reserve night-time online intakes on the period's first day: date_shift candidates.
  const reserved = new Int32Array(agencyCount * days);
  const startIdx = DAYS_BEFORE;
  // ... none at the busiest non-root agency when unmapped procedure codes need an agency of their own
  let keepFree = -1;
  if (inject.unmappedProcedure > 0) for (let a = 1; a < agencyCount; a++) if (keepFree < 0 || agencyW[a]! > agencyW[keepFree]!) keepFree = a;
  for (let k = 0; k < inject.dateShift; k++) {
    const a = rng.int(0, agencyCount - 1);
    reserved[(a === keepFree ? 0 : a) * days + startIdx]!++;
  }
  const counts = bucketCounts(total, agencyW, dayW, reserved);

  const all: CanonicalDossier[] = [];
  const procCount = procedures.length;
  const forcedPairs = new Set<string>();
  for (let a = 0; a < agencyCount; a++) {
    const agency = agencies[a]!;
    for (let di = 0; di < days; di++) {
      const i = a * days + di;
      const count = counts[i]!;
      if (count === 0) continue;
      const dayStart = vnMidnight(firstDay + di);
      const bucket: CanonicalDossier[] = [];
      for (let j = 0; j < count; j++) {
        const forced = j < reserved[i]!;
        const channel = forced ? 2 : pickChannel(rng);
        const r = forced ? dayStart + rng.int(0, 7 * 3600 - 1) * SECOND : receiveTime(rng, dayStart, channel);
        const d = newDossier(agency, channel, r);
        const u = rng.next();
        let proc = procedures[Math.floor(u * u * procCount)]!; // a few procedures are popular
        // date_shift candidates each get their own (agency, procedure) pair when they can
        for (let tries = 0; forced && forcedPairs.has(pairOf(agency, proc.code)) && tries < 50; tries++)
          proc = procedures[rng.int(0, procCount - 1)]!;
        if (forced) forcedPairs.add(pairOf(agency, proc.code));
        live(d, rng, proc, clock, forced);
        for (let tries = 0; forced && !shiftable(d, period) && tries < 50; tries++) live(d, rng, proc, clock, true);
        bucket.push(d);
      }
      bucket.sort(byReceived);
      const prefix = `${agency}-${formatCompactDay(dayStart).slice(2)}-`;
      for (let j = 0; j < bucket.length; j++) {
        const d = bucket[j]!;
        d.code = prefix + String(j + 1).padStart(4, '0');
        all.push(d);
      }
    }
  }
  sortByUpdated(all);

  // ---- choose the injected dossiers: distinct dossiers, each with its own (agency, procedure) pairs
  const taken = new Set<CanonicalDossier>();
  const usedCodes = new Set<string>();
  const countsInPeriod = (d: CanonicalDossier) => isAccepted(d) && countsIn(d, period);
  // The agency of the unmapped procedure codes (no other injection there): a non-root agency
  // with enough procedures counted in the period, preferably without date_shift candidates.
  let unmappedAgency: string | undefined;
  if (inject.unmappedProcedure > 0) {
    const procs = new Map<string, Set<string>>();
    for (const d of all) if (d.agency !== root && countsInPeriod(d)) procs.set(d.agency, (procs.get(d.agency) ?? new Set()).add(d.procedure));
    const able = agencies.filter((a) => (procs.get(a)?.size ?? 0) >= inject.unmappedProcedure);
    const free = able.filter((a) => reserved[agencies.indexOf(a) * days + startIdx] === 0);
    const from = free.length ? free : able;
    if (from.length === 0)
      throw new Error(`simulator: no agency of province ${province} has ${inject.unmappedProcedure} procedures to carry unmapped procedure codes; raise the volume`);
    unmappedAgency = from[injectRng.int(0, from.length - 1)];
  }
  const uniqueContent = (d: CanonicalDossier) => !all.some((o) => o !== d && sameContent(o, d));
  // Candidates of each kind, found in one pass (a dossier may qualify for several kinds).
  const notUnmapped = (d: CanonicalDossier) => d.agency !== unmappedAgency;
  const pool = {
    shift: [] as CanonicalDossier[],
    lag: [] as CanonicalDossier[],
    drift: [] as CanonicalDossier[],
    missable: [] as CanonicalDossier[],
    counted: [] as CanonicalDossier[],
    unmapped: [] as CanonicalDossier[],
  };
  const maxSeq = new Map<string, number>(); // per agency-day code prefix
  for (const d of all) {
    const prefix = d.code.slice(0, -4);
    maxSeq.set(prefix, Math.max(maxSeq.get(prefix) ?? 0, Number(d.code.slice(-4))));
    if (!isAccepted(d) || !countsIn(d, period)) continue;
    if (!notUnmapped(d)) {
      pool.unmapped.push(d);
      continue;
    }
    pool.counted.push(d);
    if (shiftable(d, period)) pool.shift.push(d);
    if (lagable(d, period)) pool.lag.push(d);
    if (driftable(d, period)) pool.drift.push(d);
    if (missable(d, period)) pool.missable.push(d);
  }
  const nextSeq = (d: CanonicalDossier): number => {
    const prefix = d.code.slice(0, -4);
    let seq = (maxSeq.get(prefix) ?? 0) + 1;
    while (seq <= SEQ_MAX && usedCodes.has(prefix + String(seq).padStart(4, '0'))) seq++;
    return seq;
  };
  const share = opts.shareKeys === true;
  const usedPairs = new Map<string, Direction>();
  /**
   * `k` distinct dossiers of `from` that pass `ok`, each moving its `pairs` the given way: on
   * pairs no other injection uses, or (shareKeys) used only by injections moving the same way,
   * first those, so that kinds gather on the same agency and procedure.
   */
  const pick = (
    k: number,
    what: string,
    from: readonly CanonicalDossier[],
    way: Direction,
    ok: (d: CanonicalDossier) => boolean = () => true,
    pairs: (d: CanonicalDossier) => [string, Direction][] = (d) => [[pairOf(d.agency, d.procedure), way]],
  ): CanonicalDossier[] => {
    if (k === 0) return [];
    const fits = (d: CanonicalDossier) => pairs(d).every(([p, w]) => !usedPairs.has(p) || (share && usedPairs.get(p) === w));
    const out: CanonicalDossier[] = [];
    const draw = (candidates: CanonicalDossier[], want: number) => {
      while (out.length < want && candidates.length > 0) {
        const at = rng.int(0, candidates.length - 1);
        const d = candidates[at]!;
        candidates[at] = candidates[candidates.length - 1]!;
        candidates.pop();
        if (taken.has(d) || !fits(d) || !ok(d)) continue;
        for (const [p, w] of pairs(d)) usedPairs.set(p, w);
        taken.add(d);
        out.push(d);
      }
    };
    if (share) draw(from.filter((d) => !taken.has(d) && pairs(d).every(([p]) => usedPairs.has(p))), Math.ceil(k / 2));
    draw(from.filter((d) => !taken.has(d)), k);
    if (out.length < k)
      throw new Error(
        `simulator: only ${out.length} dossiers of province ${province} can carry ${what} with an (agency, procedure) pair of their own, ${k} asked; raise the volume`,
      );
    return out;
  };

  const shift = pick(inject.dateShift, 'date_shift', pool.shift, 'fewer');
  const lag = pick(inject.statusLag, 'status_lag', pool.lag, 'fewer');
  const drift = pick(inject.definitionDrift, 'definition_drift', pool.drift, 'fewer');
  const missing = pick(inject.notSynced, 'missing_national', pool.missable, 'fewer');
  const replaced = pick(
    inject.replacedCode,
    'a replaced code',
    pool.missable,
    'fewer',
    (d) => d.agency !== root && uniqueContent(d),
    (d) => [[pairOf(d.agency, d.procedure), 'fewer'], [pairOf(root, d.procedure), 'more']],
  );
  const deleted = pick(inject.missingLocal, 'missing_local', pool.missable, 'more', uniqueContent);
  const duplicated = pick(inject.duplicateNational, 'duplicate_national', pool.counted, 'more', (d) => nextSeq(d) <= SEQ_MAX && uniqueContent(d));
  const unmapped = pick(inject.unmappedProcedure, 'an unmapped procedure code', pool.unmapped, 'unmapped');
  const listedTwice = pick(inject.duplicateListedTwice, 'duplicate_national (the same code twice)', pool.counted, 'more');
  // The copy under a second agency: the next agency in code order other than the root (whose
  // code lists the whole province: a copy of its own could not be told apart on the portal) and
  // the one carrying unmapped procedure codes.
  const otherAgency = (d: CanonicalDossier): string => {
    const at = agencies.indexOf(d.agency);
    for (let i = 1; ; i++) {
      const a = agencies[(at + i) % agencies.length]!;
      if (a !== root && a !== unmappedAgency) return a;
    }
  };
  const twoAgencies = pick(inject.duplicateTwoAgencies, 'duplicate_national (under two agencies)', pool.counted, 'more', () => true, (d) => [
    [pairOf(otherAgency(d), d.procedure), 'more'],
  ]);

  // ---- apply them
  const truth: TruthEntry[] = [];
  const record = (d: CanonicalDossier, kind: InjectedKind, extra: Partial<TruthEntry> = {}) =>
    truth.push({ province, agency: d.agency, dossierCode: d.code, kind, ...extra });
  const procedureMap: Record<string, string> = {};
  const notNational = new Set<CanonicalDossier>([...shift, ...lag, ...drift, ...missing, ...replaced]);
  const gone = new Set(deleted);
  const added: CanonicalDossier[] = [];
  for (const d of shift) {
    added.push(shifted(d));
    record(d, 'date_shift');
  }
  for (const d of lag) {
    added.push(lagged(d, rng));
    record(d, 'status_lag');
  }
  for (const d of drift) {
    returnAfterPeriod(d, rng, clock);
    added.push(drifted(d));
    record(d, 'definition_drift');
  }
  for (const d of missing) record(d, 'missing_national');
  for (const d of replaced) {
    let code = randomCode(injectRng);
    while (usedCodes.has(code)) code = randomCode(injectRng);
    usedCodes.add(code);
    added.push({ ...d, code, agency: root });
    record(d, 'code_divergence', { form: 'replaced_code', related: code });
  }
  for (const d of deleted) record(d, 'missing_local');
  for (const d of duplicated) {
    const code = d.code.slice(0, -4) + String(nextSeq(d)).padStart(4, '0');
    usedCodes.add(code);
    const copy = { ...d, code };
    added.push(copy);
    record(copy, 'duplicate_national', { form: 'second_code', related: d.code });
  }
  for (const d of listedTwice) {
    added.push({ ...d });
    record(d, 'duplicate_national', { form: 'listed_twice' });
  }
  for (const d of twoAgencies) {
    const agency = otherAgency(d);
    added.push({ ...d, agency });
    record(d, 'duplicate_national', { agency, form: 'two_agencies' });
  }
  for (const d of unmapped) {
    const variant = `${d.procedure}.${root}`;
    procedureMap[variant] = d.procedure;
    d.procedure = variant; // on both sides: the national copy is the same object
    record(d, 'code_divergence', { form: 'unmapped_procedure' });
  }

  const local = all.filter((d) => !gone.has(d));
  if (drift.length) sortByUpdated(local); // return dates moved
  const national = all.filter((d) => !notNational.has(d));
  national.push(...added);
  sortByUpdated(national);
  truth.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.dossierCode < y.dossierCode ? -1 : 1));
  const free = pool.counted.filter((d) => !usedPairs.has(pairOf(d.agency, d.procedure)));
  const nationalAlterations = unexplained(opts, province, free);
  return { world: { province, agencies, local, national, procedureMap, nationalAlterations }, truth };
}

/**
 * The national figures altered with no dossier behind them (WorldOptions.unexplainedKeys): on
 * the pairs of `free` dossiers (counted in the period, on a pair no injection uses), one agency
 * and metric at most once. Its own random stream, so the rest of the world is unchanged.
 */
function unexplained(opts: WorldOptions, province: string, free: readonly CanonicalDossier[]): NationalAlteration[] {
  const k = opts.unexplainedKeys ?? 0;
  const rng = new Rng(hashSeed(opts.seed, 'unexplained', province));
  const pairs = [...new Map(free.map((d) => [pairOf(d.agency, d.procedure), d] as const)).values()];
  const out: NationalAlteration[] = [];
  const used = new Set<string>();
  while (out.length < k) {
    if (pairs.length === 0)
      throw new Error(`simulator: only ${out.length} (agency, procedure) pairs of province ${province} can carry an unexplained key, ${k} asked; raise the volume`);
    const d = pairs.splice(rng.int(0, pairs.length - 1), 1)[0]!;
    const metric = ORACLE_METRICS[rng.int(0, ORACLE_METRICS.length - 1)]!;
    if (used.has(`${d.agency}|${metric}`)) continue;
    used.add(`${d.agency}|${metric}`);
    out.push({ agency: d.agency, procedure: d.procedure, metric, delta: rng.int(1, 2) });
  }
  return out;
}

/** A province's alterations as the keys they leave unexplained: each procedure row and its agency total. */
function unexplainedKeysOf(p: ProvinceWorld): UnexplainedKey[] {
  return p.nationalAlterations.flatMap(({ agency, procedure, metric, delta }) => [
    { province: p.province, agency, procedure, metric, residual: delta },
    { province: p.province, agency, procedure: null, metric, residual: delta },
  ]);
}

export function generateWorld(opts: WorldOptions): World {
  if (!Number.isFinite(opts.seed)) throw new Error(`simulator: seed must be a number, got ${opts.seed}`);
  checkCount('dossiersPerProvince', opts.dossiersPerProvince, 1);
  if (opts.agenciesPerProvince !== undefined) checkCount('agenciesPerProvince', opts.agenciesPerProvince, 1);
  if (opts.unexplainedKeys !== undefined) checkCount('unexplainedKeys', opts.unexplainedKeys, 0);
  const procedureCount = opts.procedures ?? 20;
  checkCount('procedures', procedureCount, 1);
  if (procedureCount > 10_000) throw new Error('simulator: procedures must be at most 10000');
  const inject: InjectCounts = { ...DEFAULT_INJECT };
  for (const [k, v] of Object.entries(opts.inject ?? {})) {
    if (!(INJECT_FIELDS as string[]).includes(k))
      throw new Error(`simulator: inject.${k} is not a kind of discrepancy (${INJECT_FIELDS.join(', ')})`);
    if (v !== undefined) inject[k as keyof InjectCounts] = v;
  }
  for (const k of INJECT_FIELDS) checkCount(`inject.${k}`, inject[k], 0);
  if (inject.dateShift > opts.dossiersPerProvince)
    throw new Error('simulator: more date_shift discrepancies than dossiers per province');
  const injected = INJECT_FIELDS.reduce((s, k) => s + (k === 'missingLocal' ? 0 : inject[k]), 0);
  if (injected > opts.dossiersPerProvince)
    throw new Error(`simulator: ${injected} discrepancies per province but only ${opts.dossiersPerProvince} dossiers; raise the volume`);
  if (opts.provinces.length === 0) throw new Error('simulator: no provinces');
  const seen = new Set<string>();
  for (const p of opts.provinces) {
    if (!/^[A-Z]\d{2}$/.test(p)) throw new Error(`simulator: province "${p}" is not a unit code like H49`);
    if (seen.has(p)) throw new Error(`simulator: province ${p} listed twice`);
    seen.add(p);
  }
  const period = monthPeriod(opts.month);
  const clock: Clock = { period, now: period.end + DAY_MS + 2 * HOUR };
  const procedures = makeProcedures(opts.seed, procedureCount);
  const provinces: ProvinceWorld[] = [];
  const truth: TruthEntry[] = [];
  const procedureMap: Record<string, string> = {};
  for (const p of opts.provinces) {
    const g = generateProvince(p, opts, procedures, clock, inject);
    provinces.push(g.world);
    truth.push(...g.truth);
    Object.assign(procedureMap, g.world.procedureMap);
  }
  const unexplainedKeys = provinces.flatMap(unexplainedKeysOf);
  return { seed: opts.seed, period, now: clock.now, provinces, truth, inject, procedureMap, unexplainedKeys };
}

/** Writes the ground truth as JSON: `{ seed, period: {from, to}, truth }`, and `unexplainedKeys` when there are some. */
export async function writeTruth(world: World, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const body = {
    seed: world.seed,
    period: { from: world.period.from, to: world.period.to },
    truth: world.truth,
    ...(world.unexplainedKeys.length ? { unexplainedKeys: world.unexplainedKeys } : {}),
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, 'utf8');
}
