/** What an alert carries. It names dossiers and counts, never secrets or applicants. */
import { z } from 'zod';
import { ALERT_GROUPS } from './config.js';
import { incidentEvent, incidentLine } from './incident.js';
import { indexStake } from './index-points.js';
import { driftRule, failedJob, incidentCause } from './report.js';

const period = z.object({ from: z.string(), to: z.string() });

/** Some dossier codes: how many, and the first of them (sorted) that a message names. */
const codes = z.object({ count: z.number().int(), first: z.array(z.string()) });

/** One incident in a group's message: what it is, and what this run changed in it. */
export const alertIncident = z.object({
  key: z.string(),
  province: z.string(),
  agency: z.string(),
  cause: incidentCause,
  /** `still_open` in a message: some of its dossiers no longer differ (or a repeat). */
  event: incidentEvent,
  /** Dossiers differing now (for a resolved incident: 0). */
  dossiers: z.number().int(),
  /** Differing now and not at its last run (all of them when it opens). */
  added: codes,
  /** No longer differing (all of them when it resolves). */
  fixed: codes,
  /** The figures it moves: how many, and the first. */
  lines: z.object({ count: z.number().int(), first: z.array(incidentLine) }),
  /** For `unexplained`: the sum of its figures' |residual|. */
  residual: z.number().int(),
});
export type AlertIncident = z.infer<typeof alertIncident>;

/** One message per group (a province, or the whole run) per run: what opened, worsened and resolved. */
export const groupAlert = z.object({
  type: z.literal('group'),
  runId: z.string(),
  period,
  group: z.object({ by: z.enum(ALERT_GROUPS), province: z.string().nullable() }),
  /** The run's page on the dashboard (`alerts.dashboardUrl`), or null. */
  url: z.string().nullable(),
  /** Nothing changed: sent again because incidents are still open (`alerts.repeatHours`). */
  repeat: z.boolean(),
  /** Opened, worsened, resolved, then those still open (partly fixed, or all of them in a repeat). */
  incidents: z.array(alertIncident),
});

export const summaryAlert = z.object({
  type: z.literal('summary'),
  runId: z.string(),
  period,
  /** The run's page on the dashboard (`alerts.dashboardUrl`); absent in alerts queued before it existed. */
  url: z.string().nullable().optional(),
  provinces: z.array(
    z.object({
      province: z.string(),
      coverage: z.string(),
      why: z.string().nullable(),
      mismatches: z.number().int(),
      /** Dossiers found differing (an `unexplained` finding names no dossier and is not counted). */
      findings: z.number().int(),
      opened: z.number().int(),
      worsened: z.number().int(),
      resolved: z.number().int(),
      /** The run's jobs for the province that failed for good (their kind, id and reason). */
      failedJobs: z.array(failedJob).default([]),
      /** The counting rules the portal follows where ours differ (the province report's `driftRules`), their dossiers counted. */
      driftRules: z.array(driftRule.extend({ dossiers: codes })).optional(),
      /** The service index (an estimate): the points on both sides and the causes with most points at stake; absent when not computed. */
      index: z
        .object({
          total: z.object({ max: z.number(), local: z.number(), national: z.number() }),
          byCause: z.array(indexStake),
        })
        .optional(),
    }),
  ),
});

export const alertMessage = z.discriminatedUnion('type', [groupAlert, summaryAlert]);
export type AlertMessage = z.infer<typeof alertMessage>;
export type GroupAlert = z.infer<typeof groupAlert>;
export type SummaryAlert = z.infer<typeof summaryAlert>;
