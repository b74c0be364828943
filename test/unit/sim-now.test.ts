import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { DAY_MS } from '../../src/domain/time.js';
import { monthPeriod } from '../../src/domain/period.js';
import type { Rng } from '../../src/sim/random.js';
import { live } from '../../src/sim/world/dossiers.js';

const SECOND = 1000;

describe('the simulated world is seen at `now`', () => {
  // The night pulls the window [from, now) (docs/contracts.md, LayDanhSachHoSo): a dossier last
  // updated at the instant `now` would be in the world's province but never in the store.
  it('a dossier returned at the very instant `now` is not: its last update is before `now`', () => {
    const period = monthPeriod('2026-03');
    const now = period.end + DAY_MS + 2 * 3600 * SECOND;
    const receivedAt = period.end - 2 * DAY_MS;
    const d: CanonicalDossier = {
      code: '000.00.62.H49-260329-0001',
      agency: '000.00.62.H49',
      procedure: '',
      status: 2,
      channel: 2,
      digitised: false,
      paidOnline: false,
      receivedAt,
      dueAt: null,
      finishedAt: null,
      returnedAt: null,
      updatedAt: receivedAt,
    };
    let finish = 0;
    // finished on time, then returned the number of seconds that lands exactly on `now`
    const rng = {
      next: () => 0.5,
      chance: (p: number) => p === 0.8,
      int: (lo: number, hi: number) => {
        const s = (now - finish) / SECOND;
        expect(s).toBeGreaterThanOrEqual(lo);
        expect(s).toBeLessThanOrEqual(hi);
        return s;
      },
    } as unknown as Rng;
    // the finish time the generator computes for next() = 0.5 (not late), once it has set the due date
    const spy = new Proxy(rng, {
      get(target, prop) {
        if (prop === 'int' && finish === 0 && d.dueAt !== null)
          finish = receivedAt + Math.floor(((0.05 + 0.95 * 0.5) * (d.dueAt - receivedAt)) / SECOND) * SECOND;
        return (target as unknown as Record<string | symbol, unknown>)[prop];
      },
    });
    live(d, spy, { code: '1.004127', dueDays: 2 }, { period, now }, false);
    expect(d.finishedAt).toBe(finish);
    expect(d.updatedAt).toBeLessThan(now);
    expect(d.returnedAt === null || d.returnedAt < now).toBe(true);
  });
});
