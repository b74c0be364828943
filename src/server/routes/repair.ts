/**
 * A run's repair from the dashboard (behind its token and same-origin check, like every route):
 * `GET /runs/:id/repair` shows the plan (filters `province`, `kind`, `agency`, comma-separated,
 * and `limit` in the query) with a confirmation form; `POST` to the same address with
 * `confirm=yes` queues the plan's batches for a worker, as `dossier-sync repair` does, and goes
 * back to the run page. JSON: `GET /api/runs/:id/repair` (the plan) and `/api/runs/:id/repairs`
 * (the records of pushed dossiers).
 */
import express, { type Request, type Response } from 'express';
import { FINDING_KINDS, UNEXPLAINED } from '../../../schemas/report.js';
import type { PlanFilters } from '../../reconcile/repair.js';
import { enqueueRepair, planRunRepair, RepairPlanError } from '../../queue/repair.js';
import { repairBatches } from '../../reconcile/repair.js';
import { notFoundPage, runHref } from '../pages/layout.js';
import { repairPlanPage } from '../pages/repair.js';
import type { RouteContext } from './context.js';

class FilterError extends Error {}

const list = (v: unknown) =>
  typeof v === 'string' && v !== ''
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;

/** The plan's filters from the query string; a kind or limit that makes no sense is a 400 naming it. */
export function filtersOf(q: Request['query']): PlanFilters {
  const kinds = list(q.kind);
  const known: readonly string[] = [...FINDING_KINDS, UNEXPLAINED];
  const bad = kinds?.find((k) => !known.includes(k));
  if (bad) throw new FilterError(`kind: "${bad}" is not one of ${known.join(', ')}`);
  let limit: number | undefined;
  if (q.limit !== undefined && q.limit !== '') {
    limit = Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new FilterError(`limit: must be a whole number from 1, not "${String(q.limit)}"`);
  }
  return { provinces: list(q.province), kinds, agencies: list(q.agency), limit };
}

export function repairRoutes(view: RouteContext): express.Router {
  const { rt } = view;
  const router = express.Router();
  /** The run's plan, or an answer already sent (unknown run: 404; bad filters: 400). */
  const planOf = async (req: Request, res: Response, json: boolean) => {
    const runId = String(req.params.id);
    if (!(await rt.runs.meta(runId))) {
      if (json) res.status(404).json({ error: `no run "${runId}"` });
      else view.page(res, notFoundPage(view.ctxOf(req), runId), 404);
      return undefined;
    }
    try {
      const filters = filtersOf(req.query);
      return { filters, plan: await planRunRepair(rt, runId, filters) };
    } catch (err) {
      if (!(err instanceof FilterError) && !(err instanceof RepairPlanError)) throw err;
      res.status(400).json({ error: (err as Error).message });
      return undefined;
    }
  };
  router.get('/api/runs/:id/repair', async (req, res) => {
    const got = await planOf(req, res, true);
    if (got) res.json(got.plan);
  });
  router.get('/api/runs/:id/repairs', async (req, res) => {
    res.json({ records: await rt.repairs.records(String(req.params.id)) });
  });
  router.get('/runs/:id/repair', async (req, res) => {
    const got = await planOf(req, res, false);
    if (got)
      view.page(
        res,
        repairPlanPage(
          view.ctxOf(req),
          got.plan,
          got.filters,
          repairBatches(got.plan.push, rt.config.repair.batchSize).length,
        ),
      );
  });
  router.post('/runs/:id/repair', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
      res.status(400).json({ error: 'confirm=yes is required: open the plan first (GET the same address)' });
      return;
    }
    const got = await planOf(req, res, true);
    if (!got) return;
    const jobs = await enqueueRepair(rt, got.plan, 'dashboard');
    rt.logger.info(
      { runId: got.plan.runId, dossiers: got.plan.push.length, batches: jobs.length },
      'repair queued from the dashboard',
    );
    const ctx = view.ctxOf(req);
    const url = new URL(runHref(ctx, got.plan.runId), 'http://x');
    url.searchParams.set('repair', String(jobs.length));
    res.redirect(303, `${url.pathname}${url.search}#repairs`);
  });
  return router;
}
