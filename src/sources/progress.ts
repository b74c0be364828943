/**
 * Bounds on one pull (a sync window, or a national listing): at most `maxPages` pages, and
 * progress on every page. A cursor asked for before, or a full page with the very items of
 * an earlier full page, means the source goes round in circles: the pull fails at once with
 * that reason, and no retry would fix it (a PermanentError: the batch waits for replay).
 * What it remembers to tell is bounded: one short digest per page, at most REMEMBERED of
 * them (the oldest forgotten first; `maxPages` still ends a longer cycle).
 */
import { createHash } from 'node:crypto';
import { boundedJson } from '../normalise/bounded.js';
import { PermanentError } from '../util/errors.js';

/** Page digests kept, whatever `maxPages` is: a few MB at most. */
export const REMEMBERED = 20_000;

/** A pull that cannot end: no progress, or past its page bound. */
export class NoProgressError extends PermanentError {}

const digest = (text: string) => createHash('sha1').update(text).digest('base64');

/** A bounded set of digests: adding one past the bound forgets the oldest. */
class Recent {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  /** True when `d` was added before (and is still remembered); adds it otherwise. */
  has(d: string): boolean {
    if (this.seen.has(d)) return true;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(d);
    return false;
  }
}

export class PullGuard {
  private readonly cursors: Recent;
  private readonly pages: Recent;

  /**
   * @param what names the pull in errors ("h49-dvcqg", "national DanhSachHoSo 000.00.12.H49")
   * @param maxPages the most pages the pull may read
   * @param pagesRead pages already read (a sync resumed from its checkpoint)
   * @param setting the configuration key of `maxPages`, named in the error
   */
  constructor(
    private readonly what: string,
    private readonly maxPages: number,
    private pagesRead = 0,
    private readonly setting = 'maxPages',
  ) {
    this.cursors = new Recent(Math.min(maxPages, REMEMBERED));
    this.pages = new Recent(Math.min(maxPages, REMEMBERED));
  }

  /** Before a page is asked for: throws when the pull is at its bound or the cursor was asked for before. */
  beforePage(cursor: unknown): void {
    if (this.pagesRead >= this.maxPages) {
      throw new NoProgressError(
        `${this.what}: still not done after ${this.pagesRead} pages (${this.setting} ${this.maxPages}): stopped`,
      );
    }
    if (cursor !== null && cursor !== undefined && this.cursors.has(digest(JSON.stringify(cursor)))) {
      throw new NoProgressError(
        `${this.what}: no progress: the cursor ${JSON.stringify(cursor).slice(0, 120)} came back after ${this.pagesRead} pages`,
      );
    }
    this.pagesRead++;
  }

  /**
   * After a page is read: throws when a full page (one the source says is not the last) holds
   * the very items of an earlier full page. `keyOf` names an item (its code and update time);
   * an item without one is named by its JSON text.
   */
  afterPage(items: readonly unknown[], full: boolean, keyOf: (raw: unknown) => string | undefined): void {
    if (full && items.length !== 0) this.afterPageRead(pageDigest(items, keyOf), items.length);
  }

  /** `afterPage` of a full page of `count` items read elsewhere, by the `pageDigest` of its items. */
  afterPageRead(digest: string, count: number): void {
    if (this.pages.has(digest)) {
      throw new NoProgressError(
        `${this.what}: no progress: page ${this.pagesRead} holds the same ${count} items as an earlier page`,
      );
    }
  }
}

/** What a page's items are remembered by (`PullGuard.afterPage`). */
export function pageDigest(items: readonly unknown[], keyOf: (raw: unknown) => string | undefined): string {
  let keys = '';
  for (const raw of items) keys += `${keyOf(raw) ?? `#${boundedJson(raw, 0).sha1}`}\n`;
  return digest(keys);
}
