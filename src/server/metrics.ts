/**
 * `/metrics`: Prometheus text, read from Redis at scrape time (so it is right whichever
 * process did the work), into a Registry of our own built for each scrape.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { JOBS } from '../../jobs/registry.js';
import type { Runtime } from '../queue/runtime.js';

export const METRIC_PREFIX = 'dossier_sync_';

export interface SourceSnapshot {
  source: string;
  province: string;
  /** The latest run's counters for this source (zero when it pulled nothing). */
  lastRun: { pulled: number; applied: number; unchanged: number; quarantined: number } | null;
  /** Items in the source's quarantine, all runs. */
  quarantined: number;
  /** now − checkpoint.syncedTo, in seconds; null when never synced. */
  lagSeconds: number | null;
}

export interface MetricsSnapshot {
  lastRun: { runId: string; startedAt: number } | null;
  sources: SourceSnapshot[];
  failedJobs: Record<string, number>;
  openIncidents: Record<string, number>;
  queue: Record<string, number>;
  /** National requests sent and dossier records fetched, every run so far, per province. */
  national: Record<string, { requests: number; records: number }>;
  /** The latest run's service index (an estimate): points per province, indicator (or `total`) and side. */
  index?: IndexPoint[];
}

export interface IndexPoint {
  province: string;
  indicator: string;
  side: 'local' | 'national';
  points: number;
}

/** A run's service index as gauge points: each indicator and the total, on both sides. */
export async function indexPoints(rt: Runtime, runId: string, provinces: readonly string[]): Promise<IndexPoint[]> {
  const out: IndexPoint[] = [];
  for (const province of provinces) {
    const x = (await rt.runs.province(runId, province))?.index;
    if (!x) continue;
    for (const side of ['local', 'national'] as const) {
      for (const i of x.indicators) out.push({ province, indicator: i.id, side, points: i[side].points });
      out.push({ province, indicator: 'total', side, points: x.total[side] });
    }
  }
  return out;
}

export async function snapshot(rt: Runtime, now: number = Date.now()): Promise<MetricsSnapshot> {
  const runId = await rt.runs.latestRunId();
  const meta = runId ? await rt.runs.meta(runId) : undefined;
  const sources = await Promise.all(
    rt.config.sources.map(async (s): Promise<SourceSnapshot> => {
      const [counters, reasons, cp] = await Promise.all([
        runId ? rt.store.syncCounters(s.province, s.id, runId) : Promise.resolve(null),
        rt.store.quarantineReasons(s.province, s.id),
        rt.store.getCheckpoint(s.province, s.id),
      ]);
      return {
        source: s.id,
        province: s.province,
        lastRun: counters && {
          pulled: counters.pulled,
          applied: counters.applied,
          unchanged: counters.unchanged,
          quarantined: counters.quarantined,
        },
        quarantined: Object.values(reasons).reduce((a, b) => a + b, 0),
        lagSeconds: cp.syncedTo === null ? null : Math.max(0, (now - cp.syncedTo) / 1000),
      };
    }),
  );
  const failedJobs: Record<string, number> = Object.fromEntries([...JOBS.keys()].map((n) => [n, 0]));
  for (const j of await rt.queue.getFailed(0, -1)) failedJobs[j.name] = (failedJobs[j.name] ?? 0) + 1;
  const openIncidents: Record<string, number> = Object.fromEntries(rt.config.sources.map((s) => [s.province, 0]));
  for (const i of await rt.incidents.list({ status: 'open' }))
    openIncidents[i.province] = (openIncidents[i.province] ?? 0) + 1;
  const queue = await rt.queue.getJobCounts();
  const national = Object.fromEntries(await rt.runs.nationalLoad());
  return {
    lastRun: meta ? { runId: meta.runId, startedAt: Date.parse(meta.startedAt) } : null,
    sources,
    failedJobs,
    openIncidents,
    queue,
    national,
    index: meta ? await indexPoints(rt, meta.runId, meta.provinces) : [],
  };
}

type GaugeMaker = <L extends string>(name: string, help: string, labelNames: readonly L[]) => Gauge<L>;

/** Makes gauges registered in `registry`, named with the metrics prefix. */
function gaugeMaker(registry: Registry): GaugeMaker {
  return <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [registry] });
}

/** The per-source gauges of the snapshot: the latest run's records, the quarantine and the sync lag. */
function sourceGauges(gauge: GaugeMaker, s: MetricsSnapshot): void {
  const perSource = ['source', 'province'] as const;
  const pulled = gauge(
    'last_run_records_pulled',
    'Records pulled from the source by the latest run (applied + unchanged + quarantined).',
    perSource,
  );
  const applied = gauge('last_run_records_applied', 'Records of the latest run that changed the store.', perSource);
  const unchanged = gauge(
    'last_run_records_unchanged',
    'Records of the latest run no newer than the stored ones.',
    perSource,
  );
  const quarantinedRun = gauge(
    'last_run_records_quarantined',
    'Records of the latest run that failed validation and were quarantined.',
    perSource,
  );
  const quarantine = gauge('quarantined_items', 'Items in the source quarantine, all runs.', perSource);
  const lag = gauge(
    'sync_lag_seconds',
    'Seconds since the instant up to which every update of the source has been applied.',
    perSource,
  );
  for (const src of s.sources) {
    const l = { source: src.source, province: src.province };
    if (src.lastRun) {
      pulled.set(l, src.lastRun.pulled);
      applied.set(l, src.lastRun.applied);
      unchanged.set(l, src.lastRun.unchanged);
      quarantinedRun.set(l, src.lastRun.quarantined);
    }
    quarantine.set(l, src.quarantined);
    if (src.lagSeconds !== null) lag.set(l, src.lagSeconds);
  }
}

/** The snapshot as a registry of gauges. */
export function registryOf(s: MetricsSnapshot): Registry {
  const registry = new Registry();
  const gauge = gaugeMaker(registry);
  sourceGauges(gauge, s);
  // A gauge without labels reads 0 until set: left out until there is a run.
  if (s.lastRun)
    gauge(
      'last_run_start_time_seconds',
      'Start of the latest reconciliation run, seconds since the Unix epoch.',
      [],
    ).set(s.lastRun.startedAt / 1000);

  const failed = gauge(
    'failed_jobs',
    'Jobs in the failed set, by job name (sync-source: failed sync batches awaiting replay).',
    ['name'],
  );
  for (const [name, n] of Object.entries(s.failedJobs)) failed.set({ name }, n);
  const open = gauge(
    'open_incidents',
    'Open incidents (root causes at an agency, or its unexplained figures, still open), by province.',
    ['province'],
  );
  for (const [province, n] of Object.entries(s.openIncidents)) open.set({ province }, n);
  const depth = gauge('queue_jobs', 'Jobs in the queue, by state.', ['state']);
  for (const [state, n] of Object.entries(s.queue)) depth.set({ state }, n);
  const counter = (name: string, help: string) =>
    new Counter<'province'>({ name: `${METRIC_PREFIX}${name}`, help, labelNames: ['province'], registers: [registry] });
  const requests = counter(
    'national_requests_total',
    'Requests sent to the national portal (statistics, lists, look-ups), by province.',
  );
  const records = counter(
    'national_records_total',
    'Dossier records the national portal returned (lists and look-ups), by province.',
  );
  for (const [province, load] of Object.entries(s.national)) {
    requests.inc({ province }, load.requests);
    records.inc({ province }, load.records);
  }
  const index = gauge(
    'index_points',
    "National service index points of the latest run (an estimate: computed from dossier data with the configured weights), by province, indicator (1.4, 2.1, 3.3, 4.3, 5.4 or total) and side (local: the province's data; national: the portal's).",
    ['province', 'indicator', 'side'],
  );
  for (const p of s.index ?? []) index.set({ province: p.province, indicator: p.indicator, side: p.side }, p.points);
  return registry;
}

export async function renderMetrics(
  rt: Runtime,
  now: number = Date.now(),
): Promise<{ contentType: string; body: string }> {
  const registry = registryOf(await snapshot(rt, now));
  return { contentType: registry.contentType, body: await registry.metrics() };
}
