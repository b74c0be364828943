/**
 * The counting rules' variants: each switch of `CountingRules` (src/reconcile/counting.ts) turned
 * the other way, alone or together, as a portal may count (docs/domain.md, Root
 * causes: definition drift). Nothing here counts: a variant is a `CountingRules` value, and
 * `metricsOf` counts under it.
 *
 * A variant is a set of switches, as a bit mask over SWITCHES (bit i: SWITCHES[i] turned);
 * there are 2^5 − 1 of them, a small constant. Each switch also says which dossiers it can
 * count differently (`affects`), a sound test: a switch that does not affect a dossier changes
 * nothing of its counts whatever the other switches say. Most dossiers are affected by none,
 * so evaluating a dossier under every variant costs one count for most, and 2^k for the few
 * affected by k switches.
 */
import { STATUS } from '../../schemas/dossier.js';
import { DAY_MS, vnDayNumber } from '../domain/time.js';
import type { Period } from '../domain/period.js';
import { metricsOf, type Countable, type CountingRules } from './counting.js';

export const RULE_WITHDRAWN = 'withdrawn counted as processed';
export const RULE_RETURN_DATE = 'processed keyed on the return date';

interface Switch {
  /** The rules with this switch turned the other way. */
  turn(r: CountingRules): CountingRules;
  /** The rule the switch states, in `r`. */
  name(r: CountingRules): string;
  /** Whether turning the switch can change what `d` counts in during `p`. */
  affects(d: Countable, p: Period): boolean;
}

const dates = (d: Countable) => [d.receivedAt, d.submittedAt ?? null, d.finishedAt, d.returnedAt, d.dueAt];

/** In the order a tie between variants of as many switches is settled. */
export const SWITCHES: readonly Switch[] = [
  {
    turn: (r) => ({ ...r, dueCompare: r.dueCompare === 'time' ? 'day' : 'time' }),
    name: (r) => (r.dueCompare === 'time' ? 'due compared with time of day' : 'due compared by calendar day'),
    // only a finish (or return) on the due day itself, after the due time, is judged differently
    affects: (d) =>
      d.dueAt !== null &&
      [d.finishedAt, d.returnedAt].some((t) => t !== null && vnDayNumber(t) === vnDayNumber(d.dueAt!)),
  },
  {
    turn: (r) => ({ ...r, processedOn: r.processedOn === 'returned' ? 'finished' : 'returned' }),
    name: (r) => (r.processedOn === 'returned' ? RULE_RETURN_DATE : 'processed keyed on the finish date'),
    affects: (d) =>
      d.finishedAt !== d.returnedAt &&
      (d.status === STATUS.FINISHED || d.status === STATUS.RETURNED || d.status === STATUS.WITHDRAWN),
  },
  {
    turn: (r) => ({ ...r, withdrawnIsProcessed: !r.withdrawnIsProcessed }),
    name: (r) => (r.withdrawnIsProcessed ? RULE_WITHDRAWN : 'withdrawn not counted as processed'),
    affects: (d) => d.status === STATUS.WITHDRAWN,
  },
  {
    turn: (r) => ({ ...r, periodEnd: r.periodEnd === 'exclusive' ? 'inclusive' : 'exclusive' }),
    name: (r) =>
      r.periodEnd === 'exclusive' ? 'period end exclusive (its last day left out)' : 'period end inclusive',
    // every comparison with the period's end moves by the last day: only a date on it changes one
    affects: (d, p) => dates(d).some((t) => t !== null && t >= p.end - DAY_MS && t < p.end),
  },
  {
    turn: (r) => ({ ...r, receivedOn: r.receivedOn === 'submitted' ? 'received' : 'submitted' }),
    name: (r) =>
      r.receivedOn === 'submitted'
        ? 'received keyed on submission (NgayNopHoSo)'
        : 'received keyed on intake (NgayTiepNhan)',
    affects: (d) => d.submittedAt !== undefined && d.submittedAt !== null && d.submittedAt !== d.receivedAt,
  },
];

/** Every variant: the non-empty sets of switches, as masks. */
export const VARIANTS: readonly number[] = Array.from({ length: (1 << SWITCHES.length) - 1 }, (_, i) => i + 1);

/** How many switches a variant turns. */
export const switchCount = (variant: number): number => {
  let n = 0;
  for (let v = variant; v !== 0; v &= v - 1) n++;
  return n;
};

/** The rules of a variant: `rules` with its switches turned. */
export function variantRules(rules: CountingRules, variant: number): CountingRules {
  let out = rules;
  SWITCHES.forEach((s, i) => {
    if (variant & (1 << i)) out = s.turn(out);
  });
  return out;
}

/** The rule a variant states, its switches' names joined by " + ". */
export function variantName(rules: CountingRules, variant: number): string {
  const turned = variantRules(rules, variant);
  return SWITCHES.flatMap((s, i) => (variant & (1 << i) ? [s.name(turned)] : [])).join(' + ');
}

/** The switches that can change what `d` counts in, as a mask. */
export function affecting(d: Countable, p: Period): number {
  let mask = 0;
  SWITCHES.forEach((s, i) => {
    if (s.affects(d, p)) mask |= 1 << i;
  });
  return mask;
}

/**
 * What a dossier counts in under each variant whose metrics differ from those under `rules`:
 * variant mask → metrics (bit set of `metricsOf`). Empty for a dossier no variant counts
 * differently. `rulesOf` caches each variant's rules (one object per variant, not per dossier).
 */
export class VariantCounter {
  private readonly rulesOf = new Map<number, CountingRules>();
  constructor(
    readonly period: Period,
    readonly rules: CountingRules,
  ) {}

  private rulesFor(variant: number): CountingRules {
    let r = this.rulesOf.get(variant);
    if (!r) this.rulesOf.set(variant, (r = variantRules(this.rules, variant)));
    return r;
  }

  /**
   * What `d` counts in under the variants that can change it: the switches that affect it
   * (`mask`, 0 for none), and its metrics under each non-empty subset of them. Every variant
   * counts `d` as the part of it the mask holds does.
   */
  profile(d: Countable): { mask: number; bySubset: Map<number, number> } {
    const mask = affecting(d, this.period);
    const bySubset = new Map<number, number>();
    for (let s = mask; s !== 0; s = (s - 1) & mask) bySubset.set(s, metricsOf(d, this.period, this.rulesFor(s)));
    return { mask, bySubset };
  }

  /** The metrics of `d` under every variant whose metrics differ from its metrics under the rules (`base`). */
  differing(d: Countable, base = metricsOf(d, this.period, this.rules)): Map<number, number> {
    const out = new Map<number, number>();
    const { mask, bySubset } = this.profile(d);
    if (mask === 0) return out;
    for (const v of VARIANTS) {
      const s = v & mask;
      if (s === 0) continue;
      const bits = bySubset.get(s)!;
      if (bits !== base) out.set(v, bits);
    }
    return out;
  }

  /** Whether some variant counts `d` differently from the rules. */
  sensitive(d: Countable): boolean {
    const mask = affecting(d, this.period);
    if (mask === 0) return false;
    const base = metricsOf(d, this.period, this.rules);
    for (let s = mask; s !== 0; s = (s - 1) & mask)
      if (metricsOf(d, this.period, this.rulesFor(s)) !== base) return true;
    return false;
  }
}
