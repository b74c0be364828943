/**
 * A sync's dry run: pulls a source's window page by page and normalises every item as the
 * sync does, then says what the sync would apply, leave unchanged and quarantine (by reason).
 * It writes nothing: no dossier, no checkpoint, no quarantine entry. Unlike the sync it keeps
 * the codes it has pulled in memory (about 100 bytes each), to count a record met again later
 * in the window as the sync would: a night's window is small, a year's backfill of a large
 * province is not.
 */
import { ApplyRule, type StoredVersions } from '../store/store.js';
import { PullGuard } from './progress.js';
import { DEFAULT_PULL_LIMITS, fetchGuarded, normalisePage, type SourceAdapter, type Window } from './source.js';

export interface SyncPreview {
  window: { from: string; to: string };
  pages: number;
  pulled: number;
  /** New codes, or records updated after the stored (or an earlier pulled) version. */
  applied: number;
  unchanged: number;
  quarantined: number;
  /** Quarantined items per reason, most frequent first. */
  reasons: Record<string, number>;
}

/**
 * @param stored the province's stored versions and the version rule's bound, as the store reads them
 * @param onPage called with the number of pages read so far
 */
export async function previewSync(
  adapter: Pick<SourceAdapter, 'id' | 'fetchPage' | 'normalise' | 'itemKey' | 'limits'>,
  window: Window,
  stored: StoredVersions,
  onPage: (pages: number) => void = () => {},
): Promise<SyncPreview> {
  const rule = new ApplyRule(stored);
  const reasons = new Map<string, number>();
  let pages = 0,
    pulled = 0,
    applied = 0,
    quarantined = 0;
  let cursor: unknown = null;
  const guard = new PullGuard(adapter.id, (adapter.limits ?? DEFAULT_PULL_LIMITS).maxPages);
  for (;;) {
    const page = await fetchGuarded(adapter, guard, window, cursor);
    pages++;
    pulled += page.items.length;
    const { dossiers, rejected } = normalisePage(adapter, page.items);
    quarantined += rejected.length;
    for (const { reason } of rejected) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    applied += (await rule.play(dossiers)).applied;
    onPage(pages);
    if (page.done) break;
    cursor = page.next;
  }
  return {
    window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
    pages,
    pulled,
    applied,
    unchanged: pulled - quarantined - applied,
    quarantined,
    reasons: Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
  };
}
