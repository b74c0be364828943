/**
 * Canonical dossiers as columns, to hand many of them from one thread to another: a thread's
 * messages copy plain objects one by one (slower than reading them from the store again), and
 * columns of numbers and a few strings in a moment. `toColumns` then `fromColumns` gives
 * dossiers equal to those given, field for field (src/reconcile/store-thread.ts).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';

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

/** Adds dossiers one at a time; `columns()` gives them all. */
export class ColumnWriter {
  private readonly codes: string[] = [];
  private readonly agencyIds = new Map<string, number>();
  private readonly procedureIds = new Map<string, number>();
  private readonly agency: number[] = [];
  private readonly procedure: number[] = [];
  private readonly status: number[] = [];
  private readonly flags: number[] = [];
  private readonly times: number[] = [];

  push(d: CanonicalDossier): void {
    this.codes.push(d.code);
    this.agency.push(idOf(this.agencyIds, d.agency));
    this.procedure.push(idOf(this.procedureIds, d.procedure));
    this.status.push(d.status);
    this.flags.push((d.channel ?? 0) + (d.digitised ? 4 : 0) + (d.paidOnline ? 8 : 0));
    this.times.push(
      d.updatedAt,
      time(d.receivedAt),
      time(d.dueAt),
      time(d.finishedAt),
      time(d.returnedAt),
      time(d.submittedAt),
    );
  }

  columns(): DossierColumns {
    return {
      codes: this.codes,
      agencies: [...this.agencyIds.keys()],
      procedures: [...this.procedureIds.keys()],
      agency: Int32Array.from(this.agency),
      procedure: Int32Array.from(this.procedure),
      status: Int32Array.from(this.status),
      flags: Uint8Array.from(this.flags),
      times: Float64Array.from(this.times),
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
