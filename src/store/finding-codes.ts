/**
 * The codes a run's findings name, so that a dossier's page (`/dossiers/:code`) reads only the
 * findings that name its code. A dossier finding is stored under its own code (the field of
 * `Keys.runFindings`); the other codes it names, its code on either side when that differs
 * (a replaced code), are kept in a small hash per run and province (`Keys.runFindingCodes`):
 * each such code to the fields of the findings that name it, written in the same MULTI as the
 * findings (src/store/runs.ts `setExplanation`). A province whose findings were stored before
 * that hash was kept has no `INDEX_KEPT` field: its findings are read whole.
 */
import { isDossierFinding, type Finding } from '../../schemas/report.js';
import { tupleKey } from '../util/tuple-key.js';

/** The field that says a province's codes are kept: written with its findings. */
export const INDEX_KEPT = '*';

/** A code's field in the index (never `INDEX_KEPT`). */
export const codeField = (code: string): string => tupleKey(code);

/** Every code a dossier finding names: its own, and its code on either side (they differ for a replaced code). */
export function codesNamed(f: Finding): string[] {
  if (!isDossierFinding(f)) return [];
  const codes = [f.dossierCode, f.evidence.local?.code, f.evidence.national?.code];
  return [...new Set(codes.filter((c): c is string => c !== undefined))];
}

/** The index of findings stored by field: each code a finding names besides its own, to their fields. */
export function indexOf(byField: ReadonlyMap<string, Finding>): Record<string, string> {
  const fields = new Map<string, string[]>();
  for (const [field, f] of byField) {
    for (const code of codesNamed(f).filter((c) => c !== f.dossierCode))
      fields.set(code, [...(fields.get(code) ?? []), field]);
  }
  return Object.fromEntries([
    [INDEX_KEPT, '1'],
    ...[...fields].map(([code, list]) => [codeField(code), JSON.stringify(list)]),
  ]);
}

/** The order of a province's findings in its report: by agency, then dossier code, then field. */
export function byAgencyAndCode([fa, a]: [string, Finding], [fb, b]: [string, Finding]): number {
  return a.agency.localeCompare(b.agency) || a.dossierCode.localeCompare(b.dossierCode) || fa.localeCompare(fb);
}
