/** `dossier-sync worker`: the queue worker and the nightly schedule (and, with --http, the dashboard) until a signal. */
import type { Command } from 'commander';
import { startSchedule } from '../../queue/schedule.js';
import { addHttpOptions, httpSettings, startHttp, type HttpCliOptions } from '../http-options.js';
import { positiveInt, untilSignal, withConfig } from '../options.js';
import { openRuntime } from '../runtime.js';

interface WorkerOptions extends HttpCliOptions {
  config: string;
  logLevel: string;
  concurrency?: string;
  schedule: boolean;
  grace: string;
  http?: boolean;
}

export function register(program: Command): void {
  addHttpOptions(withConfig(program.command('worker')))
    .option('--http', 'also serve the dashboard, metrics and health checks')
    .description('run the queue worker and the nightly schedule until SIGINT/SIGTERM')
    .option('--concurrency <n>', 'jobs processed at once (default from the configuration)')
    .option('--no-schedule', 'do not install the nightly schedule nor catch up missed nights (for extra workers)')
    .option('--grace <seconds>', 'on SIGTERM, how long in-flight jobs may take to reach a safe point', '30')
    .action(async (o: WorkerOptions) => {
      const http = o.http ? httpSettings(o) : undefined; // checked before anything starts
      const rt = await openRuntime(o);
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
}
