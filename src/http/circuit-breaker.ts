/**
 * A circuit breaker for one source. After `failures` consecutive failed calls it opens for
 * `cooldownMs`: calls fail at once with a TransientError. After the cooldown one trial call
 * goes through (half-open); success closes the circuit, failure opens it again.
 * Only failures the caller classes as such count (transient ones: network, timeout, 5xx);
 * any other outcome means the server answered, which resets the count.
 */
import { TransientError } from '../util/errors.js';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. */
  failures: number;
  cooldownMs: number;
}

/** A call refused because the circuit is open: transient, the job may try again later. */
export class CircuitOpenError extends TransientError {}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitEvents {
  onOpen?(until: Date, consecutiveFailures: number): void;
  onClose?(): void;
}

export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private opened = false;
  private trialInFlight = false;

  constructor(
    private readonly name: string,
    private readonly opts: CircuitBreakerOptions,
    private readonly events: CircuitEvents = {},
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (!this.opened) return 'closed';
    return this.trialInFlight || this.now() >= this.openUntil ? 'half-open' : 'open';
  }

  /**
   * Runs one call through the breaker. `isFailure` says whether an error counts against the
   * source; `isNeutral` marks outcomes that say nothing either way (the caller gave up).
   */
  async run<T>(
    fn: () => Promise<T>,
    isFailure: (err: unknown) => boolean,
    isNeutral: (err: unknown) => boolean = () => false,
  ): Promise<T> {
    let trial = false;
    if (this.opened) {
      const now = this.now();
      if (now < this.openUntil || this.trialInFlight) {
        const until = new Date(Math.max(this.openUntil, now));
        throw new CircuitOpenError(
          `circuit open for ${this.name} until ${until.toISOString()}${this.trialInFlight ? ' (a trial call is in progress)' : ''}`,
          Math.max(0, this.openUntil - now),
        );
      }
      trial = true;
      this.trialInFlight = true;
    }
    try {
      const result = await fn();
      this.succeeded();
      return result;
    } catch (err) {
      if (isNeutral(err)) {
        // Leave the counts alone; a trial that was cut short lets the next call try again.
      } else if (isFailure(err)) {
        this.failed();
      } else {
        this.succeeded();
      }
      throw err;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }

  private succeeded(): void {
    this.consecutive = 0;
    if (this.opened) {
      this.opened = false;
      this.events.onClose?.();
    }
  }

  private failed(): void {
    this.consecutive++;
    if (this.opened || this.consecutive >= this.opts.failures) {
      this.opened = true;
      this.openUntil = this.now() + this.opts.cooldownMs;
      this.events.onOpen?.(new Date(this.openUntil), this.consecutive);
    }
  }
}
