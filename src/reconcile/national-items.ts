/**
 * The national items the explanation's pass reads (src/reconcile/gather.ts, src/reconcile/copies.ts):
 * a list item as a dossier, its code, and the calls to the portal kept in flight at once.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { BUILT_IN_CODE_FORMS, type CodeForms } from '../domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../dialects/dvcqg/normalise.js';

/**
 * A national list item as a dossier under `agency` (the agency it was listed under), unless
 * the item names its own (DonViXuLy, an agency code in one of `codes`). Undefined when it
 * cannot be read. With `submitted`, its submission date too (NgayNopHoSo, for the counting
 * variant keyed on it; src/reconcile/variants.ts).
 */
export function nationalDossier(
  raw: unknown,
  agency: string,
  submitted = false,
  codes: CodeForms = BUILT_IN_CODE_FORMS,
): CanonicalDossier | undefined {
  const n = normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP, agency, submitted, codes });
  return n.ok ? n.dossier : undefined;
}

/** The code (MaHoSo) of a national item, if it has one. */
export function itemCode(raw: unknown): string | undefined {
  const code = typeof raw === 'object' && raw !== null ? (raw as { MaHoSo?: unknown }).MaHoSo : undefined;
  return typeof code === 'string' ? code.trim() : undefined;
}

/** National calls kept in flight at once (lists, look-ups). */
export const NATIONAL_CONCURRENCY = 4;

/** `task` over every item, at most NATIONAL_CONCURRENCY at a time; results in the items' order. */
export async function inParallel<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(NATIONAL_CONCURRENCY, items.length) }, worker));
  return out;
}
