/** /healthz (the process answers) and /readyz (Redis answers PING). */
import { Router } from 'express';
import type { Runtime } from '../../queue/runtime.js';
import type { RouteContext } from './context.js';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  p.catch(() => {}); // a late rejection after the timeout is not unhandled
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** /readyz: Redis answers PING. */
export async function redisReady(
  rt: Runtime,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const status = rt.redis.status;
  if (status !== 'ready') return { ok: false, reason: `Redis connection is ${status}` };
  try {
    const pong = await withTimeout(rt.redis.ping(), timeoutMs, 'Redis PING');
    return pong === 'PONG' ? { ok: true } : { ok: false, reason: `Redis answered PING with "${pong}"` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

export function healthRoutes(c: RouteContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const r = await redisReady(c.rt, c.readyTimeoutMs);
    res.set('Cache-Control', 'no-store');
    if (r.ok) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable', reason: r.reason });
  });
  return router;
}
