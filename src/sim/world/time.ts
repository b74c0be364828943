/** Time units of the generated world: every timestamp is whole seconds. */
import { DAY_MS, VN_OFFSET_MS } from '../../domain/time.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Epoch ms of the Vietnam midnight that starts day number `day` (see vnDayNumber). */
export function vnMidnight(day: number): number {
  return day * DAY_MS - VN_OFFSET_MS;
}

export function seconds(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}
