/**
 * The pages of the national lists the explanation's pass reads (src/reconcile/gather.ts), read
 * as the pass keeps them: each item parsed, made a dossier (`nationalDossier`) and kept when it
 * can explain something. At the size of a large province this is most of the pass's work (a
 * million records: parsing, normalising, filtering), and one core's work unless shared: while
 * the store thread (src/reconcile/store-thread.ts) has a page or two at most in hand, the next
 * page's bytes go to it, and it hands back the page's kept dossiers as columns
 * (src/store/columns.ts); the other pages are read here, as they come. Either way the pass
 * takes each page's kept dossiers in page order, so the result does not depend on which
 * thread read what.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { parseItems } from '../http/json-body.js';
import { codeForms, type CodeForms } from '../domain/codes.js';
import type { Period } from '../domain/period.js';
import { pageRead, type PageRead, type PageReader } from '../national/client.js';
import { ColumnWriter, dossierAt, type DossierColumns } from '../store/columns.js';
import { metricsOf, type CountingRules } from './counting.js';
import { itemCode, nationalDossier } from './national-items.js';
import { receivedIn, type Days } from './read-local.js';
import type { StoreThread } from './store-thread.js';
import { VariantCounter } from './variants.js';

/** What a list's page is read against: the list's agency, the province's root, the pass's period, rules and code forms. */
export interface ListContext {
  /** The agency whose list it is. */
  asked: string;
  root: string;
  period: Period;
  rules: CountingRules;
  /** Received from a day before the period to a day after it (kept whether it counts or not). */
  near: Days;
  /** `codes.agencyPatterns` of the configuration (`CodeForms.patterns`). */
  patterns: readonly string[];
}

/**
 * A page's kept dossiers, in the page's order: as objects (read here) or as columns (read in
 * the store thread). `onlyIfStored[i]`: the dossier can explain something only if the store
 * holds its code (the pass decides that once the store side is read). `unreadable`: items
 * that could not be read.
 */
export interface KeptPage {
  kept: CanonicalDossier[] | DossierColumns;
  onlyIfStored: Uint8Array;
  unreadable: number;
}

/**
 * Hands each item of a page that can explain something to `keep`, in order, with whether it
 * can only by meeting a stored dossier; returns how many items could not be read. What
 * neither counts (under the rules or a variant of them), nor was received near the period,
 * nor has a code naming a known agency, can explain something only if the store holds it.
 */
export function keepItems(
  raws: readonly unknown[],
  c: ListContext,
  codes: CodeForms,
  variants: VariantCounter,
  keep: (d: CanonicalDossier, onlyIfStored: boolean) => void,
): number {
  let unreadable = 0;
  for (const raw of raws) {
    const code = itemCode(raw);
    const named = code === undefined ? undefined : codes.agencyOfDossierCode(code);
    // from the root's list, a dossier belongs to the agency its code names
    const d = nationalDossier(raw, c.asked === c.root ? (named ?? c.root) : c.asked, true, codes);
    if (!d) {
      unreadable++;
      continue;
    }
    const wanted =
      metricsOf(d, c.period, c.rules) !== 0 ||
      receivedIn(d, c.near) ||
      (d.code === code ? named : codes.agencyOfDossierCode(d.code)) === undefined ||
      variants.sensitive(d);
    keep(d, !wanted);
  }
  return unreadable;
}

/** A page's items read here, as objects. */
function readHere(raws: readonly unknown[], c: ListContext, codes: CodeForms, variants: VariantCounter): KeptPage {
  const kept: CanonicalDossier[] = [];
  const only: number[] = [];
  const unreadable = keepItems(raws, c, codes, variants, (d, onlyIfStored) => {
    kept.push(d);
    only.push(onlyIfStored ? 1 : 0);
  });
  return { kept, onlyIfStored: Uint8Array.from(only), unreadable };
}

/** A page's items' bytes read as columns (in the store thread). */
export function readAsColumns(bytes: Uint8Array, c: ListContext): PageRead<KeptPage> {
  const raws = parseItems(bytes);
  const w = new ColumnWriter();
  const only: number[] = [];
  const unreadable = keepItems(raws, c, formsOf(c.patterns), new VariantCounter(c.period, c.rules), (d, o) => {
    w.push(d.code, d);
    only.push(o ? 1 : 0);
  });
  return pageRead(raws, { kept: w.columns(), onlyIfStored: Uint8Array.from(only), unreadable });
}

/** The code forms of each `codes.agencyPatterns` a thread has read pages with: one instance, its caches kept, not one a page. */
const forms = new Map<string, CodeForms>();
function formsOf(patterns: readonly string[]): CodeForms {
  const key = patterns.join('\n');
  return forms.get(key) ?? forms.set(key, codeForms(patterns)).get(key)!;
}

/** Pages the store thread may have in hand at once: more are read here. */
const THREAD_PAGES = 2;

/**
 * How the pass reads its list pages: with `thread`, each page's bytes go to it while it has
 * fewer than THREAD_PAGES in hand (a thread that fails leaves the page to be read here).
 */
export function listPageReader(c: ListContext, thread?: StoreThread): PageReader<KeptPage> {
  const codes = formsOf(c.patterns);
  const variants = new VariantCounter(c.period, c.rules);
  const items = (raws: unknown[]) => pageRead(raws, readHere(raws, c, codes, variants));
  return {
    items,
    bytes: (bytes) => {
      if (!thread || thread.pagesInHand >= THREAD_PAGES) return items(parseItems(bytes));
      return thread.readPage(bytes, c).catch(() => items(parseItems(bytes)));
    },
  };
}

/** The kept dossier of row `i` of a page. */
export function keptAt(page: KeptPage, i: number): CanonicalDossier {
  return Array.isArray(page.kept) ? page.kept[i]! : dossierAt(page.kept, i);
}

/** The code of row `i` of a page, without making its dossier. */
export function keptCode(page: KeptPage, i: number): string {
  return Array.isArray(page.kept) ? page.kept[i]!.code : page.kept.codes[i]!;
}
