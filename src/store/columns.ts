/**
 * Canonical dossiers as columns, to hand many of them from one thread to another: a thread's
 * messages copy plain objects one by one (slower than reading them from the store again), and
 * columns of numbers and a few strings in a moment. `toColumns` then `fromColumns` gives
 * dossiers equal to those given, field for field (src/reconcile/store-thread.ts).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Counted } from './pack.js';

export interface DossierColumns {
  codes: string[];
  /** Each distinct agency and procedure once; a dossier's are indexes into these. */
  agencies: string[];
  procedures: string[];
  agency: Int32Array;
  procedure: Int32Array;
  status: Int32Array;
  /** channel (0 none, 1..3) + 4 × digitised + 8 × paidOnline. */
  flags: Uint8Array;
  /** Per dossier: updatedAt, receivedAt, dueAt, finishedAt, returnedAt, submittedAt (NaN: null, or no submittedAt). */
  times: Float64Array;
}

const TIMES = 6;
const time = (ms: number | null | undefined) => (ms === null || ms === undefined ? NaN : ms);
const orNull = (t: number) => (Number.isNaN(t) ? null : t);

/** What a row holds: a stored dossier as the store reads it in place (`Counted`), or a whole dossier. */
export type Columnable = Counted & { submittedAt?: number | null | undefined };

/** Adds dossiers one at a time; `columns()` gives them all. */
export class ColumnWriter {
  private readonly codes: string[] = [];
  private readonly agencyIds = new Map<string, number>();
  private readonly procedureIds = new Map<string, number>();
  private size = 0;
  // grown by doubling: a million rows are pushed in the explanation's store read
  private agency = new Int32Array(1024);
  private procedure = new Int32Array(1024);
  private status = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private times = new Float64Array(1024 * TIMES);

  /** A row: the dossier `d` under `code` (its own, for a whole dossier). */
  push(code: string, d: Columnable): void {
    const i = this.size++;
    if (i === this.status.length) this.grow();
    this.codes.push(code);
    this.agency[i] = idOf(this.agencyIds, d.agency);
    this.procedure[i] = idOf(this.procedureIds, d.procedure);
    this.status[i] = d.status;
    this.flags[i] = (d.channel ?? 0) + (d.digitised ? 4 : 0) + (d.paidOnline ? 8 : 0);
    const t = this.times;
    const at = i * TIMES;
    t[at] = d.updatedAt;
    t[at + 1] = time(d.receivedAt);
    t[at + 2] = time(d.dueAt);
    t[at + 3] = time(d.finishedAt);
    t[at + 4] = time(d.returnedAt);
    t[at + 5] = time(d.submittedAt);
  }

  private grow(): void {
    const twice = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.agency = twice(this.agency);
    this.procedure = twice(this.procedure);
    this.status = twice(this.status);
    this.flags = twice(this.flags);
    this.times = twice(this.times);
  }

  columns(): DossierColumns {
    const n = this.size;
    return {
      codes: this.codes,
      agencies: [...this.agencyIds.keys()],
      procedures: [...this.procedureIds.keys()],
      agency: this.agency.slice(0, n),
      procedure: this.procedure.slice(0, n),
      status: this.status.slice(0, n),
      flags: this.flags.slice(0, n),
      times: this.times.slice(0, n * TIMES),
    };
  }
}

function idOf(ids: Map<string, number>, value: string): number {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = ids.size));
  return id;
}

/** The buffers a message can hand over instead of copying. */
export function columnBuffers(c: DossierColumns): ArrayBuffer[] {
  return [c.agency, c.procedure, c.status, c.flags, c.times].map((a) => a.buffer as ArrayBuffer);
}

/** Each dossier of the columns, in their order, to `each`. */
export function fromColumns(c: DossierColumns, each: (d: CanonicalDossier) => void): void {
  for (let i = 0; i < c.codes.length; i++) each(dossierAt(c, i));
}

/** The dossier of row `i` of the columns. */
export function dossierAt(c: DossierColumns, i: number): CanonicalDossier {
  const t = c.times;
  const flags = c.flags[i]!;
  const channel = flags & 3;
  const d: CanonicalDossier = {
    code: c.codes[i]!,
    updatedAt: t[i * TIMES]!,
    status: c.status[i]!,
    agency: c.agencies[c.agency[i]!]!,
    procedure: c.procedures[c.procedure[i]!]!,
    channel: channel === 0 ? null : (channel as 1 | 2 | 3),
    digitised: (flags & 4) !== 0,
    paidOnline: (flags & 8) !== 0,
    receivedAt: orNull(t[i * TIMES + 1]!),
    dueAt: orNull(t[i * TIMES + 2]!),
    finishedAt: orNull(t[i * TIMES + 3]!),
    returnedAt: orNull(t[i * TIMES + 4]!),
  };
  const submitted = t[i * TIMES + 5]!;
  if (!Number.isNaN(submitted)) d.submittedAt = submitted;
  return d;
}

/** The date of receipt of row `i` (null: none), without making its dossier. */
export function receivedAtOf(c: DossierColumns, i: number): number | null {
  return orNull(c.times[i * TIMES + 1]!);
}
