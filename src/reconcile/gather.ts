/**
 * The explanation pass of one province in a run: gathers each side once, then explains every
 * mismatched key from memory (src/reconcile/explain.ts). The cost grows with the province's
 * data, never with the number of mismatches:
 * - the store's dossiers of the province that can count in the period or were received a day
 *   either side of it, in one read of the open buckets, the closed twins that can still count
 *   in it and the buckets of those months (`Store.visitNear`), a step
 *   at a time (memory follows the period, not the province's history), while the national
 *   lists are read;
 * - the national list (DanhSachHoSo, by date of receipt, over the period and the lookback)
 *   once per agency that has a mismatch, or once for the province's root when the root itself
 *   has one (its list covers the whole province, so the others' would only repeat it);
 * - the two sides joined by code (src/reconcile/join.ts), the copies of the codes that may
 *   differ completed from agencies' own lists (src/reconcile/copies.ts): which agency holds
 *   each copy of a code the root's list shows twice, and an agency's own copy of a code listed
 *   only under others; one request per (agency, day), whatever the number of such codes;
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
import { DAY_MS, formatDay } from '../domain/time.js';
import type { Store } from '../store/store.js';
import { PermanentError, ServiceRefusal } from '../util/errors.js';
import { metricsOf, type CountingRules } from './counting.js';
import { type Period } from '../domain/period.js';
import { explainByRules, hasResidual, type RulesExplanation } from './drift.js';
import type { Tolerances } from './compare.js';
import { examinable, explain, type Gathered } from './explain.js';
import { Joining, narrowSides, type Apart } from './join.js';
import { joinSides } from './copies.js';
import { NATIONAL_CONCURRENCY, inParallel, itemCode, nationalDossier } from './national-items.js';
import type { LocalSide } from './local-side.js';
import type { StoreThread } from './store-thread.js';
import { readLocal, threadFor, type Days } from './read-local.js';
import { keptAt, keptCode, listPageReader, type KeptPage } from './list-pages.js';

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

/** Rounds of "what is still needed" after the lists: look-ups and stored dossiers, then look-ups of content matches. */
const MAX_ROUNDS = 3;

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
  const sides = await readSides(province, { deps, g, root, agencies, days, near, listed, capped, capReason });
  let { unreadable } = sides;
  const { local } = sides;
  const bits = (d: CanonicalDossier) => metricsOf(d, period, rules);
  const joined = await joinSides(deps, g, local, sides.joined, agencies, root);

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
  const gatheredNational = g.national; // the rules' pass, if any key is left with a residual, counts every gathered record
  g = { ...g, ...narrowSides(local, g.national, joined, bits, new Set(agencies)) };
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
  const ruled = hasResidual(out)
    ? explainByRules(widened({ ...g, local: local.toMap(), national: gatheredNational }, g), out, deps.tolerances)
    : { ...out, driftRules: [] };
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
  /** The process's store thread, when the pass uses it for this province (`threadFor`). */
  thread?: StoreThread;
  /** Takes a read page's kept dossiers into `g.national` (see readSides). */
  take: (page: KeptPage) => void;
}

/**
 * The store side (readLocal, returned) and the national lists (readLists, into `g.national`),
 * side by side: Redis is read while the portal answers. A national dossier kept only if the
 * store holds its code is, until the store has been read, held in its place in `g.national`,
 * and dropped then if the store does not hold it: the same dossiers, in the same order, as
 * reading the store first. Once the store is read, each national dossier is joined to it as
 * it comes (`Joining`, src/reconcile/join.ts): the join is ready when the lists end. Also
 * returns how many national items could not be read.
 */
async function readSides(
  province: string,
  c: Omit<Lists, 'take' | 'thread'>,
): Promise<{ unreadable: number; local: LocalSide; joined: Apart }> {
  const { g } = c;
  let stored: LocalSide | undefined;
  let joining: Joining | undefined; // the copies joined to the stored side as they come, once it is read
  const held = new Set<CanonicalDossier>();
  const take = (page: KeptPage) => {
    for (let i = 0; i < page.onlyIfStored.length; i++) {
      const only = page.onlyIfStored[i] === 1;
      if (only && stored && !stored.has(keptCode(page, i))) continue;
      const d = keptAt(page, i);
      if (only && !stored) held.add(d);
      g.national.push(d);
      joining?.add(d);
    }
  };
  const thread = await threadFor(c.deps, province, g.period);
  const local = readLocal(c.deps, province, g.period, c.near, thread).then((m) => {
    stored = m;
    if (held.size) g.national = g.national.filter((d) => !held.has(d) || m.has(d.code));
    held.clear();
    joining = new Joining(m, (d) => metricsOf(d, g.period, g.rules));
    for (const d of g.national) joining.add(d);
    return m;
  });
  const [read, listed] = await Promise.allSettled([local, readLists({ ...c, take, thread })]);
  if (read.status === 'rejected') throw read.reason;
  if (listed.status === 'rejected') throw listed.reason;
  return { unreadable: listed.value, local: read.value, joined: joining!.done() };
}

/**
 * The national lists, the root's alone when it has a mismatch (its list covers the province),
 * into `g.national`: each item that can explain something (src/reconcile/list-pages.ts).
 * Returns how many items could not be read.
 */
async function readLists(c: Lists): Promise<number> {
  const { deps, g, root, agencies, days, near, listed, capped, capReason, take } = c;
  const { period, rules } = g;
  const codes = formsOf(deps);
  let unreadable = 0;
  const lists = agencies.includes(root) ? [root] : agencies;
  // pages in flight per list: the calls in flight stay near NATIONAL_CONCURRENCY, at least one page ahead
  const depth = Math.max(2, Math.ceil(NATIONAL_CONCURRENCY / lists.length));
  await inParallel(lists, async (asked) => {
    let records = 0;
    const reader = listPageReader({ asked, root, period, rules, near, patterns: codes.patterns }, c.thread);
    try {
      if (capped()) throw new CapReached();
      for await (const page of deps.national.readList(
        asked,
        days,
        'TiepNhan',
        reader,
        LIST_PAGE,
        () => !capped(),
        depth,
      )) {
        records += page.records;
        unreadable += page.value.unreadable;
        take(page.value);
        if (page.records === LIST_PAGE && capped()) throw new CapReached(); // more to come, past the cap
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

class CapReached extends Error {}
