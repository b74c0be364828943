/**
 * The one HTTP client under every adapter and the national feed: timeouts, a response
 * size cap, p-retry for transient failures (honouring Retry-After), no retry on other 4xx,
 * a per-source rate limit on every attempt, and a circuit breaker around each whole call.
 * Errors carry method, URL and status only: never a body, header or secret.
 */
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import { AuthExpiredError, PermanentError, TransientError } from '../util/errors.js';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import { RateLimiter, systemClock, type Clock } from './rate-limit.js';
import { bodyText, parseJsonBody } from './json-body.js';

export { sleep } from './rate-limit.js';

export interface HttpOptions {
  /** Who is calling, for logs and errors (a source id, or "national"). */
  name: string;
  /** Idle timeout: the longest wait for the connection or the next bytes of a reply. */
  timeoutMs: number;
  /**
   * Total deadline of one attempt, from the request to the last byte of its reply: a reply
   * trickled a byte at a time never outlasts it. Absent: 4 × timeoutMs.
   */
  deadlineMs?: number;
  maxBytes?: number;
  retries?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After honoured; longer waits are capped to this. */
  maxRetryAfterMs?: number;
  /** At most this many requests (attempts, retries included) a second; 0 or absent: no limit. */
  rateLimit?: number;
  /** Open the circuit after this many consecutive failed calls; absent: no breaker. */
  circuitBreaker?: CircuitBreakerOptions;
  /** For tests: the clock the rate limiter and the Retry-After waits wait on. */
  clock?: Clock;
  /** For tests: now, in epoch ms, for the circuit breaker's cooldown and a Retry-After date; Date.now by default. */
  now?: () => number;
  logger?: Logger;
  signal?: AbortSignal;
  /** The URL's path holds a secret (a bot token, a webhook's key): errors and logs name its origin only. */
  secretPath?: boolean;
}

/** How a reply's body is read: as JSON, as text, or by a reader of the caller's. */
export type BodyReader = (body: Buffer) => unknown;
type Reading = 'json' | 'text' | BodyReader;

export interface HttpStats {
  /** HTTP requests sent (attempts, retries included). */
  requests: number;
  retries: number;
  /** Total time spent waiting for the rate limiter, in ms. */
  throttledMs: number;
  /** Calls refused at once because the circuit was open. */
  circuitRejections: number;
}

function retryAfterMs(header: unknown, now: () => number): number | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

function safeUrl(url: string, secretPath = false): string {
  const u = new URL(url);
  return secretPath ? `${u.origin}/…` : `${u.origin}${u.pathname}`;
}

export class HttpClient {
  private readonly axios: AxiosInstance;
  private readonly limiter: RateLimiter;
  private readonly breaker: CircuitBreaker | undefined;
  readonly stats: HttpStats = { requests: 0, retries: 0, throttledMs: 0, circuitRejections: 0 };

  constructor(private readonly opts: HttpOptions) {
    this.limiter = new RateLimiter(opts.rateLimit ?? 0, opts.clock);
    this.breaker = opts.circuitBreaker
      ? new CircuitBreaker(
          opts.name,
          opts.circuitBreaker,
          {
            onOpen: (until, failures) =>
              opts.logger?.warn({ source: opts.name, failures, until: until.toISOString() }, 'circuit opened'),
            onClose: () => opts.logger?.info({ source: opts.name }, 'circuit closed'),
          },
          opts.now,
        )
      : undefined;
    this.axios = axios.create({
      timeout: opts.timeoutMs,
      maxContentLength: opts.maxBytes ?? 64 * 1024 * 1024,
      maxBodyLength: 16 * 1024 * 1024,
      responseType: 'arraybuffer', // bytes, read by parseJsonBody (src/http/json-body.ts)
      transformResponse: (d: unknown) => d,
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /**
   * POSTs JSON; the reply must be JSON unless `expectJson` is false (then its text is returned).
   * With `read`, the reply's bytes are read by it instead (it throws on a body that is not
   * what it reads, and the attempt fails as for a body that is not JSON).
   */
  postJson(
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
    opts: { expectJson?: boolean; read?: BodyReader } = {},
  ): Promise<unknown> {
    const config = { method: 'POST', url, data: body, headers: { ...headers, 'content-type': 'application/json' } };
    return this.request(config, opts.read ?? (opts.expectJson === false ? 'text' : 'json'));
  }

  postForm(url: string, form: Record<string, string>): Promise<unknown> {
    return this.request({
      method: 'POST',
      url,
      data: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
    return this.request({ method: 'GET', url, headers });
  }

  /** The circuit's state ("closed" when there is no breaker). */
  get circuit(): CircuitState {
    return this.breaker?.state ?? 'closed';
  }

  private async request(config: AxiosRequestConfig, reading: Reading = 'json'): Promise<unknown> {
    if (!this.breaker) return this.withRetries(config, reading);
    try {
      return await this.breaker.run(
        () => this.withRetries(config, reading),
        (err) => err instanceof TransientError,
        () => this.opts.signal?.aborted === true,
      );
    } catch (err) {
      if (err instanceof CircuitOpenError) this.stats.circuitRejections++;
      throw err;
    }
  }

  private withRetries(config: AxiosRequestConfig, reading: Reading): Promise<unknown> {
    const where = `${config.method} ${safeUrl(config.url!, this.opts.secretPath)}`;
    return pRetry(() => this.once(config, where, reading), {
      retries: this.opts.retries ?? 5,
      minTimeout: this.opts.minDelayMs ?? 200,
      maxTimeout: this.opts.maxDelayMs ?? 5_000,
      factor: 2,
      signal: this.opts.signal,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0) return;
        this.stats.retries++;
        this.opts.logger?.warn(
          { source: this.opts.name, attempt: attemptNumber, err: error.message },
          'retrying HTTP call',
        );
        const wait = error instanceof TransientError ? error.retryAfterMs : undefined;
        if (wait)
          await (this.opts.clock ?? systemClock).sleep(
            Math.min(wait, this.opts.maxRetryAfterMs ?? 60_000),
            this.opts.signal,
          );
      },
    }).catch((err: unknown) => {
      throw err instanceof AbortError ? err.originalError : err;
    });
  }

  private async once(config: AxiosRequestConfig, where: string, reading: Reading): Promise<unknown> {
    const throttled = await this.limiter.acquire(this.opts.signal); // read before adding: concurrent calls all count
    this.stats.throttledMs += throttled;
    this.stats.requests++;
    let res;
    // One controller per attempt, aborted by the deadline or by the client's own signal (a
    // listener removed when the attempt ends, so a long-lived signal gathers none).
    const deadlineMs = this.opts.deadlineMs ?? 4 * this.opts.timeoutMs;
    const attempt = new AbortController();
    let pastDeadline = false;
    const timer = setTimeout(() => {
      pastDeadline = true;
      attempt.abort();
    }, deadlineMs);
    const stop = () => attempt.abort(this.opts.signal?.reason);
    if (this.opts.signal?.aborted) stop();
    else this.opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      res = await this.axios.request<Buffer>({ ...config, signal: attempt.signal });
    } catch (err) {
      if (pastDeadline && !this.opts.signal?.aborted) {
        throw new TransientError(
          `${this.opts.name}: ${where}: no complete reply within the deadline of ${deadlineMs} ms (deadlineMs)`,
        );
      }
      if (axios.isAxiosError(err)) {
        if (err.message.includes('maxContentLength')) {
          throw new AbortError(new PermanentError(`${this.opts.name}: ${where}: response larger than the size cap`));
        }
        throw new TransientError(`${this.opts.name}: ${where}: ${err.code ?? 'network error'}`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      this.opts.signal?.removeEventListener('abort', stop);
    }
    const status = res.status;
    if (status === 408 || status === 429 || status >= 500) {
      throw new TransientError(
        `${this.opts.name}: ${where}: HTTP ${status}`,
        retryAfterMs(res.headers['retry-after'], this.opts.now ?? Date.now),
      );
    }
    if (status === 401) throw new AbortError(new AuthExpiredError(`${this.opts.name}: ${where}: HTTP 401`));
    if (status >= 400) throw new AbortError(new PermanentError(`${this.opts.name}: ${where}: HTTP ${status}`));
    if (reading === 'text') return bodyText(res.data);
    try {
      return reading === 'json' ? parseJsonBody(res.data) : await reading(res.data);
    } catch {
      throw new TransientError(`${this.opts.name}: ${where}: HTTP ${status} with a body that is not JSON (truncated?)`);
    }
  }
}
