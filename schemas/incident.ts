/**
 * Incidents follow causes: the dossiers of one root-cause kind at one agency, in one
 * province and period, that stay different across nights are one incident; the figures of an
 * agency its dossiers do not account for (`unexplained`) are another.
 */
import { z } from 'zod';
import { incidentCause } from './report.js';

export const INCIDENT_EVENTS = ['opened', 'still_open', 'worsened', 'resolved'] as const;
export const incidentEvent = z.enum(INCIDENT_EVENTS);
export type IncidentEvent = z.infer<typeof incidentEvent>;

/** A figure (metric line) an incident moves: the agency's total (procedure null) or one procedure's. */
export const incidentLine = z.object({
  procedure: z.string().nullable(),
  metric: z.string(),
  /** For an `unexplained` incident: the part of this line's gap no dossier accounts for. */
  residual: z.number().int().optional(),
});
export type IncidentLine = z.infer<typeof incidentLine>;

const step = z.object({
  runId: z.string(),
  at: z.string(),
  event: incidentEvent,
  /** Dossiers that differed, and the residual, after this run (0 and 0 once resolved). */
  dossiers: z.number().int().default(0),
  residual: z.number().int().default(0),
  /** Why, when the event is not the plain outcome of a comparison (a migration). */
  note: z.string().optional(),
  /** The key's figures, in the history of an incident stored before incidents followed causes. */
  local: z.number().int().nullable().optional(),
  national: z.number().int().nullable().optional(),
});
export type IncidentStep = z.infer<typeof step>;

export const incidentV2 = z.object({
  /** See `incidentKey` (src/reconcile/incidents.ts): encoded parts, stable across nights. */
  key: z.string(),
  province: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  agency: z.string(),
  /** The root-cause kind, `unexplained` or `explanation_failed`; null for an incident stored under a per-metric key before incidents followed causes. */
  cause: incidentCause.nullable(),
  status: z.enum(['open', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  /** The dossier codes that differ (sorted), as of the last run that saw the incident open. */
  dossiers: z.array(z.string()),
  /** The figures they move (for `unexplained`: the figures left unaccounted for, with their residuals). */
  lines: z.array(incidentLine),
  /** For `unexplained` and `explanation_failed`: the sum of its lines' |residual|; 0 for a cause; for a per-metric incident, its last gap. */
  residual: z.number().int(),
  history: z.array(step),
});

/**
 * An incident as stored before incidents followed causes (one per agency × procedure ×
 * metric), read into the current shape so that its history stays listed.
 */
const legacy = z.object({
  key: z.string(),
  province: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  agency: z.string(),
  procedure: z.string().nullable(),
  metric: z.string(),
  status: z.enum(['open', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  gap: z.number().int(),
  history: z.array(step),
});

export const incident = z.preprocess((raw) => {
  if (typeof raw !== 'object' || raw === null || 'cause' in raw) return raw;
  const r = legacy.safeParse(raw);
  if (!r.success) return raw; // the current schema names what is wrong
  const { procedure, metric, gap, ...rest } = r.data;
  return { ...rest, cause: null, dossiers: [], lines: [{ procedure, metric }], residual: gap } satisfies z.input<
    typeof incidentV2
  >;
}, incidentV2);
export type Incident = z.infer<typeof incidentV2>;
