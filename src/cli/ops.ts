/** The commands that work on a configured deployment: worker, reconcile, sync, report, replay. */
import type { Command } from 'commander';
import { jobIds } from '../queue/flows.js';
import { newRunId } from '../queue/nightly.js';
import { loadConfig, sourceById } from '../config/load.js';
import { makePeriod, monthPeriod } from '../domain/period.js';
import { rawItemCode } from '../domain/codes.js';
import { formatDay, parseDay } from '../domain/time.js';
import { createSource } from '../sources/index.js';
import { previewSync } from '../sources/preview.js';
import { reprocessQuarantine } from '../sources/quarantine.js';
import { awaitAlerts, deliveryLine, plannedAlerts } from '../queue/delivery.js';
import { createProgress } from './progress.js';
import { addHttpOptions, httpSettings, startHttp, type HttpCliOptions } from './serve.js';
import { createRuntime } from '../../jobs/runtime.js';
import { startupChecks, type Runtime } from '../queue/runtime.js';
import { failedBatches, replayAndWait } from '../queue/replay.js';
import { startSchedule } from '../queue/schedule.js';
import { createLogger } from '../util/logger.js';
import { addReportOptions, reportOutputOf, writeReport } from './format.js';
import { choice, positiveInt, previousMonth, untilSignal, withConfig } from './options.js';
import { runNightly } from '../queue/nightly.js';

async function open(opts: { config: string; logLevel?: string }): Promise<Runtime> {
  const config = await loadConfig(opts.config);
  const logger = createLogger({ level: opts.logLevel });
  const rt = createRuntime(config, logger);
  await startupChecks(rt);
  return rt;
}

async function withRuntime<T>(opts: { config: string; logLevel?: string }, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await open(opts);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

function periodOf(o: { month?: string; from?: string; to?: string }) {
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new Error('give both --from and --to, or --month');
    return makePeriod(o.from, o.to);
  }
  return monthPeriod(o.month ?? previousMonth(new Date()));
}

export function registerOps(program: Command): void {
  addHttpOptions(withConfig(program.command('worker')))
    .option('--http', 'also serve the dashboard, metrics and health checks')
    .description('run the queue worker and the nightly schedule until SIGINT/SIGTERM')
    .option('--concurrency <n>', 'jobs processed at once (default from the configuration)')
    .option('--no-schedule', 'do not install the nightly schedule nor catch up missed nights (for extra workers)')
    .option('--grace <seconds>', 'on SIGTERM, how long in-flight jobs may take to reach a safe point', '30')
    .action(async (o: { config: string; logLevel: string; concurrency?: string; schedule: boolean; grace: string; http?: boolean } & HttpCliOptions) => {
      const http = o.http ? httpSettings(o) : undefined; // checked before anything starts
      const rt = await open(o);
      rt.startWorker({ concurrency: o.concurrency ? positiveInt('--concurrency', o.concurrency) : undefined });
      const server = http ? await startHttp(rt, http) : undefined;
      if (server) rt.logger.info({ url: server.url }, 'dashboard, metrics and health served');
      if (o.schedule) {
        const { missed } = await startSchedule(rt);
        const { cron, timezone } = rt.config.schedule;
        rt.logger.info({ cron, timezone, caughtUp: missed.length }, 'nightly schedule installed');
      }
      rt.logger.info({ queue: rt.queue.name, pid: process.pid }, 'worker started');
      const signal = await untilSignal();
      rt.logger.info({ signal }, 'stopping: in-flight jobs finish their page and are handed back');
      await server?.close();
      await rt.close(positiveInt('--grace', o.grace) * 1000);
      rt.logger.info('stopped');
    });

  addReportOptions(withConfig(program.command('reconcile')))
    .description('sync every source and reconcile a period against the national portal, then print the report')
    .option('--month <YYYY-MM>', 'the month to reconcile (default: last month)')
    .option('--from <YYYY-MM-DD>', 'first day of the period (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of the period (with --from)')
    .option('--province <code...>', 'only these provinces')
    .option('--enqueue', 'only enqueue the run for a running worker, and print its id')
    .option('--alerts-wait <seconds>', "how long to wait for the run's alerts to be sent before exiting", '60')
    .action(async (o: { config: string; logLevel: string; month?: string; from?: string; to?: string; province?: string[]; enqueue?: boolean; format: string; lang: string; detail?: boolean; out?: string; alertsWait: string }) => {
      const output = reportOutputOf(o);
      const period = periodOf(o);
      await withRuntime(o, async (rt) => {
        const payload = { runId: newRunId(new Date()), period: { from: period.from, to: period.to }, provinces: o.province };
        if (o.enqueue) {
          await rt.queue.add('nightly', payload);
          process.stdout.write(`${payload.runId}\n`);
          return;
        }
        rt.startWorker();
        const progress = createProgress(`reconcile ${payload.runId}`);
        let report;
        try {
          report = await runNightly(rt, payload, undefined, (pages) => progress.update(pages));
        } finally {
          progress.stop();
        }
        await writeReport(report, output);
        if (report.provinces.some((p) => p.coverage.status !== 'complete')) process.exitCode = 2;
        // The run's alerts go out before the command exits; what the wait leaves is for a worker.
        const alerts = await plannedAlerts(rt.queue, payload.runId);
        if (alerts.length === 0) return;
        const delivery = await awaitAlerts(rt.queue, await rt.events(), alerts, positiveInt('--alerts-wait', o.alertsWait) * 1000);
        process.stderr.write(`${deliveryLine(delivery)}\n`);
        if (delivery.failed || delivery.retrying) process.exitCode ||= 1;
      });
    });

  withConfig(program.command('sync'))
    .description("pull one source's updates up to now; with --from/--to, backfill that window without moving the regular checkpoint")
    .requiredOption('--source <id>', 'source id from the configuration')
    .option('--from <YYYY-MM-DD>', 'backfill: first day of the window (Vietnam time)')
    .option('--to <YYYY-MM-DD>', 'backfill: last day of the window, inclusive (default: today)')
    .option('--dry-run', 'pull and normalise the window, print what would be applied, unchanged and quarantined (by reason); write nothing')
    .action(async (o: { config: string; logLevel: string; source: string; from?: string; to?: string; dryRun?: boolean }) => {
      if (o.to && !o.from) throw new Error('--to needs --from (a backfill window)');
      const backfill = o.from ? makePeriod(o.from, o.to ?? formatDay(Date.now())) : undefined;
      await withRuntime(o, async (rt) => {
        const cfg = sourceById(rt.config, o.source);
        if (o.dryRun) {
          // The window a sync would pull: the backfill's, or from the last completed sync to now.
          const from = backfill?.start ?? (await rt.store.getCheckpoint(cfg.province, cfg.id)).syncedTo ?? parseDay(cfg.initialFrom)!;
          const to = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
          const progress = createProgress(`dry run ${o.source}`);
          let preview;
          try {
            preview = await previewSync(createSource(cfg, { logger: rt.logger, dates: rt.config.dates, agencyPatterns: rt.config.codes.agencyPatterns }), { from, to }, (codes) => rt.store.versions(cfg.province, codes), (pages) => progress.update(pages));
          } finally {
            progress.stop();
          }
          process.stdout.write(`${JSON.stringify({ dryRun: true, source: o.source, ...preview })}\n`);
          return;
        }
        const runId = `${backfill ? 'backfill' : 'sync'}-${newRunId(new Date())}`;
        const windowTo = backfill ? Math.min(backfill.end, Date.now()) : Date.now();
        rt.startWorker();
        const events = await rt.events();
        const job = await rt.queue.add(
          'sync-source',
          { runId, source: o.source, windowTo, ...(backfill ? { windowFrom: backfill.start } : {}) },
          { jobId: jobIds.sync(runId, o.source) },
        );
        const progress = createProgress(`sync ${o.source}`);
        const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
          if (jobId === job.id) progress.update((data as { pages?: number }).pages ?? 0);
        };
        events.on('progress', onProgress);
        try {
          const counters = await job.waitUntilFinished(events);
          progress.stop();
          process.stdout.write(`${JSON.stringify({ runId, source: o.source, ...counters })}\n`);
        } finally {
          events.off('progress', onProgress);
          progress.stop();
        }
      });
    });

  addReportOptions(withConfig(program.command('report')))
    .description('print the latest (or a named) reconciliation run, or write it to a file (--out; a workbook with --format xlsx)')
    .option('--run <id>', 'run id (default: the latest)')
    .action(async (o: { config: string; logLevel: string; run?: string; format: string; lang: string; detail?: boolean; out?: string }) => {
      const output = reportOutputOf(o);
      await withRuntime(o, async (rt) => {
        const runId = o.run ?? (await rt.runs.latestRunId());
        if (!runId) throw new Error('no reconciliation run yet: run `dossier-sync reconcile` first');
        const report = await rt.runs.report(runId);
        if (!report) throw new Error(`no run "${runId}" (recent: ${(await rt.runs.list(5)).join(', ') || 'none'})`);
        await writeReport(report, output);
      });
    });

  withConfig(program.command('incidents'))
    .description('list incidents (the dossiers of one root cause at one agency, or its unexplained figures, while they differ across nights) with their history')
    .option('--province <code>', 'only this province')
    .option('--status <status>', 'open or resolved')
    .option('--format <format>', 'table or json', 'table')
    .action(async (o: { config: string; logLevel: string; province?: string; status?: string; format: string }) => {
      const status = o.status === undefined ? undefined : choice('--status', o.status, ['open', 'resolved'] as const);
      const format = choice('--format', o.format, ['table', 'json'] as const);
      await withRuntime(o, async (rt) => {
        const list = await rt.incidents.list({ province: o.province, status });
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) process.stdout.write('No incidents.\n');
        for (const i of list) {
          const last = i.history.at(-1)!;
          const figures = i.cause === null ? '' : `  ${i.cause === 'unexplained' ? `residual ${i.residual}` : `${i.dossiers.length} dossiers`}`;
          process.stdout.write(`${i.status.padEnd(8)}  ${i.key}  since ${i.openedAt}  ${last.event} in run ${last.runId}${figures}\n`);
        }
      });
    });

  withConfig(program.command('quarantine'))
    .description("list a source's quarantined items with their reason and batch, and the counts per reason; --reprocess runs them again through the current configuration")
    .requiredOption('--source <id>', 'source id from the configuration')
    .option('--limit <n>', 'items to list at most', '50')
    .option('--format <format>', 'table or json', 'table')
    .option('--reprocess', 'normalise every quarantined item again with the configuration as it is now: those that pass leave the quarantine and are applied')
    .option('--dry-run', 'with --reprocess: say what would leave the quarantine, change nothing')
    .action(async (o: { config: string; logLevel: string; source: string; limit: string; format: string; reprocess?: boolean; dryRun?: boolean }) => {
      const format = choice('--format', o.format, ['table', 'json'] as const);
      if (o.dryRun && !o.reprocess) throw new Error('--dry-run goes with --reprocess');
      await withRuntime(o, async (rt) => {
        const src = sourceById(rt.config, o.source);
        if (o.reprocess) {
          const r = await reprocessQuarantine(createSource(src, { logger: rt.logger, dates: rt.config.dates, agencyPatterns: rt.config.codes.agencyPatterns }), rt.store, src, { dryRun: o.dryRun });
          if (format === 'json') {
            process.stdout.write(`${JSON.stringify({ source: src.id, dryRun: Boolean(o.dryRun), ...r }, null, 2)}\n`);
            return;
          }
          const would = o.dryRun ? 'would leave' : 'left';
          process.stdout.write(
            `Source ${src.id}: ${r.examined} quarantined item(s) normalised again; ${r.released} ${would} the quarantine ` +
              `(${r.applied} applied, ${r.unchanged} already stored as new or newer); ${r.examined - r.released} still fail\n`,
          );
          for (const [reason, n] of Object.entries(r.still).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(6)}  ${reason}\n`);
          return;
        }
        const reasons = await rt.store.quarantineReasons(src.province, src.id);
        const items = await rt.store.quarantineEntries(src.province, src.id, positiveInt('--limit', o.limit));
        if (format === 'json') {
          process.stdout.write(`${JSON.stringify({ source: src.id, reasons, items }, null, 2)}\n`);
          return;
        }
        const total = Object.values(reasons).reduce((a, b) => a + b, 0);
        process.stdout.write(`Source ${src.id}: ${total} item(s) in quarantine\n`);
        for (const [reason, n] of Object.entries(reasons).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(6)}  ${reason}\n`);
        for (const q of items) {
          const code = rawItemCode(q.raw) || '?';
          process.stdout.write(`${new Date(q.at).toISOString()}  run ${q.runId} page ${q.page}  ${code}  ${q.reason}\n`);
        }
      });
    });

  withConfig(program.command('replay'))
    .description('list failed sync batches (by source, time and error) and run them again')
    .option('--source <id>', 'only this source')
    .option('--since <time>', 'failed at or after (ISO date or time)')
    .option('--until <time>', 'failed before (ISO date or time)')
    .option('--error <text>', 'only batches whose error contains this text')
    .option('--dry-run', 'list what would run, change nothing')
    .action(async (o: { config: string; logLevel: string; source?: string; since?: string; until?: string; error?: string; dryRun?: boolean }) => {
      const time = (name: string, v?: string) => {
        if (v === undefined) return undefined;
        const t = Date.parse(v);
        if (Number.isNaN(t)) throw new Error(`${name} must be a date or time such as 2026-11-23 or 2026-11-23T01:00:00+07:00, not "${v}"`);
        return t;
      };
      const filter = { source: o.source, since: time('--since', o.since), until: time('--until', o.until), error: o.error };
      await withRuntime(o, async (rt) => {
        if (o.source) sourceById(rt.config, o.source);
        const batches = await failedBatches(rt, filter);
        if (batches.length === 0) {
          process.stdout.write('No failed sync batches.\n');
          return;
        }
        for (const b of batches) {
          process.stdout.write(`${o.dryRun ? 'would replay' : 'replaying'}  ${b.jobId}  source=${b.source}  run=${b.runId}  failed=${b.failedAt.toISOString()}  attempts=${b.attempts}  error=${b.error}\n`);
        }
        if (o.dryRun) return;
        rt.startWorker();
        const progress = createProgress('replay');
        let result;
        try {
          result = await replayAndWait(rt, batches, (groups) => progress.update(groups));
        } finally {
          progress.stop();
        }
        const { failedAgain, incomplete } = result;
        process.stdout.write(`Replayed ${batches.length} batch(es)${failedAgain.length ? `: ${failedAgain.length} failed again` : ''}.\n`);
        for (const f of failedAgain) process.stdout.write(`failed again  ${f.jobId}  source=${f.batch.source}  run=${f.batch.runId}  error=${f.error}\n`);
        for (const p of incomplete) process.stdout.write(`still ${p.status}  run=${p.runId}  province=${p.province}${p.why ? `  why=${p.why}` : ''}\n`);
        if (failedAgain.length) process.exitCode = 1;
        else if (incomplete.length) process.exitCode = 2;
      });
    });
}
