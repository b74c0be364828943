/**
 * The explanation's stored side found by code (src/reconcile/local-side.ts): each code's row.
 * The pass asks for the row of every national copy it keeps (about a million on a large
 * province's night), and a `Map` of a million codes costs most of that in memory reads. A code
 * of the usual shape (`<agency>-YYMMDD-nnnn`, the agency in a built-in form: docs/domain.md,
 * Codes) is therefore found by its parts: its agency, then a table of CHUNK sequence numbers
 * of one day of that agency. Any other code is kept in a `Map`. A code's parts name it
 * exactly (`agencyOfDossierCode` checks the agency and the digits), so two codes never share
 * a place. A day's sequence numbers run from 1, so the tables are mostly full; a table holding
 * one code (an old dossier still open, say) costs 4 × CHUNK bytes, a few times a `Map` entry.
 */
import { BUILT_IN_CODE_FORMS } from '../domain/codes.js';

/** The number the digits of `code` in [from, to) write (known to be digits). */
const digitsAt = (code: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + code.charCodeAt(i) - 48;
  return n;
};

/** Sequence numbers per table: a code's table is its agency's (day, sequence / CHUNK). */
const CHUNK = 64;
/** Tables per day: a day's sequence numbers run to 9999. */
const CHUNKS = Math.ceil(10_000 / CHUNK);

/** A code's table among its agency's: its day (YYMMDD) × CHUNKS + its sequence / CHUNK. */
const tableOf = (code: string, seq: number): number =>
  digitsAt(code, code.length - 11, code.length - 5) * CHUNKS + Math.floor(seq / CHUNK);

export class CodeIndex {
  /** Per agency: table (`tableOf`) → rows + 1 of its codes (0: none). */
  private readonly byAgency = new Map<string, Map<number, Int32Array>>();
  private readonly others = new Map<string, number>();

  /** The code's row, if the index holds it. */
  get(code: string): number | undefined {
    const agency = BUILT_IN_CODE_FORMS.agencyOfDossierCode(code);
    if (agency === undefined) return this.others.get(code);
    const n = code.length;
    const seq = digitsAt(code, n - 4, n);
    const row = this.byAgency.get(agency)?.get(tableOf(code, seq))?.[seq % CHUNK];
    return row ? row - 1 : undefined;
  }

  /** Files `code` at `row`, unless filed before: then returns the row it keeps. */
  add(code: string, row: number): number | undefined {
    const agency = BUILT_IN_CODE_FORMS.agencyOfDossierCode(code);
    if (agency === undefined) {
      const first = this.others.get(code);
      if (first === undefined) this.others.set(code, row);
      return first;
    }
    const n = code.length;
    const seq = digitsAt(code, n - 4, n);
    const key = tableOf(code, seq);
    let days = this.byAgency.get(agency);
    if (!days) this.byAgency.set(agency, (days = new Map()));
    let rows = days.get(key);
    if (!rows) days.set(key, (rows = new Int32Array(CHUNK)));
    const first = rows[seq % CHUNK]!;
    if (first === 0) rows[seq % CHUNK] = row + 1;
    return first === 0 ? undefined : first - 1;
  }
}
