/**
 * The national copies of the codes that may differ (src/reconcile/join.ts), completed from the
 * agencies' own lists where the lists read leave them in doubt: which agency holds each copy
 * of a code the root's list shows twice (attributeRepeats), and an agency's own copies of a
 * code listed only under others (ownCopies). Part of the explanation's pass
 * (src/reconcile/gather.ts).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { BUILT_IN_CODE_FORMS } from '../domain/codes.js';
import { DAY_MS, VN_OFFSET_MS, vnDayNumber } from '../domain/time.js';
import { PermanentError, ServiceRefusal } from '../util/errors.js';
import { metricsOf } from './counting.js';
import type { Gathered } from './explain.js';
import type { GatherDeps } from './gather.js';
import type { Apart } from './join.js';
import type { LocalSide } from './local-side.js';
import { inParallel, itemCode, nationalDossier } from './national-items.js';

/**
 * The sides joined by code (src/reconcile/join.ts, `joined`: the codes that may differ, with
 * their copies), completed from the agencies' own lists where the root's list or an agency's
 * own copies leave them in doubt (attributeRepeats, ownCopies).
 */
export async function joinSides(
  deps: GatherDeps,
  g: Gathered,
  local: LocalSide,
  joined: Apart,
  agencies: string[],
  root: string,
): Promise<Apart> {
  if (!agencies.includes(root)) await ownCopies(deps, g, local, joined.copies, new Set(agencies), root);
  else if (!g.unexamined.has(root))
    await attributeRepeats(
      deps,
      joined.copies,
      agencies.filter((a) => a !== root),
    );
  return joined;
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
  ].sort((x, y) => x - y);
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
  local: LocalSide,
  copies: Map<string, CanonicalDossier[]>,
  read: ReadonlySet<string>,
  root: string,
): Promise<void> {
  const counted = (d: CanonicalDossier) => metricsOf(d, g.period, g.rules) !== 0;
  const forms = deps.codes ?? BUILT_IN_CODE_FORMS;
  const wanted = new Map<string, { agency: string; day: number; codes: Set<string> }>();
  for (const [code, list] of copies) {
    const l = local.get(code);
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
