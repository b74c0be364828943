/** /metrics: Prometheus text. */
import { Router } from 'express';
import { renderMetrics } from '../metrics.js';
import type { RouteContext } from './context.js';

export function metricsRoutes(c: RouteContext): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await renderMetrics(c.rt, c.clock());
    res.set('Cache-Control', 'no-store').type(contentType).send(body);
  });
  return router;
}
