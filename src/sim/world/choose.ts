/**
 * Which dossiers of a province carry the injected discrepancies: distinct dossiers, each on
 * (agency, procedure) pairs of its own (or, with `shareKeys`, shared only with injections that
 * move the national figures the same way). See src/sim/world.ts for the kinds.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { countsIn } from '../oracle.js';
import type { Rng } from '../random.js';
import { driftable, isAccepted, lagable, missable, sameContent, shiftable } from './discrepancies.js';
import { SEQ_MAX, noneReserved, type Layout } from './dossiers.js';
import { pairOf, type Clock, type Direction, type InjectCounts } from './types.js';

/** The dossiers chosen for each kind (and form). */
export interface Chosen {
  shift: CanonicalDossier[];
  lag: CanonicalDossier[];
  drift: CanonicalDossier[];
  missing: CanonicalDossier[];
  replaced: CanonicalDossier[];
  deleted: CanonicalDossier[];
  duplicated: CanonicalDossier[];
  unmapped: CanonicalDossier[];
  listedTwice: CanonicalDossier[];
  twoAgencies: CanonicalDossier[];
  /** Withdrawn in the province, sent to the portal as finished. */
  mapped: CanonicalDossier[];
  /** The agency carrying the unmapped procedure codes, if any. */
  unmappedAgency: string | undefined;
  /** The agency whose copy a two-agency duplicate of `d` is. */
  otherAgency(d: CanonicalDossier): string;
  /** The next free sequence number of `d`'s agency-day (above SEQ_MAX: none left). */
  nextSeq(d: CanonicalDossier): number;
  /** Codes given to injected national copies so far; the caller adds the ones it makes. */
  usedCodes: Set<string>;
  /** Dossiers counted in the period on pairs no injection uses. */
  free: CanonicalDossier[];
}

/** Candidates of each kind, found in one pass (a dossier may qualify for several kinds). */
interface Pools {
  shift: CanonicalDossier[];
  lag: CanonicalDossier[];
  drift: CanonicalDossier[];
  missable: CanonicalDossier[];
  counted: CanonicalDossier[];
  unmapped: CanonicalDossier[];
  /** The highest sequence number per agency-day code prefix. */
  maxSeq: Map<string, number>;
}

/**
 * The agency of the unmapped procedure codes (no other injection there): a non-root agency
 * with enough procedures counted in the period, preferably without date_shift candidates.
 */
function unmappedAgencyOf(
  all: readonly CanonicalDossier[],
  layout: Layout,
  clock: Clock,
  inject: InjectCounts,
  injectRng: Rng,
): string | undefined {
  if (inject.unmappedProcedure === 0) return undefined;
  const { agencies, root, province } = layout;
  const procs = new Map<string, Set<string>>();
  for (const d of all)
    if (d.agency !== root && isAccepted(d) && countsIn(d, clock.period))
      procs.set(d.agency, (procs.get(d.agency) ?? new Set()).add(d.procedure));
  const able = agencies.filter((a) => (procs.get(a)?.size ?? 0) >= inject.unmappedProcedure);
  const free = able.filter((a) => noneReserved(layout, agencies.indexOf(a)));
  const from = free.length ? free : able;
  if (from.length === 0)
    throw new Error(
      `simulator: no agency of province ${province} has ${inject.unmappedProcedure} procedures to carry unmapped procedure codes; raise the volume`,
    );
  return from[injectRng.int(0, from.length - 1)];
}

function candidates(all: readonly CanonicalDossier[], clock: Clock, unmappedAgency: string | undefined): Pools {
  const { period } = clock;
  const pool: Pools = { shift: [], lag: [], drift: [], missable: [], counted: [], unmapped: [], maxSeq: new Map() };
  const maxSeq = pool.maxSeq;
  for (const d of all) {
    const prefix = d.code.slice(0, -4);
    maxSeq.set(prefix, Math.max(maxSeq.get(prefix) ?? 0, Number(d.code.slice(-4))));
    if (!isAccepted(d) || !countsIn(d, period)) continue;
    if (d.agency === unmappedAgency) {
      pool.unmapped.push(d);
      continue;
    }
    pool.counted.push(d);
    if (shiftable(d, period)) pool.shift.push(d);
    if (lagable(d, period)) pool.lag.push(d);
    if (driftable(d, period)) pool.drift.push(d);
    if (missable(d, period)) pool.missable.push(d);
  }
  return pool;
}

type Pick = (
  k: number,
  what: string,
  from: readonly CanonicalDossier[],
  way: Direction,
  ok?: (d: CanonicalDossier) => boolean,
  pairs?: (d: CanonicalDossier) => [string, Direction][],
) => CanonicalDossier[];

/**
 * A picker: `k` distinct dossiers of `from` that pass `ok`, each moving its `pairs` the given
 * way: on pairs no other injection uses, or (shareKeys) used only by injections moving the same
 * way, first those, so that kinds gather on the same agency and procedure.
 */
function picker(
  province: string,
  share: boolean,
  rng: Rng,
  taken: Set<CanonicalDossier>,
  usedPairs: Map<string, Direction>,
): Pick {
  return (k, what, from, way, ok = () => true, pairs = (d) => [[pairOf(d.agency, d.procedure), way]]) => {
    if (k === 0) return [];
    const fits = (d: CanonicalDossier) =>
      pairs(d).every(([p, w]) => !usedPairs.has(p) || (share && usedPairs.get(p) === w));
    const out: CanonicalDossier[] = [];
    const draw = (candidates: CanonicalDossier[], want: number) => {
      while (out.length < want && candidates.length > 0) {
        const at = rng.int(0, candidates.length - 1);
        const d = candidates[at]!;
        candidates[at] = candidates[candidates.length - 1]!;
        candidates.pop();
        if (taken.has(d) || !fits(d) || !ok(d)) continue;
        for (const [p, w] of pairs(d)) usedPairs.set(p, w);
        taken.add(d);
        out.push(d);
      }
    };
    if (share)
      draw(
        from.filter((d) => !taken.has(d) && pairs(d).every(([p]) => usedPairs.has(p))),
        Math.ceil(k / 2),
      );
    draw(
      from.filter((d) => !taken.has(d)),
      k,
    );
    if (out.length < k)
      throw new Error(
        `simulator: only ${out.length} dossiers of province ${province} can carry ${what} with an (agency, procedure) pair of their own, ${k} asked; raise the volume`,
      );
    return out;
  };
}

/** The next free sequence number of a dossier's agency-day, past the highest existing and the codes used so far. */
function seqCounter(maxSeq: Map<string, number>, usedCodes: Set<string>): (d: CanonicalDossier) => number {
  return (d) => {
    const prefix = d.code.slice(0, -4);
    let seq = (maxSeq.get(prefix) ?? 0) + 1;
    while (seq <= SEQ_MAX && usedCodes.has(prefix + String(seq).padStart(4, '0'))) seq++;
    return seq;
  };
}

/**
 * The copy under a second agency: the next agency in code order other than the root (whose
 * code lists the whole province: a copy of its own could not be told apart on the portal) and
 * the one carrying unmapped procedure codes.
 */
function otherAgencyOf(layout: Layout, unmappedAgency: string | undefined): (d: CanonicalDossier) => string {
  const { agencies, root } = layout;
  return (d) => {
    const at = agencies.indexOf(d.agency);
    for (let i = 1; ; i++) {
      const a = agencies[(at + i) % agencies.length]!;
      if (a !== root && a !== unmappedAgency) return a;
    }
  };
}

/** The dossiers whose national figures differ from the local ones: date shift to missing_local. */
function pickMismatches(
  pick: Pick,
  pool: Pools,
  inject: InjectCounts,
  root: string,
  uniqueContent: (d: CanonicalDossier) => boolean,
) {
  const shift = pick(inject.dateShift, 'date_shift', pool.shift, 'fewer');
  const lag = pick(inject.statusLag, 'status_lag', pool.lag, 'fewer');
  const drift = pick(inject.definitionDrift, 'definition_drift', pool.drift, 'fewer');
  const missing = pick(inject.notSynced, 'missing_national', pool.missable, 'fewer');
  const replaced = pick(
    inject.replacedCode,
    'a replaced code',
    pool.missable,
    'fewer',
    (d) => d.agency !== root && uniqueContent(d),
    (d) => [
      [pairOf(d.agency, d.procedure), 'fewer'],
      [pairOf(root, d.procedure), 'more'],
    ],
  );
  const deleted = pick(inject.missingLocal, 'missing_local', pool.missable, 'more', uniqueContent);
  return { shift, lag, drift, missing, replaced, deleted };
}

/** Chooses the dossiers of every injection, kind after kind (the order draws from `rng`). */
export function chooseInjected(
  all: readonly CanonicalDossier[],
  layout: Layout,
  clock: Clock,
  inject: InjectCounts,
  shareKeys: boolean,
  rng: Rng,
  injectRng: Rng,
): Chosen {
  const usedCodes = new Set<string>();
  const unmappedAgency = unmappedAgencyOf(all, layout, clock, inject, injectRng);
  const uniqueContent = (d: CanonicalDossier) => !all.some((o) => o !== d && sameContent(o, d));
  const pool = candidates(all, clock, unmappedAgency);
  const nextSeq = seqCounter(pool.maxSeq, usedCodes);
  const usedPairs = new Map<string, Direction>();
  const pick = picker(layout.province, shareKeys, rng, new Set(), usedPairs);
  const mismatches = pickMismatches(pick, pool, inject, layout.root, uniqueContent);
  const duplicated = pick(
    inject.duplicateNational,
    'duplicate_national',
    pool.counted,
    'more',
    (d) => nextSeq(d) <= SEQ_MAX && uniqueContent(d),
  );
  const unmapped = pick(inject.unmappedProcedure, 'an unmapped procedure code', pool.unmapped, 'unmapped');
  const listedTwice = pick(
    inject.duplicateListedTwice,
    'duplicate_national (the same code twice)',
    pool.counted,
    'more',
  );
  const otherAgency = otherAgencyOf(layout, unmappedAgency);
  const twoAgencies = pick(
    inject.duplicateTwoAgencies,
    'duplicate_national (under two agencies)',
    pool.counted,
    'more',
    () => true,
    (d) => [[pairOf(otherAgency(d), d.procedure), 'more']],
  );
  // nationally finished, locally withdrawn: more processed nationally
  const mapped = pick(inject.withdrawnMapped, 'definition_drift (withdrawn sent as finished)', pool.lag, 'more');
  const free = pool.counted.filter((d) => !usedPairs.has(pairOf(d.agency, d.procedure)));
  return {
    ...mismatches,
    duplicated,
    unmapped,
    listedTwice,
    twoAgencies,
    mapped,
    unmappedAgency,
    otherAgency,
    nextSeq,
    usedCodes,
    free,
  };
}
