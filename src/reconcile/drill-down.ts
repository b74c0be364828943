/**
 * Drills one mismatched (agency, metric) down to dossiers: lists the national side for the
 * agency, reads the store's side, finds each dossier that counts in the metric on one side
 * only, and names why.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding } from '../../schemas/report.js';
import type { NationalClient } from '../national/client.js';
import { agencyOfDossierCode } from '../normalise/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../normalise/dvcqg.js';
import { DAY_MS } from '../normalise/time.js';
import type { Store } from '../store/store.js';
import { toFinding } from './classify.js';
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
  const counts = (d: CanonicalDossier | undefined) =>
    d !== undefined && (procedure === null || d.procedure === procedure) && hasMetric(metricsOf(d, period, rules), metric);

  // Everything that can count in a period was received before its end; a day's margin on
  // both sides keeps dossiers whose dates were shifted across the boundary in view.
  const days = { start: period.start - (deps.lookbackDays + 1) * DAY_MS, end: period.end + DAY_MS };
  const nat = new Map<string, CanonicalDossier>();
  let unreadable = 0;
  for await (const page of national.list(agency, days, 'TiepNhan')) {
    for (const raw of page) {
      const d = nationalDossier(raw, agency);
      if (!d) unreadable++;
      else if (d.agency === agency) nat.set(d.code, d);
    }
  }

  const loc = new Map<string, CanonicalDossier>();
  for await (const batch of store.scanDossiers(key.province)) for (const d of batch) if (d.agency === agency) loc.set(d.code, d);

  const localOnly: string[] = [];
  const nationalOnly: string[] = [];
  for (const [code, d] of loc) if (counts(d) && !counts(nat.get(code))) localOnly.push(code);
  for (const [code, d] of nat) if (counts(d) && !counts(loc.get(code))) nationalOnly.push(code);

  // A dossier missing from the national list may still exist nationally under other dates.
  const unseen = localOnly.filter((c) => !nat.has(c));
  for (const raw of await national.lookup(agency, unseen)) {
    const d = nationalDossier(raw, agency);
    if (d) nat.set(d.code, d);
  }
  // A national dossier may be stored locally under another agency.
  const elsewhere = await store.getDossiers(key.province, nationalOnly.filter((c) => !loc.has(c)));
  for (const [code, d] of elsewhere) loc.set(code, d);

  const findings = [...localOnly, ...nationalOnly].sort().map((code) => toFinding(agency, metric, loc.get(code), nat.get(code)));
  return { findings, unreadable };
}
