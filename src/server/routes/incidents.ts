/** The incidents: their list, one incident's page, and their JSON. */
import { Router } from 'express';
import { PAGE_LABELS } from '../labels.js';
import { incidentPage, incidentsPage, sortIncidents } from '../pages/incidents.js';
import { notFoundPage } from '../pages/layout.js';
import { incidentDossiers } from '../trace.js';
import type { RouteContext } from './context.js';

export function incidentsRoutes(c: RouteContext): Router {
  const { rt } = c;
  const router = Router();
  router.get('/incidents', async (req, res) => {
    c.page(res, incidentsPage(c.ctxOf(req), await rt.incidents.list()));
  });
  router.get('/incidents/:key', async (req, res) => {
    const ctx = c.ctxOf(req);
    const [incident] = await rt.incidents.get([req.params.key]);
    if (!incident) {
      c.page(res, notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].incident} ${req.params.key}`), 404);
      return;
    }
    // The runs of its history, the latest ones only: the page stays bounded however long it stays
    // open. Of each, only its province's findings: its dossiers are among them (docs/architecture.md).
    const ids = [...new Set(incident.history.map((h) => h.runId))].slice(-c.runsTraced);
    const runs = await rt.runs.findingsOf(ids, incident.province);
    c.page(res, incidentPage(ctx, incident, incidentDossiers([incident], runs).get(incident.key) ?? []));
  });
  router.get('/api/incidents', async (_req, res) => {
    res.json({ incidents: sortIncidents(await rt.incidents.list()) });
  });
  return router;
}
