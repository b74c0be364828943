/**
 * The faults of one province's source (see src/sim/faults.ts): every decision both dialects
 * share, each kind drawn from its own seeded stream in request order.
 */
import { STATUS, type CanonicalDossier } from '../../../schemas/dossier.js';
import { Rng, hashSeed } from '../random.js';
import { compareByUpdated } from '../world/order.js';
import type { ProvinceWorld } from '../world/types.js';
import {
  DVCQG_ITEMS,
  type DriftEvent,
  type DvcqgWireItem,
  type FaultLog,
  type FaultOptions,
  type HttpFault,
  type ItemDialect,
  type MalformedItem,
  type Served,
} from '../faults.js';

const SECOND = 1000;

function checkRate(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1))
    throw new Error(`simulator: faults.${name} must be a probability in [0, 1], got ${v}`);
}

function checkCount(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    throw new Error(`simulator: faults.${name} must be an integer ≥ ${min}, got ${v}`);
}

function compareServed(a: { updatedAt: number; code: string }, b: { updatedAt: number; code: string }): number {
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

/** The faults of one province's source; `I` is the dialect's item type (default `dvcqg`). */
export class ProvinceFaults<I extends object = DvcqgWireItem> {
  /** One stream per kind of fault, so that turning one on does not move the others. */
  private readonly rng: Record<
    'tooMany' | 'serverError' | 'truncated' | 'busy' | 'duplicates' | 'drift' | 'delay',
    Rng
  >;
  private readonly extras: MalformedItem<I>[] = [];
  private readonly drifted: DriftEvent[] = [];
  private driftAt: number;
  private readonly driftSkip: ReadonlySet<string>;
  readonly log: FaultLog<I>;

  constructor(
    private readonly world: ProvinceWorld,
    readonly opts: FaultOptions,
    worldNow: number,
    private readonly items: ItemDialect<I> = DVCQG_ITEMS as unknown as ItemDialect<I>,
  ) {
    if (!Number.isFinite(opts.seed)) throw new Error(`simulator: faults.seed must be a number, got ${opts.seed}`);
    for (const k of ['busy', 'tooMany', 'serverError', 'truncated', 'duplicates', 'slow', 'timeout'] as const)
      checkRate(k, opts[k]);
    checkCount('slowMs', opts.slowMs, 0);
    checkCount('hangMs', opts.hangMs, 0);
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
      delay: stream('delay'),
    };
    let latest = worldNow;
    for (const d of world.local) if (d.updatedAt > latest) latest = d.updatedAt;
    this.driftAt = opts.drift?.startAt ?? Math.floor(latest / SECOND) * SECOND + SECOND;
    this.driftSkip = new Set(opts.drift?.skip ?? []);
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
      slow: 0,
      timeouts: 0,
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
      const kind = this.items.kinds[i % this.items.kinds.length]!;
      // a fresh code in the template's agency-day, above every sequence the generator uses
      let code: string;
      do code = `${template.code.slice(0, -4)}9${String(rng.int(0, 999)).padStart(3, '0')}`;
      while (codes.has(code));
      codes.add(code);
      const m = this.items.malform({ ...template, code }, kind);
      this.extras.push({
        kind,
        field: m.field,
        agency: template.agency,
        code: m.code,
        updatedAt: template.updatedAt,
        item: m.item,
      });
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

  /**
   * Drawn for every request, before any other fault (its own stream, so turning it on moves no
   * other fault): holds a slow request `slowMs`, or a request that gets no reply until the
   * client closes the connection (or `hangMs`). Resolves true when the request must get no
   * reply: it timed out, or its client went away while it waited. `closed` is the request's
   * response (a node:http `ServerResponse`), whose "close" says the client went away.
   */
  async delay(closed: { once(event: 'close', listener: () => void): unknown }): Promise<boolean> {
    const timeout = this.rng.delay.next() < (this.opts.timeout ?? 0);
    const slow = this.rng.delay.next() < (this.opts.slow ?? 0);
    if (!timeout && !slow) return false;
    if (timeout) this.log.timeouts++;
    else this.log.slow++;
    const ms = timeout ? (this.opts.hangMs ?? 30_000) : (this.opts.slowMs ?? 200);
    let gone = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      closed.once('close', () => {
        gone = true;
        clearTimeout(timer);
        resolve();
      });
    });
    return timeout || gone;
  }

  /** Drawn for every request that got a reply: cut its body in half? */
  truncate(): boolean {
    const hit = this.rng.truncated.next() < (this.opts.truncated ?? 0);
    if (hit) this.log.truncated++;
    return hit;
  }

  /** Has a session or token that has now had `calls` calls (this one included) had its calls? */
  private expired(calls: number): boolean {
    if (this.opts.sessionCalls === undefined || calls <= this.opts.sessionCalls) return false;
    this.log.sessionExpiries++;
    return true;
  }

  /** `dvcqg`, for every service call with a valid session, in order: "401" once the session has had its calls, else maybe "busy". */
  serviceFault(sessionCalls: number): Record<string, unknown> | undefined {
    this.log.serviceCalls++;
    const busy = this.rng.busy.next() < (this.opts.busy ?? 0);
    if (this.expired(sessionCalls)) return { error_code: '401', message: 'session expired: log in again' };
    if (busy) {
      this.log.busy++;
      return { error_code: '99', message: 'busy' };
    }
    return undefined;
  }

  /** `rest`, for every call with a valid token, in order: has the token had its calls (revoke it, HTTP 401)? */
  tokenExpired(tokenCalls: number): boolean {
    this.log.serviceCalls++;
    return this.expired(tokenCalls);
  }

  /**
   * Called before each listing call is served. From the second call on, updates up to
   * `drift.perCall` records of the province (any of them, read or not yet read): each gets the
   * next update time (later than every record's) and its next status; with `drift.national`
   * its national copy too, unless that copy differs (then, as for `drift.skip`, the draw is spent
   * on nothing). Returns
   * whether the province's list changed (the server then drops its per-agency views).
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
      if (this.driftSkip.has(old.code)) continue;
      const j = drift.national ? indexOf(this.world.national, old) : -1;
      if (drift.national && this.world.national[j] !== old) continue; // an injected discrepancy: keep it
      const at = this.driftAt;
      this.driftAt += SECOND;
      const d = advanced(old, at); // a new object: the national copy may share the old one
      local.splice(i, 1);
      local.splice(indexOf(local, d), 0, d);
      if (drift.national) {
        const national = this.world.national;
        national.splice(j, 1);
        national.splice(indexOf(national, d), 0, d);
      }
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
  served(list: readonly CanonicalDossier[], agency: string | null): Served<I>[] {
    const extras = agency === null ? this.extras : this.extras.filter((e) => e.agency === agency);
    if (extras.length === 0) return list as Served<I>[];
    const out: Served<I>[] = [];
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
/** First index of `list` (by update time, then code) whose entry is not before `d`. */
function indexOf(list: readonly CanonicalDossier[], d: CanonicalDossier): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareByUpdated(list[mid]!, d) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fault options per province, checked against the world (shared by both simulators). */
export function provinceFaults<I extends object>(
  provinces: readonly ProvinceWorld[],
  faults: Readonly<Record<string, FaultOptions>> | undefined,
  worldNow: number,
  items: ItemDialect<I>,
): Map<string, ProvinceFaults<I>> {
  const out = new Map<string, ProvinceFaults<I>>();
  for (const [province, opts] of Object.entries(faults ?? {})) {
    const w = provinces.find((p) => p.province === province);
    if (!w) throw new Error(`simulator: faults for unknown province ${province}`);
    out.set(province, new ProvinceFaults(w, opts, worldNow, items));
  }
  return out;
}
