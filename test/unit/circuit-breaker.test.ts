/** The per-source circuit breaker: alone with a fake clock, and inside HttpClient against nock. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../src/http/circuit-breaker.js';
import { HttpClient } from '../../src/http/client.js';
import { PermanentError, TransientError } from '../../src/util/errors.js';

const A = 'http://source-a.test';
const B = 'http://source-b.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('CircuitBreaker (fake clock)', () => {
  let now = Date.parse('2025-03-01T00:00:00Z');
  const breaker = () => new CircuitBreaker('h49', { failures: 3, cooldownMs: 10_000 }, {}, () => now);
  const isTransient = (e: unknown) => e instanceof TransientError;
  const fail = () => Promise.reject(new TransientError('HTTP 503'));
  const ok = () => Promise.resolve('ok');

  it('opens after N consecutive failures, refuses at once, then half-opens after the cooldown', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await expect(b.run(fail, isTransient)).rejects.toThrow('HTTP 503');
    expect(b.state).toBe('open');
    let called = false;
    const err = await b
      .run(async () => {
        called = true;
        return 1;
      }, isTransient)
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe('circuit open for h49 until 2025-03-01T00:00:10.000Z');
    now += 10_000;
    expect(b.state).toBe('half-open');
    await expect(b.run(ok, isTransient)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('a failed trial re-opens for another cooldown; only one trial at a time', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await b.run(fail, isTransient).catch(() => {});
    now += 10_000;
    let release!: () => void;
    const trial = b.run(
      () =>
        new Promise<never>((_, reject) => {
          release = () => reject(new TransientError('HTTP 502'));
        }),
      isTransient,
    );
    await expect(b.run(ok, isTransient)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).rejects.toThrow('HTTP 502');
    expect(b.state).toBe('open');
    now += 9_999;
    await expect(b.run(ok, isTransient)).rejects.toBeInstanceOf(CircuitOpenError);
    now += 1;
    await expect(b.run(ok, isTransient)).resolves.toBe('ok');
  });

  it('a success or a non-transient error resets the count', async () => {
    const b = breaker();
    await b.run(fail, isTransient).catch(() => {});
    await b.run(fail, isTransient).catch(() => {});
    await b.run(() => Promise.reject(new PermanentError('HTTP 404')), isTransient).catch(() => {});
    await b.run(fail, isTransient).catch(() => {});
    await b.run(fail, isTransient).catch(() => {});
    expect(b.state).toBe('closed');
    await b.run(fail, isTransient).catch(() => {});
    expect(b.state).toBe('open');
  });
});

describe('HttpClient with a circuit breaker (nock)', () => {
  let now = Date.now();
  const client = (name: string) =>
    new HttpClient({
      name,
      timeoutMs: 1_000,
      retries: 1,
      minDelayMs: 5,
      circuitBreaker: { failures: 2, cooldownMs: 300 },
      now: () => now,
    });

  it('after N failing calls the next fails without a request; after the cooldown a trial closes it', async () => {
    const scope = nock(A).post('/service').times(4).reply(503); // 2 calls x (1 try + 1 retry)
    const http = client('h49');
    for (let i = 0; i < 2; i++) await expect(http.postJson(`${A}/service`, {})).rejects.toThrow(/HTTP 503/);
    expect(scope.isDone()).toBe(true);
    expect(http.circuit).toBe('open');

    // No interceptor is left: a request would fail with nock's own error, not this one.
    const err = await http.postJson(`${A}/service`, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/^circuit open for h49 until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(http.stats).toMatchObject({ requests: 4, circuitRejections: 1 });

    now += 320;
    expect(http.circuit).toBe('half-open');
    const trial = nock(A).post('/service').reply(200, { error_code: 0 });
    await expect(http.postJson(`${A}/service`, {})).resolves.toEqual({ error_code: 0 });
    expect(trial.isDone()).toBe(true);
    expect(http.circuit).toBe('closed');
  });

  it('4xx answers do not open the circuit', async () => {
    nock(A).get('/x').times(3).reply(404);
    const http = client('h49');
    for (let i = 0; i < 3; i++) await expect(http.getJson(`${A}/x`)).rejects.toBeInstanceOf(PermanentError);
    expect(http.circuit).toBe('closed');
  });

  it('one source with an open circuit does not pause another', async () => {
    nock(A).get('/x').times(4).reply(500);
    const a = client('h49');
    const b = client('h01');
    for (let i = 0; i < 2; i++) await a.getJson(`${A}/x`).catch(() => {});
    expect(a.circuit).toBe('open');
    await expect(a.getJson(`${A}/x`)).rejects.toThrow(/circuit open for h49/);

    const scopeB = nock(B).get('/x').reply(200, { ok: true });
    await expect(b.getJson(`${B}/x`)).resolves.toEqual({ ok: true });
    expect(scopeB.isDone()).toBe(true);
    expect(b.circuit).toBe('closed');
  });
});
