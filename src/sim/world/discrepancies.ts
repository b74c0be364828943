/**
 * What each injected discrepancy needs of a dossier (the candidates of each kind) and what it
 * makes of its national copy. See src/sim/world.ts for the kinds.
 */
import { STATUS, type CanonicalDossier } from '../../../schemas/dossier.js';
import { DAY_MS } from '../../domain/time.js';
import type { Period } from '../../domain/period.js';
import type { Rng } from '../random.js';
import { SECOND } from './time.js';
import { SHIFT_MS, type Clock } from './types.js';

/** A definition_drift dossier was finished at most this long before the period's end. */
const DRIFT_WINDOW_MS = 3 * DAY_MS;

export function isAccepted(d: CanonicalDossier): boolean {
  return d.status !== STATUS.SUBMITTED && d.status !== STATUS.REFUSED && d.receivedAt !== null;
}

function crosses(t: number | null, boundary: number): boolean {
  return t !== null && t >= boundary && t - SHIFT_MS < boundary;
}

/** Can this dossier carry a date_shift? (received lower, carried over higher, nothing else moved across the period.) */
export function shiftable(d: CanonicalDossier, p: Period): boolean {
  if (!isAccepted(d)) return false;
  const r = d.receivedAt!;
  if (r < p.start || r >= p.start + SHIFT_MS) return false;
  for (const t of [d.finishedAt, d.returnedAt]) if (crosses(t, p.start) || crosses(t, p.end)) return false;
  return true;
}

export function lagable(d: CanonicalDossier, p: Period): boolean {
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

export function missable(d: CanonicalDossier, p: Period): boolean {
  return isAccepted(d) && d.receivedAt! >= p.start && d.receivedAt! < p.end;
}

export function shifted(d: CanonicalDossier): CanonicalDossier {
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

export function lagged(d: CanonicalDossier, rng: Rng): CanonicalDossier {
  const r = d.receivedAt!;
  const updatedAt = r + Math.floor(rng.next() * ((d.finishedAt! - r) / SECOND)) * SECOND; // in [r, finishedAt)
  return { ...d, status: STATUS.IN_PROGRESS, finishedAt: null, returnedAt: null, updatedAt };
}

/** Can this dossier carry a definition_drift? (finished in the period's last days, returned or returnable after it.) */
export function driftable(d: CanonicalDossier, p: Period): boolean {
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
export function returnAfterPeriod(d: CanonicalDossier, rng: Rng, clock: Clock): void {
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
export function drifted(d: CanonicalDossier): CanonicalDossier {
  return { ...d, finishedAt: d.returnedAt };
}

/** A random-looking code of the shape some systems substitute (no agency prefix). */
export function randomCode(rng: Rng): string {
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[rng.int(0, 3)]}${hex(3)}-${hex(12)}`;
}

export function sameContent(a: CanonicalDossier, b: CanonicalDossier): boolean {
  return a.receivedAt === b.receivedAt && a.dueAt === b.dueAt && a.channel === b.channel && a.procedure === b.procedure;
}
