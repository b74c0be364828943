/**
 * Drills one mismatched (agency, metric) down to dossiers: lists the national side for the
 * agency, reads the store's side, finds each dossier that counts in the metric on one side
 * only, and names why (src/reconcile/classify.ts).
 *
 * A code found on one side only is matched by content (`sameContent`) against the other
 * side's codes before it is called missing:
 * - a local-only code is looked up nationally; if absent, it is compared with the national
 *   codes of the agency that are not in the store, and with the national codes that name no
 *   agency, received the same day, which the portal files under the province's root agency;
 *   a match is a replaced code (code_divergence, for the local code);
 * - a national-only code is compared with the agency's stored dossiers (and, for a code that
 *   names no agency, with the whole province's); a match whose own code is also national
 *   makes it a duplicate_national, a match whose own code is not makes it the replaced code of
 *   that dossier (the code_divergence finding is for the local code and its agency).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding } from '../../schemas/report.js';
import type { NationalClient } from '../national/client.js';
import { agencyOfDossierCode, rootAgency } from '../normalise/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../normalise/dvcqg.js';
import { DAY_MS, VN_OFFSET_MS, vnDayNumber } from '../normalise/time.js';
import type { Store } from '../store/store.js';
import { sameContent, toFinding } from './classify.js';
import { hasMetric, metricsOf, type CountingRules, type Metric, type Period } from './counting.js';

export interface DrillDeps {
  store: Store;
  national: NationalClient;
  rules: CountingRules;
  lookbackDays: number;
}

export interface DrillKey {
  province: string;
  agency: string;
  /** Only dossiers of this procedure; null for the agency's total. */
  procedure: string | null;
  metric: Metric;
  period: Period;
}

export interface DrillResult {
  findings: Finding[];
  /** National items that could not be read (they are named in the log, not classified). */
  unreadable: number;
}

/**
 * National list items name no agency: a dossier belongs to the agency its code starts with,
 * or else to the agency that was asked for (a root agency's list covers its whole province).
 */
function nationalDossier(raw: unknown, asked: string): CanonicalDossier | undefined {
  const code = typeof raw === 'object' && raw !== null ? (raw as { MaHoSo?: unknown }).MaHoSo : undefined;
  const agency = (typeof code === 'string' ? agencyOfDossierCode(code.trim()) : undefined) ?? asked;
  const n = normaliseDvcqg(raw, { statusMap: IDENTITY_STATUS_MAP, agency });
  return n.ok ? n.dossier : undefined;
}

export async function drillDown(deps: DrillDeps, key: DrillKey): Promise<DrillResult> {
  const { store, national, rules } = deps;
  const { agency, procedure, metric, period } = key;
  const root = rootAgency(key.province);
  const counts = (d: CanonicalDossier | undefined) =>
    d !== undefined && (procedure === null || d.procedure === procedure) && hasMetric(metricsOf(d, period, rules), metric);

  // Everything that can count in a period was received before its end; a day's margin on
  // both sides keeps dossiers whose dates were shifted across the boundary in view.
  const days = { start: period.start - (deps.lookbackDays + 1) * DAY_MS, end: period.end + DAY_MS };
  // The national list and the store's side are read at the same time: one waits on the portal, the other on Redis.
  const nat = new Map<string, CanonicalDossier>();
  let unreadable = 0;
  const loc = new Map<string, CanonicalDossier>();
  await Promise.all([
    (async () => {
      for await (const page of national.list(agency, days, 'TiepNhan')) {
        for (const raw of page) {
          const d = nationalDossier(raw, agency);
          if (!d) unreadable++;
          else if (d.agency === agency) nat.set(d.code, d);
        }
      }
    })(),
    (async () => {
      for await (const batch of store.scanDossiers(key.province)) for (const d of batch) if (d.agency === agency) loc.set(d.code, d);
    })(),
  ]);

  const localOnly: string[] = [];
  const nationalOnly: string[] = [];
  for (const [code, d] of loc) if (counts(d) && !counts(nat.get(code))) localOnly.push(code);
  for (const [code, d] of nat) if (counts(d) && !counts(loc.get(code))) nationalOnly.push(code);

  // A dossier missing from the national list may still exist nationally under other dates.
  const unseen = localOnly.filter((c) => !nat.has(c));
  for (const raw of await lookupAll(national, agency, unseen)) {
    const d = nationalDossier(raw, agency);
    if (d) nat.set(d.code, d);
  }
  // A national dossier may be stored locally under another agency.
  const elsewhere = await store.getDossiers(key.province, nationalOnly.filter((c) => !loc.has(c)));
  for (const [code, d] of elsewhere) loc.set(code, d);

  const found = new Map<string, Finding>();
  const add = (f: Finding) => {
    if (!found.has(f.dossierCode)) found.set(f.dossierCode, f);
  };

  // The same code on both sides.
  for (const code of [...localOnly, ...nationalOnly]) {
    const l = loc.get(code);
    const n = nat.get(code);
    if (l && n) add(toFinding(agency, metric, l, n));
  }

  // National-only codes with no stored dossier: a duplicate, a replaced code, or missing locally.
  const orphansNational = nationalOnly.filter((c) => !loc.has(c)).map((c) => nat.get(c)!);
  const matchOf = new Map<CanonicalDossier, CanonicalDossier>();
  const stored = [...loc.values()];
  for (const n of orphansNational) {
    const l = firstMatch(stored, (d) => d.code !== n.code && sameContent(d, n));
    if (l) matchOf.set(n, l);
  }
  const farOff = orphansNational.filter((n) => !matchOf.has(n) && agencyOfDossierCode(n.code) === undefined);
  if (farOff.length) {
    // A code that names no agency may be any agency's dossier of the province.
    for await (const batch of store.scanDossiers(key.province))
      for (const d of batch)
        for (const n of farOff) {
          const seen = matchOf.get(n);
          if (d.code !== n.code && sameContent(d, n) && (!seen || d.code < seen.code)) matchOf.set(n, d);
        }
  }
  const present = await presentNationally(deps, agency, [...matchOf.values()].map((d) => d.code), nat);
  for (const n of orphansNational) {
    const l = matchOf.get(n);
    if (!l) add(toFinding(agency, metric, undefined, n));
    else if (present.has(l.code)) add(toFinding(agency, metric, l, n, { localCodeNational: true }));
    else add(toFinding(l.agency, metric, l, n));
  }

  // Local-only codes absent nationally: a replaced code, or missing nationally.
  const orphansLocal = localOnly.filter((c) => !nat.has(c)).map((c) => loc.get(c)!);
  if (orphansLocal.length) {
    const candidates = [...nat.values()].filter((n) => !loc.has(n.code));
    if (agency !== root) {
      // national codes naming no agency are filed under the root: list it on those days
      const wanted = new Set(orphansLocal.map((l) => vnDayNumber(l.receivedAt!)));
      const perDay = await inParallel([...wanted].sort((x, y) => x - y), async (day) => {
        const start = day * DAY_MS - VN_OFFSET_MS;
        const found: CanonicalDossier[] = [];
        for await (const page of national.list(root, { start, end: start + DAY_MS }, 'TiepNhan')) {
          for (const raw of page) {
            const d = nationalDossier(raw, root);
            if (!d) unreadable++;
            else if (agencyOfDossierCode(d.code) === undefined) found.push(d);
          }
        }
        return found;
      });
      for (const found of perDay) candidates.push(...found);
    }
    // only national codes the store does not hold (under any agency) can be another code of a local dossier
    const held = await store.getDossiers(key.province, candidates.map((n) => n.code));
    const free = candidates.filter((n) => !held.has(n.code));
    for (const l of orphansLocal) {
      const n = firstMatch(free, (d) => sameContent(l, d));
      add(n ? toFinding(agency, metric, l, n) : toFinding(agency, metric, l, undefined));
    }
  }

  const findings = [...found.values()].sort((a, b) => (a.dossierCode < b.dossierCode ? -1 : a.dossierCode > b.dossierCode ? 1 : 0));
  return { findings, unreadable };
}

/** National calls a drill-down keeps in flight at once (look-ups, per-day lists). */
const NATIONAL_CONCURRENCY = 4;

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

/** `national.lookup` of many codes, in calls of at most 100 run side by side; results in the codes' order. */
async function lookupAll(national: NationalClient, agency: string, codes: string[]): Promise<unknown[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < codes.length; i += 100) chunks.push(codes.slice(i, i + 100));
  return (await inParallel(chunks, (chunk) => national.lookup(agency, chunk))).flat();
}

/** The one of `list` passing `test` with the smallest code, if any. */
function firstMatch(list: readonly CanonicalDossier[], test: (d: CanonicalDossier) => boolean): CanonicalDossier | undefined {
  let best: CanonicalDossier | undefined;
  for (const d of list) if (test(d) && (!best || d.code < best.code)) best = d;
  return best;
}

/** Which of these codes the national portal holds (from what was listed, else looked up). */
async function presentNationally(deps: DrillDeps, agency: string, codes: string[], listed: Map<string, CanonicalDossier>): Promise<Set<string>> {
  const out = new Set(codes.filter((c) => listed.has(c)));
  const rest = [...new Set(codes.filter((c) => !out.has(c)))];
  if (rest.length === 0) return out;
  for (const raw of await lookupAll(deps.national, agency, rest)) {
    const code = typeof raw === 'object' && raw !== null ? (raw as { MaHoSo?: unknown }).MaHoSo : undefined;
    if (typeof code === 'string') out.add(code.trim());
  }
  return out;
}
