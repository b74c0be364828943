/**
 * The country night, orchestrated from its own process: `workers` worker processes
 * (bench/worker.ts) run every job; this one starts the nights (`runNightly`) as the scheduler
 * would. The night before (the initial load of every province up to `lastNightAt`) is run first
 * and not held against the target; then the measured night pulls what was updated since, counts,
 * explains and finishes. Reports the night's time, its national requests and records against
 * the examined agencies' national dossiers, and its findings against the world's ground truth.
 */
import { pino } from 'pino';
import { runNightly } from '../src/queue/nightly.js';
import { createRuntime } from '../jobs/runtime.js';
import { MONTH, argsOf, nightConfig, peakRssMB, report, startChild, type Child } from './common.js';
import type { SimReady } from './sim.js';
import type { WorkerArgs } from './worker.js';
import { monthPeriod } from '../src/domain/period.js';
import { examinable } from '../src/reconcile/explain.js';

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
  /** Keys the night left unexplained (`unexplained` findings). */
  unexplained: number;
  /** The world's injected discrepancies, and how many of them no finding names / findings no injection explains. */
  truth: number;
  missed: number;
  extra: number;
  /** The kinds of the missed injections, and of the findings no injection explains. */
  missedKinds: Record<string, number>;
  extraKinds: Record<string, number>;
  nationalRequests: number;
  nationalRecords: number;
  /** The national dossiers of the agencies with a mismatch to explain, every province. */
  examinedNationalDossiers: number;
  peakRssMB: number;
}

const args = argsOf<CountryArgs>();
const { ready } = args;
const sourceUrls = ready.sourceUrls!;
const config = nightConfig(args.redisUrl, args.prefix, sourceUrls, ready.nationalUrl);
const rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(ready.now) });
const workers: Child<unknown>[] = [];
for (let i = 0; i < args.workers; i++) {
  const w = startChild('worker', {
    redisUrl: args.redisUrl,
    prefix: args.prefix,
    sourceUrls,
    nationalUrl: ready.nationalUrl,
    now: ready.now,
  } satisfies WorkerArgs);
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
const findings = night.provinces.flatMap((p) =>
  p.findings.filter((f) => f.kind !== 'unexplained').map((f) => `${p.province}|${f.kind}|${f.dossierCode}`),
);
const found = new Set(findings);
// An unmapped procedure code is a discrepancy only against a source configured with the
// local→national procedure map (docs/domain.md, Procedure codes; src/sim/world.ts): this night's sources
// (nightConfig) carry none, so the store holds the local variant as the national copy does,
// both sides count the dossier alike and there is nothing to find. Such entries are not truth here.
const truth = new Set(
  (ready.truth ?? [])
    .filter((e) => e.form !== 'unmapped_procedure')
    .map((e) => `${e.province}|${e.kind}|${e.dossierCode}`),
);
/** How many of these `province|kind|code` entries are of each kind. */
function kinds(entries: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.split('|')[1]!] = (out[e.split('|')[1]!] ?? 0) + 1;
  return out;
}
const examined = new Set(night.provinces.flatMap((p) => p.mismatches.filter(examinable).map((m) => m.agency)));
report({
  provinces: night.provinces.length,
  workers: args.workers,
  stored,
  pulled: night.provinces.reduce((n, p) => n + p.sources.reduce((m, s) => m + s.pulled, 0), 0),
  ms,
  firstNightMs,
  status: night.status,
  mismatches: night.provinces.reduce((n, p) => n + p.mismatches.length, 0),
  findings: found.size,
  unexplained: night.provinces.reduce((n, p) => n + p.findings.length, 0) - findings.length,
  truth: truth.size,
  missed: [...truth].filter((k) => !found.has(k)).length,
  extra: [...found].filter((k) => !truth.has(k)).length,
  missedKinds: kinds([...truth].filter((k) => !found.has(k))),
  extraKinds: kinds([...found].filter((k) => !truth.has(k))),
  nationalRequests: night.provinces.reduce((n, p) => n + (p.nationalRequests ?? 0), 0),
  nationalRecords: night.provinces.reduce((n, p) => n + (p.nationalRecords ?? 0), 0),
  examinedNationalDossiers: [...examined].reduce((n, a) => n + (ready.nationalByAgency?.[a] ?? 0), 0),
  peakRssMB: peakRssMB(),
} satisfies CountryResult);
for (const w of workers) await w.stop();
await rt.close();
process.exit(0);
