/** Incidents: one mismatch key that stays open across nights is one incident. */
import { z } from 'zod';

export const INCIDENT_EVENTS = ['opened', 'still_open', 'worsened', 'resolved'] as const;
export const incidentEvent = z.enum(INCIDENT_EVENTS);
export type IncidentEvent = z.infer<typeof incidentEvent>;

export const incident = z.object({
  /** province|from..to|agency|procedure-or-*|metric */
  key: z.string(),
  province: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  agency: z.string(),
  procedure: z.string().nullable(),
  metric: z.string(),
  status: z.enum(['open', 'resolved']),
  openedAt: z.string(),
  updatedAt: z.string(),
  /** |national − local| at the last run that saw it open. */
  gap: z.number().int(),
  history: z.array(
    z.object({
      runId: z.string(),
      at: z.string(),
      event: incidentEvent,
      local: z.number().int().nullable(),
      national: z.number().int().nullable(),
    }),
  ),
});
export type Incident = z.infer<typeof incident>;
