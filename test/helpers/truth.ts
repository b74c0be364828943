/** Findings against a simulated world's ground truth. */
import { expect } from 'vitest';
import { FINDING_KINDS, type RunReport } from '../../schemas/report.js';
import type { TruthEntry } from '../../src/sim/world.js';

const key = (province: string, agency: string, code: string, kind: string, rule?: string) =>
  `${province} ${agency} ${code} ${kind}${rule ? ` (${rule})` : ''}`;

/**
 * The report's dossier findings (an `unexplained` key is not one) equal the ground truth:
 * precision and recall 1.0 for every kind, every kind present in the truth, then the very same
 * (province, agency, code, kind, rule) set: a definition_drift names the rule it shows.
 */
export function expectFindingsMatchTruth(report: RunReport, truth: readonly TruthEntry[]): void {
  const kinds: readonly string[] = FINDING_KINDS;
  const found = new Set(
    report.provinces.flatMap((p) =>
      p.findings
        .filter((f) => kinds.includes(f.kind))
        .map((f) => key(p.province, f.agency, f.dossierCode, f.kind, f.rule)),
    ),
  );
  const expected = new Set(truth.map((t) => key(t.province, t.agency, t.dossierCode, t.kind, t.rule)));
  const perKind: Record<string, { precision: number; recall: number }> = {};
  for (const kind of FINDING_KINDS) {
    const f = [...found].filter((k) => k.includes(` ${kind}`));
    const t = [...expected].filter((k) => k.includes(` ${kind}`));
    const hits = f.filter((k) => expected.has(k)).length;
    perKind[kind] = { precision: f.length ? hits / f.length : 1, recall: t.length ? hits / t.length : 1 };
    expect(t.length, `${kind} injected`).toBeGreaterThan(0);
  }
  expect(perKind).toEqual(Object.fromEntries(FINDING_KINDS.map((k) => [k, { precision: 1, recall: 1 }])));
  expect([...found].sort()).toEqual([...expected].sort());
}
