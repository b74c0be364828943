/**
 * A spacing rate limiter: at most `perSecond` request starts a second, evenly spaced.
 * Slots are reserved synchronously, so concurrent callers queue up in call order.
 */

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = { now: () => performance.now(), sleep };

export class RateLimiter {
  private readonly intervalMs: number;
  private nextAt = Number.NEGATIVE_INFINITY;

  /** `perSecond` of 0 (or less) means no limit. */
  constructor(
    perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Waits for the next free slot; returns how long it waited, in ms. */
  async acquire(signal?: AbortSignal): Promise<number> {
    if (this.intervalMs === 0) return 0;
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    const wait = at - now;
    if (wait > 0) await this.clock.sleep(wait, signal);
    return wait;
  }
}
