/** What every provincial source adapter offers the sync job, whatever its dialect. */
import type { Normalised } from '../normalise/dvcqg.js';

/** A half-open window [from, to) on the records' last-update time, epoch ms. */
export interface Window {
  from: number;
  to: number;
}

export interface PageResult {
  /** Raw items as received: each is normalised or quarantined, never dropped. */
  items: unknown[];
  /** Where to go on from; saved with the page so a crash resumes after it. JSON-serialisable. */
  next: unknown;
  /** True when this was the window's last page. */
  done: boolean;
}

export interface SourceAdapter {
  readonly id: string;
  fetchPage(window: Window, cursor: unknown | null): Promise<PageResult>;
  normalise(raw: unknown): Normalised;
  /** A short stable key for a raw item (for the quarantine), when it has one. */
  itemKey(raw: unknown): string | undefined;
}
