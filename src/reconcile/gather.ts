/**
 * The explanation pass of one province in a run: gathers each side once, then explains every
 * mismatched key from memory (src/reconcile/explain.ts). The cost grows with the province's
 * data, never with the number of mismatches:
 * - the store's dossiers of the province that can count in the period or were received a day
 *   either side of it, in one read of the open buckets and the buckets of those months, a step
 *   at a time (memory follows the period, not the province's history), while the national
 *   lists are read;
 * - the national list (DanhSachHoSo, by date of receipt, over the period and the lookback)
 *   once per agency that has a mismatch, or once for the province's root when the root itself
 *   has one (its list covers the whole province, so the others' would only repeat it);
 * - a code listed more than once in the root's list: the examined agencies' lists on its days
 *   say which agency holds each copy (attributeRepeats);
 * - a code the store holds under an agency whose list was not read, listed only under others:
 *   that agency's list on its days says whether it holds a copy too (ownCopies); one request
 *   per (agency, day), whatever the number of such codes;
 * - then only what the explanation still needs: look-ups (TraCuuHoSo) of the codes the lists
 *   did not show, in calls of 100, and stored dossiers read by code.
 * A replaced code that names no agency is filed under the root, whose figures then differ too:
 * the root's list, read for its own mismatch, holds it.
 * A list that fails for one agency (an agency the portal does not know, say) leaves that
 * agency's keys unexplained, with why; so does the run's national record cap once reached.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Mismatch } from '../../schemas/report.js';
import { LIST_PAGE, type NationalClient } from '../national/client.js';
import { BUILT_IN_CODE_FORMS, rootAgency, type CodeForms } from '../domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../dialects/dvcqg/normalise.js';
import { DAY_MS, VN_OFFSET_MS, formatDay, vnDayNumber } from '../domain/time.js';
import type { Store } from '../store/store.js';
import { PermanentError, ServiceRefusal } from '../util/errors.js';
import { metricsOf, type CountingRules } from './counting.js';
import { type Period } from '../domain/period.js';
import { explainByRules, hasResidual, type RulesExplanation } from './drift.js';
import type { Tolerances } from './compare.js';
import { copiesByCode, examinable, explain, narrow, type Gathered } from './explain.js';
import { VariantCounter } from './variants.js';
import type { StoreThread } from './store-thread.js';
import { readLocal, receivedIn, type Days } from './read-local.js';

export interface GatherDeps {
  store: Store;
  /** The national client, metered for this province (`NationalClient.metered`). */
  national: NationalClient;
  rules: CountingRules;
  lookbackDays: number;
  /** National dossier records this province may still fetch in the run (Infinity: no cap). */
  recordBudget: number;
  /** The agency-code forms of the configuration (`codeForms(codes.agencyPatterns)`); default the built-in ones. */
  codes?: CodeForms;
  /** The comparison's tolerances (`tolerances`), for the rules' pass (src/reconcile/drift-fit.ts); default exact. */
  tolerances?: Tolerances;
  /**
   * The process's store thread (src/reconcile/store-thread.ts): from `threadFrom` buckets
   * (default THREAD_BUCKETS) the store side is read there, beside the national lists here.
   */
  thread?: () => StoreThread;
  threadFrom?: number;
}

/** The agency-code forms the pass reads codes by. */
const formsOf = (deps: GatherDeps): CodeForms => deps.codes ?? BUILT_IN_CODE_FORMS;

export interface ProvinceExplanation extends RulesExplanation {
  /** National items that could not be read (they are named in the log, not classified). */
  unreadable: number;
}

/** National calls kept in flight at once (lists, look-ups). */
const NATIONAL_CONCURRENCY = 4;
/** Rounds of "what is still needed" after the lists: look-ups and stored dossiers, then look-ups of content matches. */
const MAX_ROUNDS = 3;

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

function itemCode(raw: unknown): string | undefined {
  const code = typeof raw === 'object' && raw !== null ? (raw as { MaHoSo?: unknown }).MaHoSo : undefined;
  return typeof code === 'string' ? code.trim() : undefined;
}

function nothingGathered(period: Period, rules: CountingRules): Gathered {
  return {
    period,
    rules,
    local: new Map(),
    national: [],
    asked: { lookups: new Set(), store: new Set() },
    unexamined: new Map(),
    examined: new Map(),
  };
}

export async function explainProvince(
  deps: GatherDeps,
  province: string,
  period: Period,
  mismatches: Mismatch[],
): Promise<ProvinceExplanation> {
  const { store, national, rules } = deps;
  const forms = formsOf(deps);
  const root = rootAgency(province);
  const agencies = [...new Set(mismatches.filter(examinable).map((m) => m.agency))].sort();
  const examined = new Set(agencies);
  const rootListed = agencies.includes(root);
  let g = nothingGathered(period, rules);
  if (agencies.length === 0) return { ...explain(g, mismatches, forms), driftRules: [], unreadable: 0 };

  const capReason = () =>
    `national record cap reached (national.maxRecordsPerRun): stopped after ${national.load.records} records for ${province}`;
  const capped = () => national.load.records >= deps.recordBudget;
  // Dossiers received in the period, or a day either side, are kept whether they count or not:
  // the other side's copy of one of them may count.
  const near = { start: period.start - DAY_MS, end: period.end + DAY_MS };

  // Everything that can count in a period was received before its end; a day's margin on
  // both sides keeps dossiers whose dates were shifted across the boundary in view.
  const days = { start: period.start - (deps.lookbackDays + 1) * DAY_MS, end: period.end + DAY_MS };
  const window = `${formatDay(days.start)}..${formatDay(days.end - DAY_MS)}`;
  const listed = new Map<string, number>();
  let unreadable = await readSides(province, { deps, g, root, agencies, days, near, listed, capped, capReason });
  const copiesOf = copiesByCode(g.national); // codes only: attributeRepeats moves copies between agencies, not codes
  if (rootListed && !g.unexamined.has(root))
    await attributeRepeats(
      deps,
      copiesOf,
      agencies.filter((a) => a !== root),
    );
  else if (!rootListed) await ownCopies(deps, g, copiesOf, examined, root);

  const lookedUp = new Map<string, number>();
  const describe = () => {
    for (const a of agencies) {
      const from = rootListed ? root : a;
      const parts = [
        `national list of ${from}${from === root ? ' (the whole province)' : ''}, ${window}, ${listed.get(from) ?? 0} records`,
      ];
      parts.push(`${lookedUp.get(a) ?? 0} look-ups`);
      g.examined.set(a, parts.join('; '));
    }
  };

  // from here on, only the differences and their candidates for a match across codes
  const all = g; // the rules' pass, if any key is left with a residual, counts every gathered record
  g = narrow(g, copiesOf, examined);
  describe();
  let out = explain(g, mismatches, forms);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { lookups, store: codes } = out.needs;
    if (lookups.length + codes.length === 0) break;
    if (codes.length) {
      for (const [code, d] of await store.getDossiers(province, codes)) g.local.set(code, d);
      for (const c of codes) g.asked.store.add(c);
    }
    const copied = new Set(g.national.map((n) => n.code));
    const chunks: string[][] = [];
    for (let i = 0; i < lookups.length; i += 100) chunks.push(lookups.slice(i, i + 100));
    await inParallel(chunks, async (chunk) => {
      if (capped()) {
        for (const c of chunk) g.unexamined.set(g.local.get(c)?.agency ?? root, capReason());
        return;
      }
      const failed = await lookUpChunk(national, root, chunk, g, copied, lookedUp, forms);
      unreadable += failed;
    });
    describe();
    out = explain(g, mismatches, forms);
  }
  // what the dossiers leave unexplained, a counting rule of the portal's may account for
  const ruled = hasResidual(out) ? explainByRules(widened(all, g), out, deps.tolerances) : { ...out, driftRules: [] };
  return { ...ruled, unreadable };
}

/**
 * Looks up one chunk of codes (TraCuuHoSo) and adds the national copies not yet gathered to `g`,
 * counting the look-ups per agency in `lookedUp`. Returns how many items could not be read.
 */
async function lookUpChunk(
  national: NationalClient,
  root: string,
  chunk: string[],
  g: Gathered,
  copied: Set<string>,
  lookedUp: Map<string, number>,
  codes: CodeForms,
): Promise<number> {
  let unreadable = 0;
  for (const raw of await national.lookup(root, chunk)) {
    const code = itemCode(raw);
    const owner = code === undefined ? undefined : g.local.get(code)?.agency;
    const d = nationalDossier(raw, (code && codes.agencyOfDossierCode(code)) ?? owner ?? root, true, codes);
    if (!d) unreadable++;
    else if (!copied.has(d.code)) {
      copied.add(d.code);
      g.national.push(d);
    }
  }
  for (const c of chunk) {
    g.asked.lookups.add(c);
    const a = g.local.get(c)?.agency;
    if (a !== undefined) lookedUp.set(a, (lookedUp.get(a) ?? 0) + 1);
  }
  return unreadable;
}

/** The whole gathered data, with what the rounds added to its narrowed form (look-ups, stored dossiers read by code). */
function widened(all: Gathered, narrowed: Gathered): Gathered {
  const had = new Set(all.national);
  for (const n of narrowed.national) if (!had.has(n)) all.national.push(n);
  for (const [code, d] of narrowed.local) if (!all.local.has(code)) all.local.set(code, d);
  return { ...narrowed, local: all.local, national: all.national };
}

interface Lists {
  deps: GatherDeps;
  g: Gathered;
  root: string;
  agencies: string[];
  days: { start: number; end: number };
  /** Received from a day before the period to a day after it: kept whether it counts or not (`receivedIn`). */
  near: Days;
  /** Records listed, per agency whose list was read. */
  listed: Map<string, number>;
  capped: () => boolean;
  capReason: () => string;
  /** Whether a national item meets a stored dossier (see readSides). */
  meets: (d: CanonicalDossier) => boolean;
}

/**
 * The store side (readLocal) into `g.local` and the national lists (readLists) into
 * `g.national`, side by side: Redis is read while the portal answers. A national item kept
 * only because the store holds its code is, until the store has been read, held in its place
 * in `g.national`, and dropped then if the store does not hold it: the same items, in the same
 * order, as reading the store first. Returns how many national items could not be read.
 */
async function readSides(province: string, c: Omit<Lists, 'meets'>): Promise<number> {
  const { g } = c;
  let stored: Map<string, CanonicalDossier> | undefined;
  const held = new Set<CanonicalDossier>();
  const meets = (d: CanonicalDossier): boolean => {
    if (stored) return stored.has(d.code);
    held.add(d);
    return true;
  };
  const local = readLocal(c.deps, province, g.period, c.near).then((m) => {
    stored = g.local = m;
    if (held.size) g.national = g.national.filter((d) => !held.has(d) || m.has(d.code));
    held.clear();
  });
  const [read, listed] = await Promise.allSettled([local, readLists({ ...c, meets })]);
  if (read.status === 'rejected') throw read.reason;
  if (listed.status === 'rejected') throw listed.reason;
  return listed.value;
}

/**
 * The national lists, the root's alone when it has a mismatch (its list covers the province),
 * into `g.national`: each item that can explain something. Returns how many items could not
 * be read.
 */
async function readLists(c: Lists): Promise<number> {
  const { deps, g, root, agencies, days, near, listed, capped, capReason, meets } = c;
  const { period, rules } = g;
  const codes = formsOf(deps);
  const variants = new VariantCounter(period, rules); // a record only a variant counts may explain a key too
  let unreadable = 0;
  const lists = agencies.includes(root) ? [root] : agencies;
  // pages in flight per list: the calls in flight stay near NATIONAL_CONCURRENCY, at least one page ahead
  const depth = Math.max(2, Math.ceil(NATIONAL_CONCURRENCY / lists.length));
  await inParallel(lists, async (asked) => {
    let records = 0;
    try {
      if (capped()) throw new CapReached();
      for await (const page of deps.national.list(asked, days, 'TiepNhan', LIST_PAGE, () => !capped(), depth)) {
        records += page.length;
        for (const raw of page) {
          const code = itemCode(raw);
          // from the root's list, a dossier belongs to the agency its code names
          const agency = asked === root ? ((code && codes.agencyOfDossierCode(code)) ?? root) : asked;
          const d = nationalDossier(raw, agency, true, codes);
          if (!d) unreadable++;
          // what neither counts nor meets a stored dossier cannot explain anything
          else if (
            metricsOf(d, period, rules) !== 0 ||
            receivedIn(d, near) ||
            codes.agencyOfDossierCode(d.code) === undefined ||
            variants.sensitive(d) ||
            meets(d)
          )
            g.national.push(d);
        }
        if (page.length === LIST_PAGE && capped()) throw new CapReached(); // more to come, past the cap
      }
      listed.set(asked, records);
    } catch (err) {
      // the portal refusing this list (an agency it does not know, say) costs this agency its
      // explanation; a network failure or a shutdown fails the pass, to be tried again
      if (!(err instanceof CapReached || err instanceof ServiceRefusal || err instanceof PermanentError)) throw err;
      const why = err instanceof CapReached ? capReason() : `national list of ${asked} failed: ${err.message}`;
      for (const a of asked === root ? agencies : [asked]) g.unexamined.set(a, why);
    }
  });
  return unreadable;
}

/**
 * The root's list names no agency, so each of its items was put under the agency its code
 * names. A code listed more than once may be under two agencies (the portal counting one copy
 * at each): each examined agency's list on the days of such codes says which agency holds a
 * copy, and one copy moves there. A day's list of one agency per request, only for repeats.
 */
async function attributeRepeats(
  deps: GatherDeps,
  copies: Map<string, CanonicalDossier[]>,
  agencies: string[],
): Promise<void> {
  const repeated: CanonicalDossier[][] = [];
  for (const list of copies.values()) if (list.length > 1) repeated.push(list);
  const days = [
    ...new Set(
      repeated.flatMap((list) => list.flatMap((n) => (n.receivedAt === null ? [] : [vnDayNumber(n.receivedAt)]))),
    ),
  ];
  const asks = agencies.flatMap((agency) => days.map((day) => ({ agency, day })));
  const moved = new Set<CanonicalDossier>();
  await inParallel(asks, async ({ agency, day }) => {
    if (deps.national.load.records >= deps.recordBudget) return; // past the cap: left as the codes say
    const start = day * DAY_MS - VN_OFFSET_MS;
    for await (const page of deps.national.list(agency, { start, end: start + DAY_MS }, 'TiepNhan')) {
      for (const raw of page) {
        const list = copies.get(itemCode(raw) ?? '');
        if (!list || list.length < 2 || list.some((n) => n.agency === agency && moved.has(n))) continue;
        const copy = list.find((n) => !moved.has(n) && n.agency !== agency);
        if (copy && list.filter((n) => n.agency === copy.agency).length > 1) {
          copy.agency = agency;
          moved.add(copy);
        }
      }
    }
  });
}

/**
 * A code the store holds under one agency and the portal listed only under others, when that
 * agency's own list was not read (neither it nor the root has a mismatch): a dossier moved to
 * another agency, or a second copy there (docs/domain.md, Duplicates on the portal). That
 * agency's list (by date of receipt) on the code's days of receipt says which: each copy it
 * shows joins the gathered copies, under that agency. One request per (agency, day), shared by
 * every such code, never one per code: the cost is bounded by the distinct (agency, day) pairs,
 * and only codes counted on some side are asked about. The root's list holds the whole
 * province: only the copies it shows beyond those already gathered that day are its own.
 * Past the record cap, or where the portal refuses the list, the codes stay as they are.
 */
async function ownCopies(
  deps: GatherDeps,
  g: Gathered,
  copies: Map<string, CanonicalDossier[]>,
  read: ReadonlySet<string>,
  root: string,
): Promise<void> {
  const counted = (d: CanonicalDossier) => metricsOf(d, g.period, g.rules) !== 0;
  const forms = formsOf(deps);
  const wanted = new Map<string, { agency: string; day: number; codes: Set<string> }>();
  for (const [code, list] of copies) {
    const l = g.local.get(code);
    if (!l || read.has(l.agency) || list.some((n) => n.agency === l.agency)) continue;
    if (!counted(l) && !list.some(counted)) continue; // counted nowhere: explains nothing
    for (const d of [l, ...list]) {
      if (d.receivedAt === null) continue;
      const day = vnDayNumber(d.receivedAt);
      const k = `${l.agency}|${day}`;
      (wanted.get(k) ?? wanted.set(k, { agency: l.agency, day, codes: new Set() }).get(k)!).codes.add(code);
    }
  }
  const added = new Set<CanonicalDossier>();
  await inParallel([...wanted.values()], async ({ agency, day, codes }) => {
    if (deps.national.load.records >= deps.recordBudget) return; // past the cap: left as they are
    const start = day * DAY_MS - VN_OFFSET_MS;
    const shown = new Map<string, unknown[]>();
    try {
      for await (const page of deps.national.list(agency, { start, end: start + DAY_MS }, 'TiepNhan'))
        for (const raw of page) {
          const code = itemCode(raw);
          if (code !== undefined && codes.has(code)) (shown.get(code) ?? shown.set(code, []).get(code)!).push(raw);
        }
    } catch (err) {
      if (err instanceof ServiceRefusal || err instanceof PermanentError) return; // refused: left as they are
      throw err;
    }
    for (const [code, raws] of shown) {
      const list = copies.get(code)!;
      const sameDay = (n: CanonicalDossier) =>
        !added.has(n) && n.receivedAt !== null && vnDayNumber(n.receivedAt) === day;
      for (const raw of agency === root ? raws.slice(list.filter(sameDay).length) : raws) {
        const d = nationalDossier(
          raw,
          agency === root ? (forms.agencyOfDossierCode(code) ?? root) : agency,
          true,
          forms,
        );
        if (!d) continue;
        added.add(d);
        list.push(d);
        g.national.push(d);
      }
    }
  });
}

class CapReached extends Error {}

/** `task` over every item, at most NATIONAL_CONCURRENCY at a time; results in the items' order. */
async function inParallel<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
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
