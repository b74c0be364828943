/**
 * Quarantined items run again through the source's normaliser, as the configuration is now:
 * once a mapping task is done (a vendor status added to `statusMap`, a procedure code mapped),
 * the items it held back leave the quarantine and their records are applied, under the same
 * rule as a sync's (never over a newer stored version). Items that still fail stay, and are
 * counted by the reason they fail for now.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { ApplyRule, type Store } from '../store/store.js';
import type { SourceAdapter } from './source.js';

export interface ReprocessOutcome {
  examined: number;
  /** Items that now normalise: released from the quarantine (or, in a dry run, that would be). */
  released: number;
  /** Of those, records applied to the store (new, or newer than the stored version). */
  applied: number;
  /** Of those, records the store already holds in the same or a newer version. */
  unchanged: number;
  /** Items that still fail, per the reason they fail for now. */
  still: Record<string, number>;
}

export async function reprocessQuarantine(
  adapter: Pick<SourceAdapter, 'normalise'>,
  store: Pick<Store, 'scanQuarantine' | 'releaseQuarantined' | 'versions' | 'latestVersion'>,
  source: { id: string; province: string },
  opts: { dryRun?: boolean } = {},
): Promise<ReprocessOutcome> {
  const out: ReprocessOutcome = { examined: 0, released: 0, applied: 0, unchanged: 0, still: {} };
  const seen = new Set<string>(); // a scan may return an item twice
  const rule = new ApplyRule({
    versions: (codes) => store.versions(source.province, codes),
    latestVersion: () => store.latestVersion(),
  }); // a dry run's
  for await (const batch of store.scanQuarantine(source.province, source.id)) {
    const pass: { key: string; reason: string; dossier: CanonicalDossier }[] = [];
    for (const { key, entry } of batch) {
      if (seen.has(key)) continue;
      seen.add(key);
      out.examined++;
      if (entry.truncated) {
        // only the start of it was kept: it stays, with its reason
        out.still[entry.reason] = (out.still[entry.reason] ?? 0) + 1;
        continue;
      }
      const n = adapter.normalise(entry.raw);
      if (n.ok) pass.push({ key, reason: entry.reason, dossier: n.dossier });
      else out.still[n.reason] = (out.still[n.reason] ?? 0) + 1;
    }
    const r = opts.dryRun
      ? { released: pass.length, ...(await rule.play(pass.map((p) => p.dossier))) }
      : await store.releaseQuarantined(source.province, source.id, pass);
    out.released += r.released;
    out.applied += r.applied;
    out.unchanged += r.unchanged;
  }
  return out;
}
