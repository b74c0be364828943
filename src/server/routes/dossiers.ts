/** A dossier's page: where it shows up across the latest runs and the incidents it is part of. */
import { Router } from 'express';
import { PAGE_LABELS } from '../labels.js';
import { dossierPage } from '../pages/dossier.js';
import { notFoundPage } from '../pages/layout.js';
import { repairDossierSection } from '../pages/repair.js';
import { appearancesOf, incidentDossiers } from '../trace.js';
import type { RouteContext } from './context.js';

export function dossiersRoutes(c: RouteContext): Router {
  const router = Router();
  router.get('/dossiers/:code', async (req, res) => {
    const ctx = c.ctxOf(req);
    const code = req.params.code;
    // Only the findings that name the code, in each of the latest runs: the dossiers behind an
    // incident that are this one are among them (docs/architecture.md).
    const traced = await c.rt.runs.findingsNaming(await c.rt.runs.list(c.runsTraced), code);
    const appearances = appearancesOf(code, traced);
    if (!appearances.length) {
      c.page(
        res,
        notFoundPage(ctx, `${PAGE_LABELS[ctx.lang].dossier} ${code}. ${PAGE_LABELS[ctx.lang].searched(traced.length)}`),
        404,
      );
      return;
    }
    const provinces = new Set(appearances.map((a) => a.province));
    const incidents = await c.rt.incidents.ofProvinces([...provinces]);
    const behind = incidentDossiers(incidents, traced);
    const related = incidents.filter((i) => behind.get(i.key)?.some((d) => d.code === code));
    c.page(
      res,
      dossierPage(
        ctx,
        code,
        appearances,
        related,
        traced.length,
        repairDossierSection(ctx, await c.rt.repairs.ofDossier(code)),
      ),
    );
  });
  return router;
}
