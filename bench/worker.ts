/**
 * A worker process of the country night: the real runtime's worker (every job of a night) on
 * the bench's Redis, with the world's clock, until the parent closes stdin.
 */
import { pino } from 'pino';
import { createRuntime } from '../jobs/runtime.js';
import { argsOf, nightConfig, report, untilParentStops } from './common.js';

export interface WorkerArgs {
  redisUrl: string;
  prefix: string;
  sourceUrls: Record<string, string>;
  nationalUrl: string;
  now: number;
}

const args = argsOf<WorkerArgs>();
const rt = createRuntime(
  nightConfig(args.redisUrl, args.prefix, args.sourceUrls, args.nationalUrl),
  pino({ level: 'silent' }),
  {
    clock: () => new Date(args.now),
  },
);
const worker = rt.startWorker();
await worker.waitUntilReady();
report({ ready: true });
await untilParentStops();
await rt.close();
process.exit(0);
