/**
 * The two gathered sides joined by code, and cut down to what the explanation reads
 * (src/reconcile/explain.ts): the differing codes, and every code whose stored or national
 * dossier has the content of one of theirs (the candidates for a match across codes), on both
 * sides. `explain` gives the same result on the cut data, and the rounds of the gathering then
 * cost what the differences cost, not what the province holds.
 *
 * At the size of a large province most codes have one national copy that agrees with their
 * stored dossier (same agency, procedure and metrics in the period). The join sets those apart
 * first (`apart`), from the stored side's columns (src/reconcile/local-side.ts): no stored
 * dossier is made an object, and no list of copies is kept, for a code that agrees. Only the
 * codes that may differ keep their copies, which the gathering may then complete
 * (src/reconcile/copies.ts: a copy's agency, an agency's own copies) before `narrowSides`.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { metricsOf } from './counting.js';
import type { Gathered } from './explain.js';
import { LocalSide } from './local-side.js';

/** What `sameContent` compares, but the agency: numbers first, so the procedure code cannot run into them. */
export const contentKey = (d: CanonicalDossier) => `${d.receivedAt}|${d.dueAt}|${d.channel}|${d.procedure}`;

/** A stored row with no national copy; with one that agrees; with copies in `Apart.copies`. */
const NONE = 0;
const ALIKE = 1;
const APART = 2;

export interface Apart {
  /**
   * The national copies of each code that may count differently: each code the store does not
   * hold, each code listed more than once, and each code whose one copy differs from its stored
   * dossier (agency, procedure or metrics) where either counts.
   */
  copies: Map<string, CanonicalDossier[]>;
  /** Per stored row: NONE, ALIKE or APART. */
  state: Uint8Array;
}

/** The national copies by code, set apart from the stored side: every code that agrees is left out (`bits`: `metricsOf`). */
export function apart(
  local: LocalSide,
  national: readonly CanonicalDossier[],
  bits: (d: CanonicalDossier) => number,
): Apart {
  const join = new Joining(local, bits);
  for (const n of national) join.add(n);
  return join.done();
}

/**
 * `apart`, a national copy at a time, in the order of the gathered copies: the pass joins the
 * copies as the lists come, once the stored side is read (src/reconcile/gather.ts), rather
 * than all of them after.
 */
export class Joining {
  private readonly state: Uint8Array;
  private readonly first: CanonicalDossier[];
  /** Per stored row whose one copy so far is `first[row]`: whether it agrees with it. */
  private readonly agrees: Uint8Array;
  private readonly copies = new Map<string, CanonicalDossier[]>();

  constructor(
    private readonly local: LocalSide,
    private readonly bits: (d: CanonicalDossier) => number,
  ) {
    this.state = new Uint8Array(local.rowCount);
    this.agrees = new Uint8Array(local.rowCount);
    this.first = new Array<CanonicalDossier>(local.rowCount);
  }

  /** The next national copy. */
  add(n: CanonicalDossier): void {
    const { local, state, copies } = this;
    const row = local.row(n.code);
    if (row === undefined) {
      const list = copies.get(n.code);
      if (list) list.push(n);
      else copies.set(n.code, [n]);
    } else if (state[row] === NONE) {
      state[row] = ALIKE; // until shown otherwise
      this.first[row] = n;
      const l = local.metrics(row);
      const b = this.bits(n);
      const differs = b !== l || n.agency !== local.agency(row) || n.procedure !== local.procedure(row);
      this.agrees[row] = (b === 0 && l === 0) || !differs ? 1 : 0;
    } else if (state[row] === ALIKE) {
      state[row] = APART;
      copies.set(n.code, [this.first[row]!, n]);
    } else copies.get(n.code)!.push(n);
  }

  /** The copies set apart, once every national copy has been added. */
  done(): Apart {
    const { state, copies } = this;
    for (let row = 0; row < state.length; row++) {
      if (state[row] !== ALIKE || this.agrees[row] === 1) continue;
      const n = this.first[row]!;
      state[row] = APART;
      copies.set(n.code, [n]);
    }
    return { copies, state };
  }
}

/**
 * Codes that may count differently somewhere: counted on some side, and not one copy on each
 * side under the same agency and procedure counting in the same metrics. Every other code
 * contributes nothing to any key. With `agencies` (those whose keys are examined), only codes
 * with a dossier of one of them on some side: a code of other agencies alone counts in none of
 * their keys (a stored dossier of an agency whose list was not read has no national copy to
 * agree with, and is not looked at: the cost follows the examined agencies, not the province).
 * In the order of the stored rows, then of the national codes the store does not hold.
 */
function differing(
  local: LocalSide,
  { copies, state }: Apart,
  bits: (d: CanonicalDossier) => number,
  agencies?: ReadonlySet<string>,
): Set<string> {
  const out = new Set<string>();
  const counted = (list: CanonicalDossier[]) => list.some((n) => bits(n) !== 0);
  const inScope = (agency: string | undefined, list: CanonicalDossier[] | undefined) =>
    agencies === undefined ||
    (agency !== undefined && agencies.has(agency)) ||
    (list !== undefined && list.some((n) => agencies.has(n.agency)));
  for (let row = 0; row < state.length; row++) {
    if (state[row] === ALIKE || !local.held(row)) continue;
    const code = local.code(row);
    const l = local.metrics(row);
    const list = state[row] === APART ? copies.get(code)! : undefined;
    if (!inScope(local.agency(row), list)) continue;
    if (list?.length === 1) {
      const n = list[0]!;
      const b = bits(n);
      if ((b !== l || n.agency !== local.agency(row) || n.procedure !== local.procedure(row)) && (l !== 0 || b !== 0))
        out.add(code);
    } else if (l !== 0 || (list !== undefined && counted(list))) out.add(code);
  }
  for (const [code, list] of copies) if (!local.has(code) && inScope(undefined, list) && counted(list)) out.add(code);
  return out;
}

/** The differing codes (as above) of data gathered as maps. */
export function differingCodes(
  g: Gathered,
  bits: (d: CanonicalDossier) => number,
  agencies?: ReadonlySet<string>,
): Set<string> {
  const local = LocalSide.of(g.local.values(), bits);
  return differing(local, apart(local, g.national, bits), bits, agencies);
}

/**
 * The sides cut down to the differing codes and their candidates (see above), from `apart`'s
 * copies as the gathering left them. `national` is every national copy gathered, in order.
 */
export function narrowSides(
  local: LocalSide,
  national: readonly CanonicalDossier[],
  sides: Apart,
  bits: (d: CanonicalDossier) => number,
  agencies?: ReadonlySet<string>,
): { local: Map<string, CanonicalDossier>; national: CanonicalDossier[] } {
  const codes = differing(local, sides, bits, agencies);
  const contents = new Set<string>();
  const instants = new Set<number>(); // the intake times of those contents: a cheap first test
  for (const code of codes) {
    for (const d of [local.get(code), ...(sides.copies.get(code) ?? [])]) {
      if (d?.receivedAt === null || d === undefined) continue;
      contents.add(contentKey(d));
      instants.add(d.receivedAt);
    }
  }
  const kept = new Set(codes);
  for (let row = 0; row < local.rowCount; row++) {
    const at = local.receivedAt(row);
    if (at !== null && instants.has(at) && local.held(row) && contents.has(contentKey(local.dossier(row))))
      kept.add(local.code(row));
  }
  for (const n of national)
    if (n.receivedAt !== null && instants.has(n.receivedAt) && contents.has(contentKey(n))) kept.add(n.code);
  const out = new Map<string, CanonicalDossier>();
  for (const code of kept) {
    const l = local.get(code);
    if (l) out.set(code, l);
  }
  return { local: out, national: national.filter((n) => kept.has(n.code)) };
}

/** `g` cut down to the differing codes and their candidates (`narrowSides`), with `agencies` as there. */
export function narrow(g: Gathered, agencies?: ReadonlySet<string>): Gathered {
  const bits = (d: CanonicalDossier) => metricsOf(d, g.period, g.rules);
  const local = LocalSide.of(g.local.values(), bits);
  return { ...g, ...narrowSides(local, g.national, apart(local, g.national, bits), bits, agencies) };
}
