/** The runs: the home page (latest runs under the trend), a run's page, and their JSON. */
import { Router } from 'express';
import { PAGE_LABELS } from '../labels.js';
import { notFoundPage } from '../pages/layout.js';
import { queuedNotice, repairRunSection } from '../pages/repair.js';
import { RUN_SECTIONS, runPage } from '../pages/run.js';
import { runsPage } from '../pages/runs.js';
import { trendOf } from '../trace.js';
import type { RouteContext } from './context.js';

export function runsRoutes(c: RouteContext): Router {
  const { rt } = c;
  const router = Router();
  router.get('/', async (req, res) => {
    // The runs' lines only: the list and the trend show counts, never a run's findings.
    const traced = await c.lines(Math.max(c.runsShown, c.runsTraced));
    c.page(
      res,
      runsPage(c.ctxOf(req), traced.slice(0, c.runsShown), {
        points: trendOf(traced.slice(0, c.runsTraced)),
        runs: Math.min(traced.length, c.runsTraced),
      }),
    );
  });
  router.get('/runs/:id', async (req, res) => {
    const ctx = c.ctxOf(req);
    const r = await rt.runs.report(req.params.id);
    if (!r) c.page(res, notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].run} ${req.params.id}`), 404);
    else {
      const queued = typeof req.query.repair === 'string' ? Number(req.query.repair) : undefined;
      const repairs = repairRunSection(
        await rt.repairs.records(r.runId),
        queued === undefined ? undefined : (lang) => queuedNotice(lang, queued),
      );
      c.page(res, runPage(ctx, r, [...RUN_SECTIONS, repairs]));
    }
  });
  router.get('/api/runs', async (_req, res) => {
    const runs = (await c.lines()).map((r) => ({
      runId: r.runId,
      period: r.period,
      window: r.window,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      status: r.status,
      provinces: r.provinces.map((p) => ({
        province: p.province,
        coverage: p.coverage,
        mismatches: p.mismatches,
        findings: p.findings,
        unexplained: p.unexplained,
        incidents: p.incidents,
      })),
    }));
    res.json({ runs });
  });
  router.get('/api/runs/:id', async (req, res) => {
    const r = await rt.runs.report(req.params.id);
    if (!r) res.status(404).json({ error: `no run "${req.params.id}"` });
    else res.json(r);
  });
  return router;
}
