/**
 * A repair from the dashboard, behind its token: the plan shown first (GET), then a confirmed
 * POST that queues it; the pushed dossiers' records on the run page and the dossier page. A POST
 * without the token, without the confirmation or from another site pushes nothing.
 */
import { describe, expect, it } from 'vitest';
import { REPAIRABLE_KINDS } from '../../schemas/repair.js';
import { startServer } from '../../src/server/index.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { useRepairNight } from '../helpers/repair.js';
import { until } from '../helpers/workers.js';

const redis = useRedis();
const world = generateWorld({
  seed: 53,
  month: '2026-10',
  provinces: ['H49'],
  dossiersPerProvince: 400,
  inject: {
    notSynced: 2,
    statusLag: 1,
    dateShift: 1,
    definitionDrift: 1,
    missingLocal: 1,
    replacedCode: 1,
    unmappedProcedure: 0,
    duplicateNational: 0,
  },
});
const TOKEN = 'repair-token-0123456789abcdef';
const night1 = useRepairNight(world, redis);
const repairable = world.truth
  .filter((t) => (REPAIRABLE_KINDS as readonly string[]).includes(t.kind))
  .map((t) => t.dossierCode)
  .sort();

describe('repair from the dashboard', () => {
  it('shows the plan, pushes only once confirmed, and shows each pushed dossier on the run and dossier pages', async () => {
    const server = await startServer({ runtime: night1.rt, host: '0.0.0.0', port: 0, token: TOKEN, lang: 'en' });
    try {
      const runId = night1.first.runId;
      const at = `${server.url}/runs/${encodeURIComponent(runId)}/repair`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };

      expect((await fetch(at)).status).toBe(401);
      expect(
        (
          await fetch(at, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'confirm=yes',
          })
        ).status,
      ).toBe(401);
      const planPage = await fetch(at, { headers: auth });
      expect(planPage.status).toBe(200);
      const text = await planPage.text();
      expect(text).toContain(`${repairable.length} dossier(s) to push`);
      for (const code of repairable) expect(text).toContain(code);
      expect(text).toContain('missing_local');
      expect(text).toMatch(
        /<form method="post" action="\/runs\/[^"]+\/repair">\s*<input type="hidden" name="confirm" value="yes" \/?>/,
      );
      const plan = (await (
        await fetch(`${server.url}/api/runs/${encodeURIComponent(runId)}/repair`, { headers: auth })
      ).json()) as { push: unknown[] };
      expect(plan.push).toHaveLength(repairable.length);
      expect((await fetch(`${at}?kind=nonsense`, { headers: auth })).status).toBe(400);

      // not confirmed, or from another site: nothing
      expect((await fetch(at, { method: 'POST', headers: form, body: '' })).status).toBe(400);
      expect(
        (await fetch(at, { method: 'POST', headers: { ...form, 'sec-fetch-site': 'cross-site' }, body: 'confirm=yes' }))
          .status,
      ).toBe(403);
      expect(night1.sim.nationalPushes()).toEqual([]);

      const posted = await fetch(at, { method: 'POST', headers: form, body: 'confirm=yes', redirect: 'manual' });
      expect(posted.status).toBe(303);
      expect(posted.headers.get('location')).toMatch(/^\/runs\/[^?#]+\?repair=\d+#repairs$/);
      await until(
        'the repair to be recorded',
        async () => (await night1.rt.repairs.records(runId)).length === repairable.length,
      );
      expect(night1.sim.nationalPushes().map((p) => p.code)).toEqual(repairable);

      const runPage = await (await fetch(`${server.url}/runs/${encodeURIComponent(runId)}`, { headers: auth })).text();
      expect(runPage).toContain(`Pushed to the portal (${repairable.length})`);
      expect(runPage).toContain('dashboard');
      const dossierPage = await (
        await fetch(`${server.url}/dossiers/${encodeURIComponent(repairable[0]!)}`, { headers: auth })
      ).text();
      expect(dossierPage).toContain('Pushed to the portal (1)');
      expect(dossierPage).toMatch(/stored/);
      const records = (await (
        await fetch(`${server.url}/api/runs/${encodeURIComponent(runId)}/repairs`, { headers: auth })
      ).json()) as { records: { by: string }[] };
      expect(records.records.map((r) => r.by)).toEqual(repairable.map(() => 'dashboard'));
    } finally {
      await server.close();
    }
  });
});
