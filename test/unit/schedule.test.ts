import { describe, expect, it } from 'vitest';
import { fireTimes } from '../../src/queue/schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (list: number[]) => list.map((t) => new Date(t).toISOString());

describe('fireTimes', () => {
  it('lists the nights at 01:00 Vietnam time after the last one, up to now', () => {
    expect(
      iso(fireTimes('0 1 * * *', 'Asia/Ho_Chi_Minh', at('2026-11-20T01:00:00+07:00'), at('2026-11-23T03:00:00+07:00'))),
    ).toEqual(['2026-11-20T18:00:00.000Z', '2026-11-21T18:00:00.000Z', '2026-11-22T18:00:00.000Z']);
  });
  it('includes a fire time equal to now, excludes one equal to the last night', () => {
    const t = at('2026-11-23T01:00:00+07:00');
    expect(iso(fireTimes('0 1 * * *', 'Asia/Ho_Chi_Minh', t - 86_400_000, t))).toEqual(['2026-11-22T18:00:00.000Z']);
  });
  it('is empty when nothing was missed, and capped at the most recent ones', () => {
    expect(
      fireTimes('0 1 * * *', 'Asia/Ho_Chi_Minh', at('2026-11-23T01:00:00+07:00'), at('2026-11-23T03:00:00+07:00')),
    ).toEqual([]);
    const many = fireTimes('0 1 * * *', 'Asia/Ho_Chi_Minh', 0, at('2026-11-23T03:00:00+07:00'), 5);
    expect(iso(many).at(-1)).toBe('2026-11-22T18:00:00.000Z');
    expect(many).toHaveLength(5);
  });
});
