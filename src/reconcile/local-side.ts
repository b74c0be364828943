/**
 * The explanation's store side (src/reconcile/read-local.ts) as it is held during the pass:
 * the stored dossiers as columns (src/store/columns.ts), with each one's metrics in the period,
 * found by code. A dossier is made an object only when asked for: at the size of a large
 * province, most stored dossiers agree with their one national copy and are never looked at
 * beyond their code, agency, procedure and metrics (src/reconcile/join.ts).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { ColumnWriter, dossierAt, receivedAtOf, type DossierColumns } from '../store/columns.js';
import { CodeIndex } from './code-index.js';

export class LocalSide {
  /** Each code's first row: a code read twice (a dossier moved while read) keeps its place and takes its last row's dossier. */
  private readonly rows = new CodeIndex();
  /** A code's first row → its last row, for codes read more than once. */
  private readonly later = new Map<number, number>();
  /** The rows after a code's first: not one of the side's dossiers on their own. */
  private readonly repeats = new Set<number>();
  private readonly made: (CanonicalDossier | undefined)[] = [];

  /** `bits`: each row's metrics in the period (`metricsOf`). */
  constructor(
    private readonly columns: DossierColumns,
    private readonly bits: Uint16Array,
  ) {
    const codes = columns.codes;
    for (let i = 0; i < codes.length; i++) {
      const first = this.rows.add(codes[i]!, i);
      if (first !== undefined) {
        this.later.set(first, i);
        this.repeats.add(i);
      }
    }
  }

  /** The dossiers given, with their metrics (`bitsOf`), as a side. */
  static of(dossiers: Iterable<CanonicalDossier>, bitsOf: (d: CanonicalDossier) => number): LocalSide {
    const w = new ColumnWriter();
    const bits: number[] = [];
    for (const d of dossiers) {
      w.push(d.code, d);
      bits.push(bitsOf(d));
    }
    return new LocalSide(w.columns(), Uint16Array.from(bits));
  }

  /** The rows, a code's first row standing for it: every row below, but those `held` says are not. */
  get rowCount(): number {
    return this.columns.codes.length;
  }

  /** Whether the row stands for its code (false for a code's later rows). */
  held(row: number): boolean {
    return this.repeats.size === 0 || !this.repeats.has(row);
  }

  /** The row that stands for a code, if the side holds it. */
  row(code: string): number | undefined {
    return this.rows.get(code);
  }

  has(code: string): boolean {
    return this.rows.get(code) !== undefined;
  }

  private at(row: number): number {
    return this.later.size === 0 ? row : (this.later.get(row) ?? row);
  }

  code(row: number): string {
    return this.columns.codes[row]!;
  }

  metrics(row: number): number {
    return this.bits[this.at(row)]!;
  }

  agency(row: number): string {
    const c = this.columns;
    return c.agencies[c.agency[this.at(row)]!]!;
  }

  procedure(row: number): string {
    const c = this.columns;
    return c.procedures[c.procedure[this.at(row)]!]!;
  }

  receivedAt(row: number): number | null {
    return receivedAtOf(this.columns, this.at(row));
  }

  /** The dossier of a row, made once. */
  dossier(row: number): CanonicalDossier {
    return (this.made[row] ??= dossierAt(this.columns, this.at(row)));
  }

  get(code: string): CanonicalDossier | undefined {
    const row = this.rows.get(code);
    return row === undefined ? undefined : this.dossier(row);
  }

  /** Every dossier by code, in the order of their rows: the rules' pass counts them all (src/reconcile/drift.ts). */
  toMap(): Map<string, CanonicalDossier> {
    const out = new Map<string, CanonicalDossier>();
    for (let i = 0; i < this.rowCount; i++) if (this.held(i)) out.set(this.code(i), this.dossier(i));
    return out;
  }
}
