import type { CanonicalDossier } from '../../schemas/dossier.js';
import { readableVersion } from './pack.js';

/** What the rule reads of a province's store: its stored versions (`Store.versions`) and the bound (`Store.latestVersion`). */
export interface StoredVersions {
  versions(codes: string[]): Promise<Map<string, number>>;
  latestVersion(): number;
}

/**
 * The apply rule played without writing, for dry runs: records in order, each applied when its
 * code is new or its update time (whole seconds, as stored) is later than the stored version or
 * than the last one played here; otherwise unchanged. A version after the rule's bound (now +
 * the clock skew, `Store.latestVersion`) is unreadable, older than any record, as the apply
 * script reads it. Remembers the codes it has played.
 */
export class ApplyRule {
  private readonly latest = new Map<string, number>();

  /** @param stored read once per `play`: the versions of its new codes, and the bound */
  constructor(private readonly stored: StoredVersions) {}

  async play(dossiers: CanonicalDossier[]): Promise<{ applied: number; unchanged: number }> {
    const codes = new Set(dossiers.map((d) => d.code).filter((c) => !this.latest.has(c)));
    const stored = await this.stored.versions([...codes]);
    const bound = this.stored.latestVersion();
    let applied = 0;
    for (const d of dossiers) {
      const version = Math.floor(d.updatedAt / 1000);
      const old = this.latest.get(d.code) ?? stored.get(d.code);
      if (old !== undefined && readableVersion(version, bound) <= readableVersion(old, bound)) continue;
      this.latest.set(d.code, version);
      applied++;
    }
    return { applied, unchanged: dossiers.length - applied };
  }
}
