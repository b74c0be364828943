/** Errors that decide whether work is retried. */

/** A failure that no retry can fix (bad configuration, 4xx other than 408/429, a refused login). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/** A failure worth retrying (network, timeout, 408, 429, 5xx, a truncated body). */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A service answered, inside HTTP 200, with an error code (a parameter it refuses, an unknown agency). */
export class ServiceRefusal extends TransientError {
  override readonly name = 'ServiceRefusal';
}

/** The credentials or session were refused or expired: authenticate again, then repeat once. */
export class AuthExpiredError extends Error {
  override readonly name = 'AuthExpiredError';
}
