/** Gathered data for the explanation's unit tests: both sides in memory, everything already asked for. */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Period } from '../../src/domain/period.js';
import { DEFAULT_RULES } from '../../src/reconcile/counting.js';
import type { Gathered } from '../../src/reconcile/explain.js';

export function gatheredOf(
  period: Period,
  local: CanonicalDossier[],
  national: CanonicalDossier[],
  over: Partial<Gathered> = {},
): Gathered {
  const codes = new Set([...local, ...national].map((d) => d.code));
  return {
    period,
    rules: DEFAULT_RULES,
    local: new Map(local.map((d) => [d.code, d])),
    national,
    asked: { lookups: new Set(codes), store: new Set(codes) },
    unexamined: new Map(),
    examined: new Map(),
    ...over,
  };
}
