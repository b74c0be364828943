/** Each source's quarantine: its page and its JSON. */
import { Router } from 'express';
import type { Runtime } from '../../queue/runtime.js';
import { quarantinePage, type SourceQuarantine } from '../pages/quarantine.js';
import type { RouteContext } from './context.js';

/** Each configured source's reasons and first items. */
function quarantines(rt: Runtime): Promise<SourceQuarantine[]> {
  return Promise.all(
    rt.config.sources.map(async (s) => ({
      source: s.id,
      province: s.province,
      reasons: await rt.store.quarantineReasons(s.province, s.id),
      items: await rt.store.quarantineEntries(s.province, s.id, 50),
    })),
  );
}

export function quarantineRoutes(c: RouteContext): Router {
  const router = Router();
  router.get('/quarantine', async (req, res) => {
    c.page(res, quarantinePage(c.ctxOf(req), await quarantines(c.rt)));
  });
  router.get('/api/quarantine', async (_req, res) => {
    res.json({ sources: await quarantines(c.rt) });
  });
  return router;
}
