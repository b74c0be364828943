/**
 * Whether a province's stored dossiers were updated in some days (`Store.updatedIn`,
 * src/store/newest.ts; the national feed's staleness check): answered from the newest version's
 * mark the page script keeps, without reading the store, and by one reading for a store written
 * before the mark, after which the mark answers.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Checkpoint } from '../../schemas/store.js';
import { Store } from '../../src/store/store.js';
import { fullDossier, vn } from '../helpers/fixtures.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const HOUR = 3_600_000;
const T = vn('2026-10-20T09:00:00');
const at = (code: string, updatedAt: number): CanonicalDossier => ({ ...fullDossier, code, updatedAt });
const cp = (page: number): Checkpoint => ({
  syncedTo: null,
  pending: { runId: 'r1', from: 0, to: T * 2, cursor: { page }, pages: page },
});

/** The store, and a view of it that counts its readings of every dossier. */
function stores(): { store: Store; counted: Store; scans: () => number } {
  const store = new Store(redis.client(), redis.prefix());
  let scans = 0;
  const counted = Object.create(store) as Store;
  counted.scanDossiers = (province: string) => (scans++, store.scanDossiers(province));
  return { store, counted, scans: () => scans };
}

async function apply(store: Store, page: number, dossiers: CanonicalDossier[]): Promise<void> {
  await store.applyPage({ province: 'H49', source: 's', runId: 'r1', dossiers, quarantined: [], checkpoint: cp(page) });
}

const days = (start: number, end: number) => ({ start, end });

describe('Store.updatedIn', () => {
  it('answers from the mark of a store written by this version, without reading it', async () => {
    const { store, counted, scans } = stores();
    expect(await counted.updatedIn('H49', days(T - 48 * HOUR, T + HOUR))).toBeUndefined(); // nothing stored yet
    expect(scans()).toBe(1); // (an empty store, read once)
    await apply(store, 1, [at('000.00.14.H56-261015-0001', T - 10 * HOUR), at('000.00.14.H56-261015-0002', T)]);
    // an older record of the newest code applied later does not lower the mark
    await apply(store, 2, [at('000.00.14.H56-261015-0002', T - 20 * HOUR), at('ODD-1', T - 30 * HOUR)]);
    expect(await counted.updatedIn('H49', days(T - 48 * HOUR, T + HOUR))).toEqual({
      code: '000.00.14.H56-261015-0002',
      updatedAt: T,
    });
    // a quiet province: nothing updated since, answered without reading its history
    expect(await counted.updatedIn('H49', days(T + HOUR, T + 49 * HOUR))).toBeUndefined();
    expect(scans()).toBe(1);
    // the newest after the days: the store is read, and finds the one inside them
    expect(await counted.updatedIn('H49', days(T - 11 * HOUR, T - 9 * HOUR))).toEqual(
      expect.objectContaining({ code: '000.00.14.H56-261015-0001', updatedAt: T - 10 * HOUR }),
    );
    expect(scans()).toBe(2);
    // a newer record raises the mark
    await apply(store, 3, [at('000.00.14.H56-261015-0003', T + 2 * HOUR)]);
    expect(await counted.updatedIn('H49', days(T + HOUR, T + 49 * HOUR))).toEqual({
      code: '000.00.14.H56-261015-0003',
      updatedAt: T + 2 * HOUR,
    });
    expect(scans()).toBe(2);
  });

  it('a store written before the mark is read once, then answered from the mark', async () => {
    const { store, counted, scans } = stores();
    await apply(store, 1, [at('000.00.14.H56-261015-0001', T - 10 * HOUR), at('000.00.14.H56-261015-0002', T)]);
    const meta = `${store.keys.layout('H49')}:meta`;
    // written by this version from the start: the mark is known to be the newest
    expect(await redis.client().hmget(meta, 'newest', 'newest-known')).toEqual([
      `${T / 1000}|000.00.14.H56-261015-0002`,
      '1',
    ]);
    await redis.client().hdel(meta, 'newest', 'newest-known');
    // a page applied after the upgrade, older than what is stored: its mark alone is not the newest
    await apply(store, 2, [at('000.00.14.H56-261015-0004', T - 30 * HOUR)]);
    expect(await counted.updatedIn('H49', days(T - HOUR, T + HOUR))).toEqual(
      expect.objectContaining({ code: '000.00.14.H56-261015-0002', updatedAt: T }),
    );
    expect(scans()).toBe(1);
    expect(await counted.updatedIn('H49', days(T + HOUR, T + 49 * HOUR))).toBeUndefined(); // read to the end
    expect(scans()).toBe(2);
    expect(await redis.client().hmget(meta, 'newest', 'newest-known')).toEqual([
      `${T / 1000}|000.00.14.H56-261015-0002`,
      '1',
    ]);
    expect(await counted.updatedIn('H49', days(T + 2 * HOUR, T + 50 * HOUR))).toBeUndefined();
    expect(await counted.updatedIn('H49', days(T - HOUR, T + HOUR))).toEqual({
      code: '000.00.14.H56-261015-0002',
      updatedAt: T,
    });
    expect(scans()).toBe(2);
  });
});
