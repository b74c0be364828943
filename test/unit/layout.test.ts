/**
 * The store layout (src/store/layout.ts): which months the explanation of a period reads whole
 * and which by their edge buckets, which dossiers make a bucket an edge bucket (received on its
 * code month's first or last day, Vietnam time, and kept in the bucket), and which are kept in
 * a closed twin, under which month.
 */
import { describe, expect, it } from 'vitest';
import { makePeriod, monthPeriod } from '../../src/domain/period.js';
import { closedAt, monthOfBucket, nearMonths, onEdge, placeOf, untilMonth } from '../../src/store/layout.js';
import { fullDossier, vn } from '../helpers/fixtures.js';

describe('edge buckets', () => {
  it('a period reads its own months whole and, a day either side, only the edges of the months beside it', () => {
    expect(nearMonths(monthPeriod('2026-03'))).toEqual({ months: ['2603'], edges: ['2602', '2604'] });
    expect(nearMonths(monthPeriod('2026-01'))).toEqual({ months: ['2601'], edges: ['2512', '2602'] });
    // a day either side still inside the period's months: nothing beside them
    expect(nearMonths(makePeriod('2026-03-10', '2026-03-20'))).toEqual({ months: ['2603'], edges: [] });
    expect(nearMonths(makePeriod('2026-02-10', '2026-03-31'))).toEqual({ months: ['2602', '2603'], edges: ['2604'] });
    expect(nearMonths(makePeriod('2026-03-01', '2026-03-30'))).toEqual({ months: ['2603'], edges: ['2602'] });
  });

  it("a month's edge is its first and last day, Vietnam time", () => {
    const feb = monthPeriod('2026-02');
    expect(onEdge(vn('2026-02-01T00:00:00'), feb)).toBe(true);
    expect(onEdge(vn('2026-02-01T23:59:59'), feb)).toBe(true);
    expect(onEdge(vn('2026-02-02T00:00:00'), feb)).toBe(false);
    expect(onEdge(vn('2026-02-27T23:59:59'), feb)).toBe(false);
    expect(onEdge(vn('2026-02-28T00:00:00'), feb)).toBe(true);
    expect(onEdge(vn('2026-02-28T23:59:59'), feb)).toBe(true);
    expect(onEdge(vn('2026-03-01T00:00:00'), feb)).toBe(false); // the next month's first day
    expect(onEdge(vn('2026-01-31T23:59:59'), feb)).toBe(false);
    expect(onEdge(null, feb)).toBe(false);
  });

  it('a dossier kept in its bucket and received on its month edge makes an edge bucket; an open one does not', () => {
    const d = { ...fullDossier, code: '000.00.14.H56-261031-0118' };
    const closed = (receivedAt: number) => ({
      ...d,
      receivedAt,
      finishedAt: receivedAt + 3_600_000,
      returnedAt: receivedAt + 7_200_000,
    });
    const place = placeOf(closed(vn('2026-10-31T09:00:00')));
    expect(place).toEqual({
      bucket: '000.00.14.H56:261031:01',
      field: '18',
      month: '2610',
      kind: 'b',
      until: '',
      edge: true,
    });
    expect(monthOfBucket(place.bucket!)).toBe('2610');
    // received on another day than its code's, still on the month's edge
    expect(placeOf(closed(vn('2026-10-01T09:00:00'))).edge).toBe(true);
    expect(placeOf(closed(vn('2026-10-15T09:00:00'))).edge).toBe(false);
    // still open: in the open twin, read with every period anyway
    expect(
      placeOf({ ...d, status: 4, receivedAt: vn('2026-10-31T09:00:00'), finishedAt: null, returnedAt: null }),
    ).toMatchObject({ kind: 'o', edge: false });
    expect(placeOf({ ...d, code: 'ODD-1' })).toMatchObject({ bucket: null, kind: 'o', edge: false });
  });

  it('a dossier closed after its code month sits in the closed twin, listed under the last month it can count in', () => {
    const d = { ...fullDossier, code: '000.00.14.H56-261031-0118', status: 10 };
    const at = (receivedAt: string, finishedAt: string | null, returnedAt: string | null) => ({
      ...d,
      receivedAt: vn(receivedAt),
      finishedAt: finishedAt === null ? null : vn(finishedAt),
      returnedAt: returnedAt === null ? null : vn(returnedAt),
    });
    const closed = at('2026-10-31T09:00:00', '2026-11-02T09:00:00', '2026-12-01T00:30:00');
    expect(closedAt(closed)).toBe(vn('2026-12-01T00:30:00'));
    expect(placeOf(closed)).toMatchObject({ kind: 'c', until: '202612', edge: false });
    // received before its code's month, closed within it: it can count in the month of receipt too
    expect(placeOf(at('2026-09-30T09:00:00', '2026-10-02T09:00:00', '2026-10-03T09:00:00'))).toMatchObject({
      kind: 'c',
      until: '202610',
    });
    // a finish before the receipt (sent so): the receipt still bounds it
    expect(closedAt(at('2026-11-05T09:00:00', '2026-10-02T09:00:00', '2026-10-03T09:00:00'))).toBe(
      vn('2026-11-05T09:00:00'),
    );
    // finished, not yet returned: processed on return under `processedOn: returned`, so open
    expect(placeOf({ ...at('2026-10-31T09:00:00', '2026-11-02T09:00:00', null), status: 9 }).kind).toBe('o');
    // withdrawn: processed only under `withdrawnIsProcessed`, open otherwise
    expect(placeOf({ ...at('2026-10-31T09:00:00', null, null), status: 7 }).kind).toBe('o');
    // submitted or refused: never counts, received in another month than its code's
    expect(placeOf({ ...at('2026-11-01T09:00:00', null, null), status: 3 })).toMatchObject({
      kind: 'c',
      until: '202611',
    });
    // a month of six digits whatever the time (the page script reads six)
    expect(untilMonth(vn('2999-12-31T23:00:00'))).toBe('299912');
    expect(untilMonth(Date.UTC(10_500, 0, 1))).toBe('999912');
    expect(untilMonth(Date.UTC(-50, 0, 1))).toBe('000001');
    expect(untilMonth(vn('1960-03-01T00:00:00'))).toBe('196003');
    // every date in its code's month: its bucket
    expect(placeOf(at('2026-10-31T09:00:00', '2026-10-31T10:00:00', '2026-10-31T11:00:00')).kind).toBe('b');
  });
});
