/**
 * The dossiers of a province before any injection: its agencies, how many dossiers each
 * (agency, Vietnam day) receives, and what happened to each between its intake and `now`.
 */
import { STATUS, type CanonicalDossier } from '../../../schemas/dossier.js';
import { rootAgency } from '../../domain/codes.js';
import { DAY_MS, formatCompactDay, vnDayNumber } from '../../domain/time.js';
import { Rng, hashSeed } from '../random.js';
import { shiftable } from './discrepancies.js';
import { sortByUpdated } from './order.js';
import { HOUR, MINUTE, SECOND, seconds, vnMidnight } from './time.js';
import { pairOf, type Clock, type InjectCounts, type Procedure, type WorldOptions } from './types.js';

/** Dossiers are received from this many days before the period's start. */
export const DAYS_BEFORE = 20;
/** The daily sequence of a dossier code has 4 digits. */
export const SEQ_MAX = 9999;
const MAX_AGENCIES = 100; // department segment 01..99 plus the root
const DUE_DAYS = [1, 2, 3, 5, 7, 10, 15] as const;

function byReceived(a: CanonicalDossier, b: CanonicalDossier): number {
  return a.receivedAt! - b.receivedAt!;
}

/** The national-form procedure codes of the world, the same in every province. */
export function makeProcedures(seed: number, count: number): Procedure[] {
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
export function live(d: CanonicalDossier, rng: Rng, proc: Procedure, clock: Clock, acceptedOnly: boolean): void {
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
  const finish = late
    ? due + rng.int(8 * 3600, 5 * 86_400) * SECOND
    : r + seconds((0.05 + 0.95 * rng.next()) * (due - r));
  if (finish <= now) {
    d.finishedAt = finish;
    d.status = STATUS.FINISHED;
    d.updatedAt = finish;
    if (rng.chance(0.8)) {
      const returned = finish + rng.int(30 * 60, 3 * 86_400) * SECOND;
      // before `now`, not at it: the night's window [from, now) must see every update the world holds
      if (returned < now) {
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

/**
 * Agencies the injections need: the root, a non-root agency for replaced codes (two for copies
 * under a second agency), one of its own for unmapped procedure codes.
 */
function agenciesForInject(inject: InjectCounts): number {
  const nonRoot = inject.duplicateTwoAgencies > 0 ? 2 : inject.replacedCode > 0 ? 1 : 0;
  return 1 + nonRoot + (inject.unmappedProcedure > 0 ? 1 : 0);
}

/** A province's agencies and how many dossiers each (agency, day) bucket receives. */
export interface Layout {
  province: string;
  /** In code order: the root first. */
  agencies: string[];
  root: string;
  /** Vietnam day number of the first day dossiers are received. */
  firstDay: number;
  days: number;
  /** Night-time online intakes reserved per bucket (agency × days + day): date_shift candidates. */
  reserved: Int32Array;
  /** Dossiers per bucket, `reserved` included. */
  counts: Int32Array;
}

/**
 * Lays out a province: its agencies (enough for the volume and the injections), their weights
 * and the days', and the night-time intakes reserved on the period's first day for date_shift.
 */
export function layOut(province: string, opts: WorldOptions, clock: Clock, inject: InjectCounts, rng: Rng): Layout {
  const { period } = clock;
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
  // Reserve night-time online intakes on the period's first day: date_shift candidates.
  const reserved = new Int32Array(agencyCount * days);
  const startIdx = DAYS_BEFORE;
  // ... none at the busiest non-root agency when unmapped procedure codes need an agency of their own
  let keepFree = -1;
  if (inject.unmappedProcedure > 0)
    for (let a = 1; a < agencyCount; a++) if (keepFree < 0 || agencyW[a]! > agencyW[keepFree]!) keepFree = a;
  for (let k = 0; k < inject.dateShift; k++) {
    const a = rng.int(0, agencyCount - 1);
    reserved[(a === keepFree ? 0 : a) * days + startIdx]!++;
  }
  const counts = bucketCounts(total, agencyW, dayW, reserved);
  return { province, agencies, root, firstDay, days, reserved, counts };
}

/** Is bucket `a` (an agency's index) free of reserved date_shift candidates on the period's first day? */
export function noneReserved(layout: Layout, a: number): boolean {
  return layout.reserved[a * layout.days + DAYS_BEFORE] === 0;
}

/**
 * Every dossier of the layout, with its code (sequence in receive order within its agency's
 * day) and its life up to `now`; sorted by (updatedAt, code). A reserved intake gets a
 * procedure whose (agency, procedure) pair no other reserved one has, when it can.
 */
export function generateDossiers(
  layout: Layout,
  procedures: readonly Procedure[],
  clock: Clock,
  rng: Rng,
): CanonicalDossier[] {
  const { agencies, firstDay, days, counts, reserved } = layout;
  const { period } = clock;
  const all: CanonicalDossier[] = [];
  const procCount = procedures.length;
  const forcedPairs = new Set<string>();
  for (let a = 0; a < agencies.length; a++) {
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
  return all;
}
