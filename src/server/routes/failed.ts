/** The failed sync batches: their page, their JSON, and replaying one (a form on the page, or JSON). */
import { Router } from 'express';
import { PAGE_LABELS } from '../labels.js';
import { failedPage } from '../pages/failed.js';
import { failedBatches, replayFailedJob, ReplayError } from '../replay.js';
import type { RouteContext } from './context.js';

export function failedRoutes(c: RouteContext): Router {
  const { rt } = c;
  const router = Router();
  router.get('/failed', async (req, res) => {
    const ctx = c.ctxOf(req);
    const { replayed, as } = req.query;
    const notice =
      typeof replayed === 'string' && typeof as === 'string' ? PAGE_LABELS[ctx.lang].replayed(replayed, as) : undefined;
    c.page(res, failedPage(ctx, (await failedBatches(rt)).reverse(), notice));
  });
  router.get('/api/failed', async (_req, res) => {
    const failed = (await failedBatches(rt)).reverse(); // newest first
    res.json({ failed });
  });
  router.post('/api/replay/:jobId', async (req, res) => {
    const wantsPage = req.is('application/x-www-form-urlencoded') || req.accepts(['json', 'html']) === 'html';
    try {
      const r = await replayFailedJob(rt, req.params.jobId);
      rt.logger.info(r, 'failed sync batch replayed from the dashboard');
      if (wantsPage) {
        const ctx = c.ctxOf(req);
        const q = new URLSearchParams({ replayed: r.replayed, as: r.jobId });
        if (ctx.lang !== c.defaultLang) q.set('lang', ctx.lang);
        res.redirect(303, `/failed?${q}`);
      } else res.status(201).json(r);
    } catch (err) {
      if (!(err instanceof ReplayError)) throw err;
      res.status(err.status).json({ error: err.message });
    }
  });
  return router;
}
