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
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { rootAgency } from '../normalise/codes.js';
import { DAY_MS, VN_OFFSET_MS, formatCompactDay, vnDayNumber } from '../normalise/time.js';
import { monthPeriod, type Period } from '../reconcile/counting.js';
import { Rng, hashSeed } from './random.js';

export type InjectedKind = 'missing_national' | 'status_lag' | 'date_shift';
export interface TruthEntry {
  province: string;
  agency: string;
  dossierCode: string;
  kind: InjectedKind;
}
export interface InjectCounts {
  notSynced: number;
  statusLag: number;
  dateShift: number;
}
export interface WorldOptions {
  seed: number;
  /** 'YYYY-MM', the reporting period. */
  month: string;
  /** Unit codes like 'H49'. */
  provinces: string[];
  dossiersPerProvince: number;
  /** Default 4 (raised when the volume needs it, see above). */
  agenciesPerProvince?: number;
  /** Number of national-form procedure codes, default 20. */
  procedures?: number;
  /** Counts per province. */
  inject?: InjectCounts;
}
export interface ProvinceWorld {
  province: string;
  agencies: string[];
  /** Sorted by (updatedAt, code). */
  local: CanonicalDossier[];
  /** Sorted by (updatedAt, code). */
  national: CanonicalDossier[];
}
export interface World {
  seed: number;
  period: Period;
  now: number;
  provinces: ProvinceWorld[];
  truth: TruthEntry[];
}

export const DEFAULT_INJECT: Readonly<InjectCounts> = { notSynced: 3, statusLag: 3, dateShift: 2 };
/** The "local time written as UTC" shift of a date_shift discrepancy. */
export const SHIFT_MS = 7 * 3600_000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAYS_BEFORE = 20;
const SEQ_MAX = 9999;
const MAX_AGENCIES = 100; // department segment 01..99 plus the root
const DUE_DAYS = [1, 2, 3, 5, 7, 10, 15] as const;
const KIND_ORDER: Record<InjectedKind, number> = { missing_national: 0, status_lag: 1, date_shift: 2 };

/** Order of the feeds: updatedAt, then code (plain code-unit order). */
export function compareByUpdated(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.updatedAt - b.updatedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * Sorts by (updatedAt, code) in place. Fast for millions: a native sort of packed numeric
 * keys (seconds since the earliest update × 2^24 + index), then code order within equal times.
 */
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

function insertSorted(list: CanonicalDossier[], d: CanonicalDossier): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareByUpdated(list[mid]!, d) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, d);
}

/** Indices of `list` matching `test` and not yet taken, then `k` of them at random. */
function choose(
  rng: Rng,
  list: CanonicalDossier[],
  taken: Set<number>,
  k: number,
  test: (d: CanonicalDossier) => boolean,
  what: string,
): number[] {
  if (k === 0) return [];
  const candidates: number[] = [];
  for (let i = 0; i < list.length; i++) if (!taken.has(i) && test(list[i]!)) candidates.push(i);
  if (candidates.length < k)
    throw new Error(`simulator: only ${candidates.length} dossiers can carry ${what}, ${k} asked; raise the volume`);
  const picked = rng.sample(candidates, k);
  for (const i of picked) taken.add(i);
  return picked;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`simulator: ${name} must be an integer ≥ ${min}, got ${v}`);
}

function generateProvince(
  province: string,
  opts: WorldOptions,
  procedures: Procedure[],
  clock: Clock,
  inject: InjectCounts,
): { world: ProvinceWorld; truth: TruthEntry[] } {
  const { period } = clock;
  const rng = new Rng(hashSeed(opts.seed, 'province', province));
  const total = opts.dossiersPerProvince;
  const firstDay = vnDayNumber(period.start) - DAYS_BEFORE;
  const days = vnDayNumber(period.end - 1) - firstDay + 1;
  // Keep the daily sequence at most half full on average so the weights still shape the data.
  const needed = Math.ceil(total / (0.5 * days * SEQ_MAX));
  const agencyCount = Math.max(opts.agenciesPerProvince ?? 4, needed);
  if (agencyCount > MAX_AGENCIES)
    throw new Error(`simulator: ${total} dossiers a month need more than ${MAX_AGENCIES} agencies`);
  const agencies = makeAgencies(rng, province, agencyCount);
  const agencyW = agencies.map(() => 0.5 + 1.5 * rng.next());
  const dayW = Array.from({ length: days }, (_, i) => {
    const dow = (firstDay + i + 4) % 7; // day 0 (1970-01-01) was a Thursday; 0 = Sunday
    return dow === 0 ? 0.1 : dow === 6 ? 0.35 : 1;
  });
  // Reserve night-time online intakes on the period's first day: date_shift candidates.
  const reserved = new Int32Array(agencyCount * days);
  const startIdx = DAYS_BEFORE;
  for (let k = 0; k < inject.dateShift; k++) reserved[rng.int(0, agencyCount - 1) * days + startIdx]!++;
  const counts = bucketCounts(total, agencyW, dayW, reserved);

  const local: CanonicalDossier[] = [];
  const procCount = procedures.length;
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
        const proc = procedures[Math.floor(u * u * procCount)]!; // a few procedures are popular
        live(d, rng, proc, clock, forced);
        for (let tries = 0; forced && !shiftable(d, period) && tries < 50; tries++) live(d, rng, proc, clock, true);
        bucket.push(d);
      }
      bucket.sort(byReceived);
      const prefix = `${agency}-${formatCompactDay(dayStart).slice(2)}-`;
      for (let j = 0; j < bucket.length; j++) {
        const d = bucket[j]!;
        d.code = prefix + String(j + 1).padStart(4, '0');
        local.push(d);
      }
    }
  }
  sortByUpdated(local);

  const taken = new Set<number>();
  const shift = choose(rng, local, taken, inject.dateShift, (d) => shiftable(d, period), 'date_shift');
  const lag = choose(rng, local, taken, inject.statusLag, (d) => lagable(d, period), 'status_lag');
  const missing = choose(rng, local, taken, inject.notSynced, (d) => missable(d, period), 'missing_national');

  const national = taken.size === 0 ? local.slice() : local.filter((_, i) => !taken.has(i));
  const truth: TruthEntry[] = [];
  const record = (i: number, kind: InjectedKind) => {
    const d = local[i]!;
    truth.push({ province, agency: d.agency, dossierCode: d.code, kind });
  };
  for (const i of shift) {
    insertSorted(national, shifted(local[i]!));
    record(i, 'date_shift');
  }
  for (const i of lag) {
    insertSorted(national, lagged(local[i]!, rng));
    record(i, 'status_lag');
  }
  for (const i of missing) record(i, 'missing_national');
  truth.sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.dossierCode < y.dossierCode ? -1 : 1));
  return { world: { province, agencies, local, national }, truth };
}

export function generateWorld(opts: WorldOptions): World {
  if (!Number.isFinite(opts.seed)) throw new Error(`simulator: seed must be a number, got ${opts.seed}`);
  checkCount('dossiersPerProvince', opts.dossiersPerProvince, 1);
  if (opts.agenciesPerProvince !== undefined) checkCount('agenciesPerProvince', opts.agenciesPerProvince, 1);
  const procedureCount = opts.procedures ?? 20;
  checkCount('procedures', procedureCount, 1);
  if (procedureCount > 10_000) throw new Error('simulator: procedures must be at most 10000');
  const inject = opts.inject ?? DEFAULT_INJECT;
  checkCount('inject.notSynced', inject.notSynced, 0);
  checkCount('inject.statusLag', inject.statusLag, 0);
  checkCount('inject.dateShift', inject.dateShift, 0);
  if (inject.dateShift > opts.dossiersPerProvince)
    throw new Error('simulator: more date_shift discrepancies than dossiers per province');
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
  for (const p of opts.provinces) {
    const g = generateProvince(p, opts, procedures, clock, inject);
    provinces.push(g.world);
    truth.push(...g.truth);
  }
  return { seed: opts.seed, period, now: clock.now, provinces, truth };
}

/** Writes the ground truth as JSON: `{ seed, period: {from, to}, truth }`. */
export async function writeTruth(world: World, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const body = { seed: world.seed, period: { from: world.period.from, to: world.period.to }, truth: world.truth };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, 'utf8');
}
