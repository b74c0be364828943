/** The runtime every command, the server and the tests start: the queue's runtime with the jobs of the registry. */
import type { Logger } from 'pino';
import type { Config } from '../src/config/load.js';
import { createQueueRuntime, type Runtime, type RuntimeOptions } from '../src/queue/runtime.js';
import { JOBS } from './registry.js';

export function createRuntime(config: Config, logger: Logger, opts: RuntimeOptions = {}): Runtime {
  return createQueueRuntime(config, logger, JOBS, opts);
}
