/**
 * The country night, orchestrated from its own process: `workers` worker processes
 * (bench/worker.ts) run every job; this one starts the nights (`runNightly`) as the scheduler
 * would. The night before (the initial load of every province up to `lastNightAt`) is run first
 * and not held against the target; then the measured night pulls what was updated since, counts,
 * explains and finishes.
 */
import { pino } from 'pino';
import { runNightly } from '../src/queue/nightly.js';
import { createRuntime } from '../jobs/runtime.js';
import { MONTH, argsOf, nightConfig, peakRssMB, report, startChild, type Child } from './common.js';
import type { SimReady } from './sim.js';
import type { WorkerArgs } from './worker.js';
import { monthPeriod } from '../src/domain/period.js';

export interface CountryArgs {
  redisUrl: string;
  prefix: string;
  ready: SimReady;
  workers: number;
}
export interface CountryResult {
  provinces: number;
  workers: number;
  stored: number;
  pulled: number;
  ms: number;
  firstNightMs: number;
  status: string;
  mismatches: number;
  findings: number;
  peakRssMB: number;
}

const args = argsOf<CountryArgs>();
const { ready } = args;
const sourceUrls = ready.sourceUrls!;
const config = nightConfig(args.redisUrl, args.prefix, sourceUrls, ready.nationalUrl);
const rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(ready.now) });
const workers: Child<unknown>[] = [];
for (let i = 0; i < args.workers; i++) {
  const w = startChild('worker', { redisUrl: args.redisUrl, prefix: args.prefix, sourceUrls, nationalUrl: ready.nationalUrl, now: ready.now } satisfies WorkerArgs);
  workers.push(w);
  await w.next();
}
const { from, to } = monthPeriod(MONTH);
let t = performance.now();
await runNightly(rt, { period: { from, to }, windowTo: ready.lastNightAt! });
const firstNightMs = performance.now() - t;
t = performance.now();
const night = await runNightly(rt, { period: { from, to }, windowTo: ready.now });
const ms = performance.now() - t;
let stored = 0;
for (const p of Object.keys(sourceUrls)) stored += await rt.store.countDossiers(p);
report({
  provinces: night.provinces.length,
  workers: args.workers,
  stored,
  pulled: night.provinces.reduce((n, p) => n + p.sources.reduce((m, s) => m + s.pulled, 0), 0),
  ms,
  firstNightMs,
  status: night.status,
  mismatches: night.provinces.reduce((n, p) => n + p.mismatches.length, 0),
  findings: night.provinces.reduce((n, p) => n + p.findings.length, 0),
  peakRssMB: peakRssMB(),
} satisfies CountryResult);
for (const w of workers) await w.stop();
await rt.close();
process.exit(0);
