/** A deployment against the simulators for the repair tests: its file, a runtime with a worker, and a night. */
import type { Runtime } from '../../src/queue/runtime.js';
import { runNightly } from '../../src/queue/nightly.js';
import type { Simulator } from '../../src/sim/dvcqg-server.js';
import type { World } from '../../src/sim/world.js';
import type { RunReport } from '../../schemas/report.js';
import { SIM_ENV } from './sim.js';
import { configure, simWorkerConfig } from './workers.js';

export async function repairDeployment(dir: string, sim: Simulator, world: World, redis: { url: string; prefix(): string }, repair: Record<string, unknown> = {}) {
  const base = simWorkerConfig(sim, world, { url: redis.url, prefix: redis.prefix() }, 500);
  const raw = { ...base, national: { ...base.national, staleAfterDays: 0 }, repair };
  Object.assign(process.env, SIM_ENV); // an in-process runtime reads its secrets from the environment
  return configure(dir, raw, SIM_ENV);
}

/** One night over the world's month, through the queue (the runtime's worker must run). */
export function night(rt: Runtime, world: World): Promise<RunReport> {
  return runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
}

/** The report's dossier findings as `code kind`, sorted. */
export const findingsOf = (r: RunReport) => r.provinces.flatMap((p) => p.findings.filter((f) => f.dossierCode).map((f) => `${f.dossierCode} ${f.kind}`)).sort();
