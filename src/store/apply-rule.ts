import type { CanonicalDossier } from '../../schemas/dossier.js';

/**
 * The apply rule played without writing, for dry runs: records in order, each applied when its
 * code is new or its update time (whole seconds, as stored) is later than the stored version or
 * than the last one played here; otherwise unchanged. Remembers the codes it has played.
 */
export class ApplyRule {
  private readonly latest = new Map<string, number>();

  /** @param versions the stored versions of codes, as `Store.versions` */
  constructor(private readonly versions: (codes: string[]) => Promise<Map<string, number>>) {}

  async play(dossiers: CanonicalDossier[]): Promise<{ applied: number; unchanged: number }> {
    const stored = await this.versions([...new Set(dossiers.map((d) => d.code).filter((c) => !this.latest.has(c)))]);
    let applied = 0;
    for (const d of dossiers) {
      const version = Math.floor(d.updatedAt / 1000);
      const old = this.latest.get(d.code) ?? stored.get(d.code);
      if (old !== undefined && version <= old) continue;
      this.latest.set(d.code, version);
      applied++;
    }
    return { applied, unchanged: dossiers.length - applied };
  }
}
