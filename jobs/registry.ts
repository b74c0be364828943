/** The one map from job name to definition. */
import type { JobDefinition } from '../src/queue/context.js';
import { explainProvinceJob } from './explain-province.js';
import { finishRun } from './finish-run.js';
import { nightly } from './nightly.js';
import { reconcileProvince } from './reconcile-province.js';
import { repairBatch } from './repair-batch.js';
import { sendAlertJob } from './send-alert.js';
import { syncSource } from './sync-source.js';

export const JOBS: ReadonlyMap<string, JobDefinition> = new Map(
  [nightly, syncSource, reconcileProvince, explainProvinceJob, finishRun, sendAlertJob, repairBatch].map((d) => [
    d.name,
    d as JobDefinition,
  ]),
);
