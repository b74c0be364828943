import type { Config } from '../config/load.js';

/** Options of every job, flows included (a flow does not take the queue's defaults). */
export function jobOptions(cfg: Config) {
  return {
    attempts: cfg.worker.attempts,
    backoff: { type: 'exponential', delay: cfg.worker.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 5000 },
    removeOnFail: false, // failed batches stay, with their payload, for replay
  } as const;
}
