/**
 * Fault injection for a province's `dvcqg` source in the simulator (CONTRACTS.md §1, "Failures
 * the worker must survive"). Off unless `SimulatorOptions.faults` names the province; every
 * decision comes from a generator seeded by `FaultOptions.seed` and the province, drawn in
 * request order, so a sequential client sees the same faults on every run.
 *
 * Meant for test volumes (thousands of dossiers): with faults on, each listing call merges the
 * malformed items into the province's list, which is linear in its size.
 */
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { toDvcqgItem } from '../normalise/dvcqg.js';
import { compareByUpdated, type ProvinceWorld } from './world.js';
import { Rng, hashSeed } from './random.js';

export interface DriftOptions {
  /** Records updated before each listing call (from the second one on). */
  perCall: number;
  /** At most this many updates in all; default 100. */
  limit?: number;
  /**
   * Update time of the first update, epoch ms (whole seconds); each later update is one second
   * later. Default: one second after the latest update time of the province's data (and after
   * the world's `now`). Keep it before the sync window's end for the records to stay in it.
   */
  startAt?: number;
}

export interface FaultOptions {
  seed: number;
  /** A session stops being valid after this many service calls: the next gets `"401"` in HTTP 200. */
  sessionCalls?: number;
  /** Probability per service call of `{"error_code":"99","message":"busy"}` in HTTP 200. */
  busy?: number;
  /** Probability per request of HTTP 429 with `Retry-After: 0` or `1`. */
  tooMany?: number;
  /** Probability per request of HTTP 500 or 503. */
  serverError?: number;
  /** Probability per request of an HTTP 200 reply whose JSON body is cut in half. */
  truncated?: number;
  /** Probability per listing page of repeating, first, the item just before the page. */
  duplicates?: number;
  /** How many malformed items to mix into the province's list (bad date, unknown status, empty MaHoSo, in turn). */
  malformed?: number;
  /** Records updated while pages are read (see DriftOptions). */
  drift?: DriftOptions;
}

export type MalformedKind = 'date' | 'status' | 'code';

/** A malformed item as served: the field at fault names the quarantine reason's field. */
export interface MalformedItem {
  kind: MalformedKind;
  /** The field a quarantine reason must name. */
  field: 'NgayHenTra' | 'TrangThaiHoSo' | 'MaHoSo';
  agency: string;
  /** MaHoSo as served (empty for kind `code`). */
  code: string;
  updatedAt: number;
  item: Record<string, string>;
}

/** One record update made while pages were read. */
export interface DriftEvent {
  code: string;
  fromUpdatedAt: number;
  toUpdatedAt: number;
  fromStatus: number;
  toStatus: number;
  /** The listing call (1-based) before which it happened. */
  beforeCall: number;
}

/** What was injected so far, for tests. */
export interface FaultLog {
  requests: number;
  serviceCalls: number;
  listCalls: number;
  sessionExpiries: number;
  busy: number;
  tooMany: number;
  serverError: number;
  truncated: number;
  duplicates: number;
  malformed: readonly MalformedItem[];
  drift: readonly DriftEvent[];
}

export type HttpFault = { status: 429; retryAfter: '0' | '1' } | { status: 500 | 503 };
/** An entry of a faulty listing: a dossier, or a malformed item. */
export type Served = CanonicalDossier | MalformedItem;

const SECOND = 1000;
const FIELD: Record<MalformedKind, MalformedItem['field']> = { date: 'NgayHenTra', status: 'TrangThaiHoSo', code: 'MaHoSo' };
const KINDS: readonly MalformedKind[] = ['date', 'status', 'code'];

function checkRate(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`simulator: faults.${name} must be a probability in [0, 1], got ${v}`);
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    throw new Error(`simulator: faults.${name} must be an integer ≥ ${min}, got ${v}`);
}

function compareServed(a: Served, b: Served): number {
  return a.updatedAt - b.updatedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** The next status of a dossier updated by its agency, with the dates that go with it. */
function advanced(d: CanonicalDossier, at: number): CanonicalDossier {
  const next: CanonicalDossier = { ...d, updatedAt: at };
  switch (d.status) {
    case STATUS.SUBMITTED:
      next.status = STATUS.ACCEPTED;
      break;
    case STATUS.ACCEPTED:
    case STATUS.SUPPLEMENT:
    case STATUS.PAYMENT:
      next.status = STATUS.IN_PROGRESS;
      break;
    case STATUS.IN_PROGRESS:
      next.status = STATUS.FINISHED;
      next.finishedAt = at;
      break;
    case STATUS.FINISHED:
      next.status = STATUS.RETURNED;
      next.returnedAt = at;
      break;
    default:
      break; // final statuses: touched only
  }
  return next;
}

export class ProvinceFaults {
  /** One stream per kind of fault, so that turning one on does not move the others. */
  private readonly rng: Record<'tooMany' | 'serverError' | 'truncated' | 'busy' | 'duplicates' | 'drift', Rng>;
  private readonly extras: MalformedItem[] = [];
  private readonly drifted: DriftEvent[] = [];
  private driftAt: number;
  readonly log: FaultLog;

  constructor(
    private readonly world: ProvinceWorld,
    readonly opts: FaultOptions,
    worldNow: number,
  ) {
    if (!Number.isFinite(opts.seed)) throw new Error(`simulator: faults.seed must be a number, got ${opts.seed}`);
    for (const k of ['busy', 'tooMany', 'serverError', 'truncated', 'duplicates'] as const) checkRate(k, opts[k]);
    checkCount('sessionCalls', opts.sessionCalls, 1);
    checkCount('malformed', opts.malformed, 0);
    checkCount('drift.perCall', opts.drift?.perCall, 0);
    checkCount('drift.limit', opts.drift?.limit, 0);
    const stream = (kind: string) => new Rng(hashSeed(opts.seed, 'faults', world.province, kind));
    this.rng = {
      tooMany: stream('tooMany'),
      serverError: stream('serverError'),
      truncated: stream('truncated'),
      busy: stream('busy'),
      duplicates: stream('duplicates'),
      drift: stream('drift'),
    };
    let latest = worldNow;
    for (const d of world.local) if (d.updatedAt > latest) latest = d.updatedAt;
    this.driftAt = opts.drift?.startAt ?? Math.floor(latest / SECOND) * SECOND + SECOND;
    this.makeMalformed(opts.malformed ?? 0);
    this.log = {
      requests: 0,
      serviceCalls: 0,
      listCalls: 0,
      sessionExpiries: 0,
      busy: 0,
      tooMany: 0,
      serverError: 0,
      truncated: 0,
      duplicates: 0,
      malformed: this.extras,
      drift: this.drifted,
    };
  }

  private makeMalformed(count: number): void {
    const local = this.world.local;
    if (count === 0) return;
    if (local.length === 0) throw new Error('simulator: faults.malformed needs at least one dossier');
    const rng = new Rng(hashSeed(this.opts.seed, 'malformed', this.world.province));
    const codes = new Set(local.map((d) => d.code));
    for (let i = 0; i < count; i++) {
      const template = local[rng.int(0, local.length - 1)]!;
      const kind = KINDS[i % KINDS.length]!;
      // a fresh code in the template's agency-day, above every sequence the generator uses
      let code: string;
      do code = `${template.code.slice(0, -4)}9${String(rng.int(0, 999)).padStart(3, '0')}`;
      while (codes.has(code));
      codes.add(code);
      const item = toDvcqgItem({ ...template, code });
      if (kind === 'date') item.NgayHenTra = `${(item.NgayHenTra ?? '').slice(0, 4)}-13-45`;
      else if (kind === 'status') item.TrangThaiHoSo = '42';
      else item.MaHoSo = '';
      this.extras.push({ kind, field: FIELD[kind], agency: template.agency, code: item.MaHoSo!, updatedAt: template.updatedAt, item });
    }
    this.extras.sort(compareServed);
  }

  /** Drawn for every request (login included): an HTTP-level fault, or none. */
  httpFault(): HttpFault | undefined {
    this.log.requests++;
    const tooMany = this.rng.tooMany.next() < (this.opts.tooMany ?? 0);
    const retryAfter = this.rng.tooMany.next() < 0.5 ? '0' : '1';
    const serverError = this.rng.serverError.next() < (this.opts.serverError ?? 0);
    const status = this.rng.serverError.next() < 0.5 ? 500 : 503;
    if (tooMany) {
      this.log.tooMany++;
      return { status: 429, retryAfter };
    }
    if (serverError) {
      this.log.serverError++;
      return { status };
    }
    return undefined;
  }

  /** Drawn for every request that got a reply: cut its body in half? */
  truncate(): boolean {
    const hit = this.rng.truncated.next() < (this.opts.truncated ?? 0);
    if (hit) this.log.truncated++;
    return hit;
  }

  /** For every service call with a valid session, in order: "401" once the session has had its calls, else maybe "busy". */
  serviceFault(sessionCalls: number): Record<string, unknown> | undefined {
    this.log.serviceCalls++;
    const busy = this.rng.busy.next() < (this.opts.busy ?? 0);
    if (this.opts.sessionCalls !== undefined && sessionCalls > this.opts.sessionCalls) {
      this.log.sessionExpiries++;
      return { error_code: '401', message: 'session expired: log in again' };
    }
    if (busy) {
      this.log.busy++;
      return { error_code: '99', message: 'busy' };
    }
    return undefined;
  }

  /**
   * Called before each listing call is served. From the second call on, updates up to
   * `drift.perCall` records of the province (any of them, read or not yet read): each gets the
   * next update time (later than every record's) and its next status. Returns whether the
   * province's list changed (the server then drops its per-agency views).
   */
  beforeList(): boolean {
    this.log.listCalls++;
    const drift = this.opts.drift;
    if (!drift || this.log.listCalls === 1) return false;
    const local = this.world.local;
    const limit = drift.limit ?? 100;
    let changed = false;
    for (let k = 0; k < drift.perCall && this.drifted.length < limit && local.length > 0; k++) {
      const i = this.rng.drift.int(0, local.length - 1);
      const old = local[i]!;
      const at = this.driftAt;
      this.driftAt += SECOND;
      const d = advanced(old, at); // a new object: the national copy may share the old one
      local.splice(i, 1);
      let lo = 0;
      let hi = local.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareByUpdated(local[mid]!, d) < 0) lo = mid + 1;
        else hi = mid;
      }
      local.splice(lo, 0, d);
      this.drifted.push({
        code: d.code,
        fromUpdatedAt: old.updatedAt,
        toUpdatedAt: at,
        fromStatus: old.status,
        toStatus: d.status,
        beforeCall: this.log.listCalls,
      });
      changed = true;
    }
    return changed;
  }

  /** `list` (a unit's dossiers, by update time then code) with the unit's malformed items merged in. */
  served(list: readonly CanonicalDossier[], agency: string | null): Served[] {
    const extras = agency === null ? this.extras : this.extras.filter((e) => e.agency === agency);
    if (extras.length === 0) return list as Served[];
    const out: Served[] = [];
    let j = 0;
    for (const d of list) {
      while (j < extras.length && compareServed(extras[j]!, d) < 0) out.push(extras[j++]!);
      out.push(d);
    }
    while (j < extras.length) out.push(extras[j++]!);
    return out;
  }

  /** Drawn for every listing page: repeat the item before it (when `possible`: there is one, and a page)? */
  duplicate(possible: boolean): boolean {
    const hit = this.rng.duplicates.next() < (this.opts.duplicates ?? 0) && possible;
    if (hit) this.log.duplicates++;
    return hit;
  }
}

export function isMalformed(e: Served): e is MalformedItem {
  return 'item' in e;
}
