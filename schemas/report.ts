/** The stored run report: what `report --format json` prints (CONTRACTS.md §4). */
import { z } from 'zod';

export const FINDING_KINDS = [
  'missing_national',
  'missing_local',
  'status_lag',
  'date_shift',
  'code_divergence',
  'definition_drift',
  'duplicate_national',
] as const;
export const findingKind = z.enum(FINDING_KINDS);
export type FindingKind = z.infer<typeof findingKind>;

const side = z
  .object({
    status: z.number().int(),
    receivedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    returnedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
    procedure: z.string(),
  })
  .nullable();

export const finding = z.object({
  dossierCode: z.string(),
  agency: z.string(),
  kind: findingKind,
  /** The metrics whose drill-down found it. */
  metrics: z.array(z.string()),
  /** What each side holds, for the reader to check the verdict. */
  evidence: z.object({ local: side, national: side }),
});
export type Finding = z.infer<typeof finding>;

export const mismatch = z.object({
  agency: z.string(),
  procedure: z.string().nullable(),
  metric: z.string(),
  local: z.number().int(),
  national: z.number().int(),
  provincial: z.number().int().nullable(),
});
export type Mismatch = z.infer<typeof mismatch>;

export const coverage = z.object({
  status: z.enum(['complete', 'partial', 'failed']),
  why: z.string().nullable(),
});

export const sourceResult = z.object({
  id: z.string(),
  status: z.enum(['complete', 'failed']),
  error: z.string().nullable(),
  pulled: z.number().int(),
  applied: z.number().int(),
  unchanged: z.number().int(),
  quarantined: z.number().int(),
  pages: z.number().int(),
});

export const incidentChange = z.object({
  key: z.string(),
  event: z.enum(['opened', 'still_open', 'worsened', 'resolved']),
  gap: z.number().int(),
});
export type IncidentChange = z.infer<typeof incidentChange>;

export const provinceReport = z.object({
  province: z.string(),
  coverage,
  sources: z.array(sourceResult),
  agencies: z.number().int(),
  mismatches: z.array(mismatch),
  findings: z.array(finding),
  /** What this run did to the province's incidents (set when the run finishes). */
  incidents: z.array(incidentChange).default([]),
});
export type ProvinceReport = z.infer<typeof provinceReport>;

export const runReport = z.object({
  runId: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  window: z.object({ to: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(['running', 'complete']),
  provinces: z.array(provinceReport),
});
export type RunReport = z.infer<typeof runReport>;
