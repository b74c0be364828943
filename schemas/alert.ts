/** What an alert carries. It names dossiers and counts, never secrets or applicants. */
import { z } from 'zod';
import { failedJob } from './report.js';

const period = z.object({ from: z.string(), to: z.string() });

export const incidentAlert = z.object({
  type: z.literal('incident'),
  event: z.enum(['opened', 'worsened']),
  runId: z.string(),
  key: z.string(),
  province: z.string(),
  period,
  agency: z.string(),
  procedure: z.string().nullable(),
  metric: z.string(),
  local: z.number().int(),
  national: z.number().int(),
  /** Findings of the run for this agency, by kind. */
  findings: z.record(z.string(), z.number().int()),
});

export const summaryAlert = z.object({
  type: z.literal('summary'),
  runId: z.string(),
  period,
  provinces: z.array(
    z.object({
      province: z.string(),
      coverage: z.string(),
      why: z.string().nullable(),
      mismatches: z.number().int(),
      findings: z.number().int(),
      opened: z.number().int(),
      worsened: z.number().int(),
      resolved: z.number().int(),
      /** The run's jobs for the province that failed for good (their kind, id and reason). */
      failedJobs: z.array(failedJob).default([]),
    }),
  ),
});

export const alertMessage = z.discriminatedUnion('type', [incidentAlert, summaryAlert]);
export type AlertMessage = z.infer<typeof alertMessage>;
export type IncidentAlert = z.infer<typeof incidentAlert>;
export type SummaryAlert = z.infer<typeof summaryAlert>;
