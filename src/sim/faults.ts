/**
 * Fault injection for a province's source in the simulators (docs/contracts.md, Failures the
 * worker must survive): the `dvcqg` one (src/sim/dvcqg-server.ts) and the `rest` one
 * (src/sim/rest-server.ts). One `ProvinceFaults` per faulty province holds every decision both dialects share: HTTP
 * 429/500/503, truncated bodies, sessions or tokens that stop being valid after K calls,
 * duplicated items across pages, malformed items mixed into the list, records updated while
 * pages are read, and slow or never-answered requests (`delay`). What differs by dialect is
 * only how a malformed item looks (`ItemDialect`: `DVCQG_ITEMS`, `restItems`) and how the
 * server words a fault on the wire.
 *
 * Off unless the simulator's `faults` option names the province; every decision comes from a
 * generator seeded by `FaultOptions.seed` and the province, drawn in request order, so a
 * sequential client sees the same faults on every run.
 *
 * The decisions are in src/sim/faults/province-faults.ts (`ProvinceFaults`); this file holds
 * the options, the log and the dialects' malformed items.
 *
 * Meant for test volumes (thousands of dossiers): with faults on, each listing call merges the
 * malformed items into the province's list, which is linear in its size.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { toDvcqgItem } from '../dialects/dvcqg/normalise.js';
import { formatIsoVn, toRestItem } from '../dialects/rest/normalise.js';

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
  /**
   * The update reaches the national copy too (`world.national` gets the same new object), so
   * drift adds no discrepancy for a reconciliation to find. Records whose national copy is not
   * the local one (the injected discrepancies) are then left alone. Default false: the national
   * copy keeps the old version, as a portal that has not synced yet would.
   */
  national?: boolean;
  /** Codes never updated (e.g. the ground truth's, so that the injected discrepancies stay as they are). */
  skip?: readonly string[];
}

export interface FaultOptions {
  seed: number;
  /**
   * A session (`dvcqg`) or access token (`rest`) stops being valid after this many calls: the
   * next gets `"401"` in HTTP 200 (`dvcqg`) or HTTP 401 (`rest`), and the token is revoked.
   */
  sessionCalls?: number;
  /** `dvcqg` only: probability per service call of `{"error_code":"99","message":"busy"}` in HTTP 200. */
  busy?: number;
  /** Probability per request of HTTP 429 with `Retry-After: 0` or `1` (seconds). */
  tooMany?: number;
  /** Probability per request of HTTP 500 or 503. */
  serverError?: number;
  /** Probability per request of an HTTP 200 reply whose JSON body is cut in half. */
  truncated?: number;
  /** Probability per request of a slow reply: served after `slowMs`. */
  slow?: number;
  /** How long a slow reply waits before it is served, ms; default 200. */
  slowMs?: number;
  /**
   * Probability per request of no reply at all: the request is held, unanswered and unserved,
   * until the client gives up (closes the connection) or `hangMs` has passed (then the
   * connection is dropped). The client's timeout must fire.
   */
  timeout?: number;
  /** Longest a request that gets no reply is held, ms; default 30 000. */
  hangMs?: number;
  /** Probability per listing page of repeating, first, the item just before the page. */
  duplicates?: number;
  /**
   * How many malformed items to mix into the province's list, of the dialect's kinds in turn:
   * `dvcqg` bad NgayHenTra, unknown TrangThaiHoSo, empty MaHoSo; `rest` bad dueAt (not an ISO
   * date), unknown vendor status, bad agencyCode.
   */
  malformed?: number;
  /** Records updated while pages are read (see DriftOptions). */
  drift?: DriftOptions;
}

/** `date`: a date that is not one; `status`: an unknown status; `code`: no dossier code; `agency`: a bad agency code. */
export type MalformedKind = 'date' | 'status' | 'code' | 'agency';

/** A `dvcqg` item (the national sync shape, all strings). */
export type DvcqgWireItem = Record<string, string>;
/** A `rest` item as the simulator serves it. */
export type RestWireItem = ReturnType<typeof toRestItem>;

/** A malformed item as served: the field at fault names the quarantine reason's field. */
export interface MalformedItem<I extends object = DvcqgWireItem> {
  kind: MalformedKind;
  /** The field a quarantine reason must name (its reason starts with `<field>:`). */
  field: string;
  /** The agency whose list serves it (its template's). */
  agency: string;
  /** The dossier code as served (MaHoSo, empty for kind `code`; or `code`). */
  code: string;
  updatedAt: number;
  item: I;
}

/** How a dialect's malformed items look. */
export interface ItemDialect<I extends object> {
  /** The kinds mixed in, in turn. */
  kinds: readonly MalformedKind[];
  /** `d` as an item of the dialect, broken as `kind` says, with the field at fault and the code as served. */
  malform(d: CanonicalDossier, kind: MalformedKind): { item: I; field: string; code: string };
}

/** `dvcqg`: bad NgayHenTra, unknown TrangThaiHoSo, empty MaHoSo. */
export const DVCQG_ITEMS: ItemDialect<DvcqgWireItem> = {
  kinds: ['date', 'status', 'code'],
  malform(d, kind) {
    const item = toDvcqgItem(d);
    let field: string;
    if (kind === 'date') {
      item.NgayHenTra = `${(item.NgayHenTra ?? '').slice(0, 4)}-13-45`;
      field = 'NgayHenTra';
    } else if (kind === 'status') {
      item.TrangThaiHoSo = '42';
      field = 'TrangThaiHoSo';
    } else {
      item.MaHoSo = '';
      field = 'MaHoSo';
    }
    return { item, field, code: item.MaHoSo! };
  },
};

/** A vendor status no status map knows. */
export const UNKNOWN_REST_STATUS = 'CHO_PHE_DUYET_CAP_3';

/** `rest` (with the simulator's status names): dueAt not an ISO date, unknown vendor status, bad agencyCode. */
export function restItems(statusNames: Readonly<Record<number, string>>): ItemDialect<RestWireItem> {
  if (Object.values(statusNames).includes(UNKNOWN_REST_STATUS))
    throw new Error(`simulator: status name ${UNKNOWN_REST_STATUS} is reserved for malformed items`);
  return {
    kinds: ['date', 'status', 'agency'],
    malform(d, kind) {
      const item = toRestItem(d, statusNames);
      let field: string;
      if (kind === 'date') {
        item.dueAt = `${formatIsoVn(d.updatedAt).slice(0, 4)}-13-45T08:00:00+07:00`;
        field = 'dueAt';
      } else if (kind === 'status') {
        item.status = UNKNOWN_REST_STATUS;
        field = 'status';
      } else {
        item.agencyCode = d.agency.replaceAll('.', '-');
        field = 'agencyCode';
      }
      return { item, field, code: item.code };
    },
  };
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
export interface FaultLog<I extends object = DvcqgWireItem> {
  /** Requests to the province's source (login or token-less ones included for `dvcqg`). */
  requests: number;
  /** Calls with a valid session (`dvcqg`) or token (`rest`). */
  serviceCalls: number;
  listCalls: number;
  /** Sessions or tokens that stopped being valid after `sessionCalls`. */
  sessionExpiries: number;
  busy: number;
  tooMany: number;
  serverError: number;
  truncated: number;
  /** Requests served late (`slow`). */
  slow: number;
  /** Requests never answered (`timeout`). */
  timeouts: number;
  duplicates: number;
  malformed: readonly MalformedItem<I>[];
  drift: readonly DriftEvent[];
}

export type HttpFault = { status: 429; retryAfter: '0' | '1' } | { status: 500 | 503 };
/** An entry of a faulty listing: a dossier, or a malformed item. */
export type Served<I extends object = DvcqgWireItem> = CanonicalDossier | MalformedItem<I>;

export function isMalformed<I extends object>(e: Served<I>): e is MalformedItem<I> {
  return 'item' in e;
}
