/** The shared HTTP client against nock: retries, Retry-After, 4xx, size cap, timeouts, rate limit. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpOptions } from '../../src/http/client.js';
import type { Clock } from '../../src/http/rate-limit.js';
import { AuthExpiredError, PermanentError, TransientError } from '../../src/util/errors.js';

const BASE = 'http://source.test';

function client(o: Partial<HttpOptions> = {}): HttpClient {
  return new HttpClient({ name: 'h49', timeoutMs: 2_000, retries: 3, minDelayMs: 10, maxDelayMs: 50, ...o });
}

/** A clock whose waits return at once, moving it on by the time asked; it records them. */
function fakeClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  let t = 0;
  return {
    waits,
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('HttpClient', () => {
  it('reads a JSON reply that starts with a UTF-8 byte order mark, and a large list reply', async () => {
    const data = Array.from({ length: 2000 }, (_, i) => ({ MaHoSo: `c-${i}`, TrangThaiHoSo: '9', ghi: 'Hồ sơ' }));
    const large = Buffer.from(JSON.stringify({ error_code: 0, tongSo: data.length, data }));
    nock(BASE)
      .post('/service')
      .reply(200, Buffer.from('\ufeff{"ok":true}'), { 'content-type': 'application/json' })
      .post('/service')
      .reply(200, large, { 'content-type': 'application/json' });
    const http = client();
    await expect(http.postJson(`${BASE}/service`, {})).resolves.toEqual({ ok: true });
    await expect(http.postJson(`${BASE}/service`, {})).resolves.toEqual(JSON.parse(large.toString()));
  });

  it('retries 503 twice, then resolves and counts 2 retries', async () => {
    const scope = nock(BASE).post('/service').times(2).reply(503).post('/service').reply(200, { ok: true });
    const http = client();
    await expect(http.postJson(`${BASE}/service`, { a: 1 })).resolves.toEqual({ ok: true });
    expect(scope.isDone()).toBe(true);
    expect(http.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  it('waits for Retry-After (seconds) on 429 before retrying', async () => {
    const scope = nock(BASE)
      .get('/dossiers')
      .reply(429, '', { 'Retry-After': '1' })
      .get('/dossiers')
      .reply(200, { items: [] });
    const clock = fakeClock();
    const http = client({ clock });
    await expect(http.getJson(`${BASE}/dossiers`)).resolves.toEqual({ items: [] });
    expect(scope.isDone()).toBe(true);
    expect(clock.waits).toEqual([1000]); // honoured, not multiplied
    expect(http.stats.retries).toBe(1);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const now = Date.parse('2026-11-02T01:00:00.400Z');
    const at = new Date(now + 2_000).toUTCString(); // second precision: 01:00:02, 1.6 s ahead
    const scope = nock(BASE).get('/x').reply(503, '', { 'Retry-After': at }).get('/x').reply(200, {});
    const clock = fakeClock();
    await client({ clock, now: () => now }).getJson(`${BASE}/x`);
    expect(scope.isDone()).toBe(true);
    expect(clock.waits).toEqual([1600]);
  });

  it.each([400, 404])('HTTP %i is a PermanentError after exactly one request', async (status) => {
    const scope = nock(BASE).post('/service').reply(status, { message: 'no' });
    const http = client();
    const err = await http.postJson(`${BASE}/service`, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toContain(`HTTP ${status}`);
    expect(scope.isDone()).toBe(true);
    expect(http.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it('HTTP 401 is an AuthExpiredError, not retried', async () => {
    const scope = nock(BASE).get('/dossiers').reply(401);
    const http = client();
    await expect(http.getJson(`${BASE}/dossiers`)).rejects.toBeInstanceOf(AuthExpiredError);
    expect(scope.isDone()).toBe(true);
    expect(http.stats.requests).toBe(1);
  });

  it('retries a truncated JSON body, then gives up with a TransientError', async () => {
    const scope = nock(BASE).post('/service').times(3).reply(200, '{"a":');
    const http = client({ retries: 2 });
    const err = await http.postJson(`${BASE}/service`, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/not JSON/);
    expect(scope.isDone()).toBe(true);
    expect(http.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  it('recovers when a truncated body is followed by a whole one', async () => {
    nock(BASE).post('/service').reply(200, '{"a":').post('/service').reply(200, '{"a":1}');
    await expect(client().postJson(`${BASE}/service`, {})).resolves.toEqual({ a: 1 });
  });

  it('rejects a body over maxBytes with a PermanentError naming the size cap, without retrying', async () => {
    const scope = nock(BASE)
      .get('/big')
      .reply(200, JSON.stringify({ data: 'x'.repeat(5_000) }));
    const http = client({ maxBytes: 1_000 });
    const err = await http.getJson(`${BASE}/big`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/size cap/);
    expect(scope.isDone()).toBe(true);
    expect(http.stats.requests).toBe(1);
  });

  it('retries a request that times out', async () => {
    const scope = nock(BASE).get('/slow').delay(500).reply(200, { late: true }).get('/slow').reply(200, { ok: true });
    const http = client({ timeoutMs: 100 });
    await expect(http.getJson(`${BASE}/slow`)).resolves.toEqual({ ok: true });
    expect(scope.isDone()).toBe(true);
    expect(http.stats.retries).toBe(1);
  });

  it('gives up on a request that always times out with a TransientError', async () => {
    nock(BASE).get('/slow').times(2).delay(300).reply(200, {});
    const http = client({ timeoutMs: 50, retries: 1 });
    await expect(http.getJson(`${BASE}/slow`)).rejects.toBeInstanceOf(TransientError);
    expect(http.stats.requests).toBe(2);
  });

  it('spaces requests to the rate limit: 5 requests at 10/s take at least ~400 ms', async () => {
    const scope = nock(BASE).get('/r').times(5).reply(200, {});
    const clock = fakeClock();
    const http = client({ rateLimit: 10, clock });
    const t0 = clock.now();
    await Promise.all(Array.from({ length: 5 }, () => http.getJson(`${BASE}/r`)));
    const elapsed = clock.now() - t0;
    expect(scope.isDone()).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(http.stats.throttledMs).toBeGreaterThanOrEqual(380);
  });

  it('applies the rate limit to retries too', async () => {
    nock(BASE).get('/r').times(2).reply(503).get('/r').reply(200, {});
    const clock = fakeClock();
    const http = client({ rateLimit: 5, minDelayMs: 0, clock });
    const t0 = clock.now();
    await http.getJson(`${BASE}/r`);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(380); // 3 attempts, 200 ms apart
  });

  it('does not limit when rateLimit is 0', async () => {
    nock(BASE).get('/r').times(5).reply(200, {});
    const http = client({ rateLimit: 0 });
    for (let i = 0; i < 5; i++) await http.getJson(`${BASE}/r`);
    expect(http.stats.throttledMs).toBe(0);
  });
});
