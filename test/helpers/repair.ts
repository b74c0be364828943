/** A deployment against the simulators for the repair tests: its file, a runtime with a worker, and a night. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Runtime } from '../../src/queue/runtime.js';
import { runNightly } from '../../src/queue/nightly.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/dvcqg-server.js';
import type { World } from '../../src/sim/world.js';
import type { RunReport } from '../../schemas/report.js';
import { SIM_ENV } from './sim.js';
import { configure, simWorkerConfig } from './workers.js';

export async function repairDeployment(
  dir: string,
  sim: Simulator,
  world: World,
  redis: { url: string; prefix(): string },
  repair: Record<string, unknown> = {},
) {
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
export const findingsOf = (r: RunReport) =>
  r.provinces.flatMap((p) => p.findings.filter((f) => f.dossierCode).map((f) => `${f.dossierCode} ${f.kind}`)).sort();

export interface RepairNight {
  sim: Simulator;
  rt: Runtime;
  /** The first night's report. */
  first: RunReport;
}

/**
 * Registers, for the test file, a simulator over `world`, a deployment on the test Redis with a
 * worker in this process, and the first night; closed after the file. Read the fields in tests.
 */
export function useRepairNight(
  world: World,
  redis: { url: string; prefix(): string },
  opts: { sim?: SimulatorOptions; repair?: Record<string, unknown> } = {},
): RepairNight {
  const state = {} as RepairNight;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dossier-sync-repair-'));
    state.sim = await startSimulator(world, opts.sim);
    ({ rt: state.rt } = await repairDeployment(dir, state.sim, world, redis, opts.repair));
    state.rt.startWorker();
    state.first = await night(state.rt, world);
  }, 120_000);
  afterAll(async () => {
    await state.rt?.close();
    await state.sim?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return state;
}
