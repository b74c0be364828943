/**
 * A province whose agencies include one in a form of `codes.agencyPatterns` (docs/domain.md,
 * Agency codes), over a night against the simulators and a private Redis: the source's
 * dossiers of that agency are stored under it, and in the explanation pass the national
 * items read from the root's list (which name no agency but by their code) are attributed to
 * it, so its key is explained by its own dossier.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { rootAgency } from '../../src/domain/codes.js';
import { hasMetric, metricsOf } from '../../src/reconcile/counting.js';
import { runNightly } from '../../src/queue/nightly.js';
import { startSimulator } from '../../src/sim/dvcqg-server.js';
import { NO_INJECT, generateWorld, sortByUpdated } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();
const closers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c.close();
});

const ROOT = rootAgency('H49');
/** An agency in a vendor's own form, and the pattern that makes it one. */
const CUSTOM = 'HCM-H49-12';
const PATTERN = String.raw`HCM-(?<province>H\d{2})-\d+`;
const NONE = NO_INJECT;

describe('explanation pass: an agency code in a configured form', () => {
  it("the root's list attributes its national items to that agency: its key explained by its own dossier", async () => {
    const world = generateWorld({
      seed: 7,
      month: '2026-10',
      provinces: ['H49'],
      dossiersPerProvince: 400,
      inject: NONE,
    });
    const w = world.provinces[0]!;
    const p = world.period;
    const received = (d: CanonicalDossier) => hasMetric(metricsOf(d, p), 'received');
    // a dossier of the configured agency, finished locally and still in progress nationally
    const like = w.national.find((d) => d.agency !== ROOT && received(d) && d.status === STATUS.RETURNED)!;
    const ours: CanonicalDossier = { ...like, code: `${CUSTOM}${like.code.slice(-12)}`, agency: CUSTOM };
    const theirs: CanonicalDossier = {
      ...ours,
      status: STATUS.IN_PROGRESS,
      finishedAt: null,
      returnedAt: null,
      updatedAt: ours.updatedAt - 3_600_000,
    };
    // the root has a mismatch of its own (a dossier not synced): its list, the whole province, is read
    const gone = w.national.find((d) => d.agency === ROOT && received(d))!;
    w.local = [...w.local, ours];
    w.national = [...w.national.filter((d) => d !== gone), theirs];
    w.agencies = [...w.agencies, CUSTOM].sort();
    sortByUpdated(w.local);
    sortByUpdated(w.national);

    const sim = await startSimulator(world);
    closers.push(sim);
    const config = simConfig(sim, world, redis, {
      national: { staleAfterDays: 0 },
      extra: { codes: { agencyPatterns: [PATTERN] } },
    });
    const rt = simRuntime(config, world);
    closers.push(rt);
    rt.startWorker();
    const report = await runNightly(rt, { period: { from: p.from, to: p.to }, windowTo: world.now });
    expect(await rt.queue.getFailed()).toEqual([]);
    const r = report.provinces[0]!;
    expect(r.coverage.status).toBe('complete');
    expect((await rt.store.getDossiers('H49', [ours.code])).get(ours.code)?.agency).toBe(CUSTOM);

    expect(new Set(r.mismatches.map((m) => m.agency))).toEqual(new Set([CUSTOM, ROOT]));
    expect(Object.fromEntries(r.findings.map((f) => [f.dossierCode, [f.kind, f.agency]]))).toEqual({
      [ours.code]: ['status_lag', CUSTOM],
      [gone.code]: ['missing_national', ROOT],
    });
    for (const m of r.mismatches) expect(m.residual).toBe(0);
  }, 120_000);
});
