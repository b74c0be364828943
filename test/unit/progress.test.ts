/** The bounds of one pull: pages, a cursor seen before, a full page seen before; what it remembers is bounded. */
import { describe, expect, it } from 'vitest';
import { NoProgressError, PullGuard, REMEMBERED } from '../../src/sources/progress.js';

const key = (raw: unknown) => (raw as { k?: string }).k;
const page = (from: number, n = 3) => Array.from({ length: n }, (_, i) => ({ k: `c${from + i}` }));

describe('PullGuard', () => {
  it('lets a pull that makes progress go on, and stops it at maxPages naming the setting', () => {
    const g = new PullGuard('src', 4);
    for (let p = 0; p < 4; p++) {
      g.beforePage(p === 0 ? null : { page: p });
      g.afterPage(page(p * 3), true, key);
    }
    expect(() => g.beforePage({ page: 4 })).toThrow(
      new NoProgressError('src: still not done after 4 pages (maxPages 4): stopped'),
    );
  });

  it('counts the pages read before a resume', () => {
    const g = new PullGuard('src', 4, 4, 'maxListPages');
    expect(() => g.beforePage(null)).toThrow('src: still not done after 4 pages (maxListPages 4): stopped');
  });

  it('a cursor asked for before is no progress', () => {
    const g = new PullGuard('src', 100);
    g.beforePage(null);
    g.beforePage('a');
    g.beforePage('b');
    expect(() => g.beforePage('a')).toThrow(
      new NoProgressError('src: no progress: the cursor "a" came back after 3 pages'),
    );
  });

  it('a full page with the very items of an earlier full page is no progress; a last (short) page is not compared', () => {
    const g = new PullGuard('src', 100);
    g.afterPage(page(0), true, key);
    g.afterPage(page(3), true, key);
    g.afterPage(page(0), false, key); // the last page may repeat what was seen: it ends the pull anyway
    expect(() => g.afterPage(page(0), true, key)).toThrow(NoProgressError);
    // items without a key are told apart by their content
    const h = new PullGuard('src', 100);
    h.afterPage([{ x: 1 }, { x: 2 }], true, key);
    h.afterPage([{ x: 1 }, { x: 3 }], true, key);
    expect(() => h.afterPage([{ x: 1 }, { x: 2 }], true, key)).toThrow(
      'no progress: page 0 holds the same 2 items as an earlier page',
    );
  });

  it('remembers at most REMEMBERED pages: an older one is forgotten, while maxPages still ends the pull', () => {
    const g = new PullGuard('src', 10 * REMEMBERED);
    for (let p = 0; p <= REMEMBERED; p++) g.afterPage([{ k: `p${p}` }], true, key);
    expect(() => g.afterPage([{ k: 'p0' }], true, key)).not.toThrow(); // forgotten
    expect(() => g.afterPage([{ k: `p${REMEMBERED}` }], true, key)).toThrow(NoProgressError); // remembered
  });
});
