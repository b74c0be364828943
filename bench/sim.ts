/**
 * The simulator in its own process: generates the benchmark's world for one volume and serves
 * it on 127.0.0.1 until the parent closes stdin. With `missing`, that many dossiers of one
 * non-root agency, received in the period, are taken out of the national copy (never synced
 * nationally), so that (agency, received) is a key with `missing` differing dossiers.
 */
import { rootAgency } from '../src/domain/codes.js';
import { hasMetric, metricsOf } from '../src/reconcile/counting.js';
import { startSimulator } from '../src/sim/dvcqg-server.js';
import { generateWorld, type TruthEntry, type WorldOptions } from '../src/sim/world.js';
import { PROVINCE, argsOf, report, untilParentStops, worldOptions } from './common.js';

export interface SimArgs {
  volume: number;
  missing?: number;
  /** World options over `worldOptions(volume)` (agencies, procedures, injections, provinces). */
  world?: Partial<WorldOptions>;
  /** Report the ground truth and the national dossiers per agency. */
  truth?: boolean;
  /** Report `lastNightAt`: the window end after which this many local records were updated. */
  updatesSince?: number;
}
export interface SimReady {
  url: string;
  sourceUrl: string;
  nationalUrl: string;
  now: number;
  generateMs: number;
  drill?: { agency: string; missing: number };
  truth?: TruthEntry[];
  nationalByAgency?: Record<string, number>;
  /** Every province's source URL, for a world of several provinces. */
  sourceUrls?: Record<string, string>;
  lastNightAt?: number;
}

const args = argsOf<SimArgs>();
const t0 = performance.now();
const world = generateWorld({ ...worldOptions(args.volume), ...args.world });
let drill: SimReady['drill'];
if (args.missing) {
  const p = world.provinces[0]!;
  const root = rootAgency(PROVINCE);
  const received = new Map<string, number>();
  const counted = (d: (typeof p.local)[number]) => hasMetric(metricsOf(d, world.period), 'received');
  for (const d of p.local)
    if (d.agency !== root && counted(d)) received.set(d.agency, (received.get(d.agency) ?? 0) + 1);
  const agency = [...received].sort((a, b) => b[1] - a[1])[0]![0];
  const gone = new Set<string>();
  for (const d of p.local) {
    if (gone.size >= args.missing) break;
    if (d.agency === agency && counted(d)) gone.add(d.code);
  }
  p.national = p.national.filter((d) => !gone.has(d.code));
  drill = { agency, missing: gone.size };
}
const generateMs = performance.now() - t0;
// prerender: the simulator serves ready-made JSON, so the figures are the worker's, not the simulator's formatting
const sim = await startSimulator(world, { host: '127.0.0.1', prerender: true });
report({
  url: sim.url,
  sourceUrl: sim.sourceUrl(PROVINCE),
  nationalUrl: sim.nationalUrl,
  now: world.now,
  generateMs,
  drill,
  ...(args.truth ? { truth: world.truth, nationalByAgency: nationalByAgency() } : {}),
  sourceUrls: Object.fromEntries(world.provinces.map((p) => [p.province, sim.sourceUrl(p.province)])),
  ...(args.updatesSince ? { lastNightAt: lastNightAt(args.updatesSince) } : {}),
} satisfies SimReady);

/** The latest whole second after which at least `n` local records of the world were updated. */
function lastNightAt(n: number): number {
  const times = world.provinces.flatMap((p) => p.local.map((d) => d.updatedAt)).sort((a, b) => b - a);
  return times[Math.min(n, times.length) - 1]! - 1000;
}

function nationalByAgency(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of world.provinces) for (const d of p.national) out[d.agency] = (out[d.agency] ?? 0) + 1;
  return out;
}
await untilParentStops();
await sim.close();
process.exit(0);
