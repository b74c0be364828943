/** The stored run report: what `report --format json` prints (docs/contracts.md, The JSON report). */
import { z } from 'zod';
import { provinceIndex } from './index-points.js';
import { syncCounters } from './store.js';

export const FINDING_KINDS = [
  'missing_national',
  'missing_local',
  'status_lag',
  'date_shift',
  'code_divergence',
  'definition_drift',
  'duplicate_national',
] as const;
/**
 * Not a root cause: a mismatched key whose gap its dossier findings do not fully account for
 * (residual ≠ 0). Its finding has no dossier (`dossierCode` ''), and `key` says which figure.
 */
export const UNEXPLAINED = 'unexplained' as const;
export const findingKind = z.enum([...FINDING_KINDS, UNEXPLAINED]);
export type FindingKind = z.infer<typeof findingKind>;
/**
 * Not a finding: the cause of an incident of a province whose counts were compared but whose
 * explanation pass failed for good (docs/domain.md, Incidents): an agency's mismatched
 * figures, by their whole gap, that no explanation has examined yet.
 */
export const EXPLANATION_FAILED = 'explanation_failed' as const;
/** What an incident follows: a root-cause kind, `unexplained`, or `explanation_failed`. */
export const incidentCause = z.enum([...FINDING_KINDS, UNEXPLAINED, EXPLANATION_FAILED]);
export type IncidentCause = z.infer<typeof incidentCause>;

const side = z
  .object({
    status: z.number().int(),
    receivedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    returnedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
    procedure: z.string(),
    /** The dossier's code and agency on that side (they differ across sides for a replaced code). */
    code: z.string().optional(),
    agency: z.string().optional(),
    /** Its channel and digitised flag (absent in reports stored before they were kept). */
    channel: z.number().int().nullable().optional(),
    digitised: z.boolean().optional(),
  })
  .nullable();

export const finding = z.object({
  dossierCode: z.string(),
  agency: z.string(),
  kind: findingKind,
  /** The metrics of the mismatched keys it was found in. */
  metrics: z.array(z.string()),
  /** What each side holds, for the reader to check the verdict. */
  evidence: z.object({
    local: side,
    national: side,
    /** For a duplicate_national: how many copies of the dossier the portal holds. */
    copies: z.number().int().optional(),
  }),
  /**
   * For a `definition_drift`: the rule the portal counts or maps by ("withdrawn counted as
   * processed", "status 8 sent as 9", a counting variant of src/reconcile/drift.ts), when known.
   */
  rule: z.string().optional(),
  /** For an `unexplained` finding: the key, its residual, and what was examined for it. */
  key: z
    .object({ procedure: z.string().nullable(), metric: z.string(), residual: z.number().int(), examined: z.string() })
    .optional(),
});
export type Finding = z.infer<typeof finding>;

/** A finding that names a dossier (an `unexplained` one names a key). */
export const isDossierFinding = (f: Finding): boolean => f.kind !== UNEXPLAINED;

/**
 * Which side a three-way mismatch points at (src/reconcile/compare.ts `verdictOf`):
 * - `records_lost`: local differs from the province's own figure while the province agrees
 *   with the national one, or (all three differing) local is below the province's: records
 *   were lost when pulling;
 * - `province_misreports`: local agrees with national, the province's own figure differs;
 * - `national_behind`: local agrees with the province, national counts less;
 * - `national_ahead`: local agrees with the province, national counts more;
 * - `undetermined`: none of these, or the province does not report the metric.
 */
export const VERDICTS = [
  'records_lost',
  'province_misreports',
  'national_behind',
  'national_ahead',
  'undetermined',
] as const;
export const verdict = z.enum(VERDICTS);
export type Verdict = z.infer<typeof verdict>;

export const mismatch = z.object({
  agency: z.string(),
  procedure: z.string().nullable(),
  metric: z.string(),
  local: z.number().int(),
  national: z.number().int(),
  /** The province's own figure; null when it was not fetched or the source does not report the metric. */
  provincial: z.number().int().nullable(),
  /** Null (or absent, in reports stored before it existed) when compared two-way only. */
  verdict: verdict.nullable().optional(),
  /**
   * The dossiers whose findings account for this key's gap: how many, and their codes (at most
   * the first 50, sorted). Absent or null when the key was not examined.
   */
  explainedBy: z
    .object({ count: z.number().int(), codes: z.array(z.string()) })
    .nullable()
    .optional(),
  /**
   * (national − local) − the sum of its findings' signed contributions: 0 when the findings
   * account for the whole gap. Absent or null when the key was not examined.
   */
  residual: z.number().int().nullable().optional(),
});
export type Mismatch = z.infer<typeof mismatch>;

/** A mismatch whose findings do not account for its whole gap. */
export const isUnexplained = (m: Mismatch): boolean => typeof m.residual === 'number' && m.residual !== 0;

/** A job of the run that failed for good: its kind (`sync-source`, `reconcile-province`, …), its id and why. */
export const failedJob = z.object({ job: z.string(), id: z.string(), reason: z.string() });
export type FailedJob = z.infer<typeof failedJob>;

export const coverage = z.object({
  status: z.enum(['complete', 'partial', 'failed']),
  why: z.string().nullable(),
  /** The jobs of the run for this province that failed for good; absent when none did. */
  failedJobs: z.array(failedJob).optional(),
});

/**
 * Whether the province's own statistics were compared: `ok`; `unavailable` (offered, but
 * the call failed or the province was not compared), or `not offered` by its sources.
 */
export const PROVINCIAL_STATS = ['ok', 'unavailable', 'not offered'] as const;
export const provincialStats = z.object({
  status: z.enum(PROVINCIAL_STATS),
  why: z.string().nullable(),
});
export type ProvincialStats = z.infer<typeof provincialStats>;
/** What a report stored before three-way comparison existed reads as. */
export const PROVINCIAL_STATS_DEFAULT: ProvincialStats = { status: 'not offered', why: null };

/** A source's sync in the run: its counters (schemas/store.ts) and whether it completed. */
export const sourceResult = syncCounters.extend({
  id: z.string(),
  status: z.enum(['complete', 'failed']),
  error: z.string().nullable(),
});

/** What a later reconciliation says of a pushed dossier: gone from the findings, or still differing. */
export const VERIFICATIONS = ['verified', 'repair_failed'] as const;

/** A run's check of an earlier repair (schemas/repair.ts): a repaired dossier gone from the findings, or still differing. */
export const repairCheck = z.object({
  dossierCode: z.string(),
  /** The run whose repair pushed it. */
  repairRun: z.string(),
  status: z.enum(VERIFICATIONS),
  /** For `repair_failed`: the kind the dossier is still found as. */
  kind: findingKind.optional(),
});
export type RepairCheck = z.infer<typeof repairCheck>;

export const incidentChange = z.object({
  key: z.string(),
  event: z.enum(['opened', 'still_open', 'worsened', 'resolved']),
  gap: z.number().int(),
});
export type IncidentChange = z.infer<typeof incidentChange>;

/**
 * A counting rule the portal's figures follow where ours differ (src/reconcile/drift.ts): the
 * rule (a variant or a combination), the agencies it fits, the mismatched keys it accounts for
 * and the dossiers it counts differently.
 */
export const driftRule = z.object({
  rule: z.string(),
  agencies: z.array(z.string()),
  keys: z.array(z.object({ agency: z.string(), procedure: z.string().nullable(), metric: z.string() })),
  dossiers: z.array(z.string()),
});
export type DriftRule = z.infer<typeof driftRule>;

export const provinceReport = z.object({
  province: z.string(),
  coverage,
  sources: z.array(sourceResult),
  agencies: z.number().int(),
  mismatches: z.array(mismatch),
  /**
   * Whether the province's own statistics were compared (three-way). Filled with
   * PROVINCIAL_STATS_DEFAULT when parsed from a report without it. Typed optional because a
   * province not yet reconciled is reported (src/store/runs.ts) without one.
   */
  provincialStats: provincialStats.default(() => ({ ...PROVINCIAL_STATS_DEFAULT })) as unknown as z.ZodOptional<
    typeof provincialStats
  >,
  findings: z.array(finding),
  /** The counting rules the portal's figures follow where ours differ; absent when none was found. */
  driftRules: z.array(driftRule).optional(),
  /** Requests sent to the national portal for this province in this run, and dossier records it returned. */
  nationalRequests: z.number().int().optional(),
  nationalRecords: z.number().int().optional(),
  /** What this run did to the province's incidents (set when the run finishes). */
  incidents: z.array(incidentChange).default([]),
  /** The national service index on both sides and the points at stake (an estimate); absent when not computed. */
  index: provinceIndex.optional(),
  /** Dossiers pushed by an earlier run's repair, checked by this run (set when the run finishes); absent when none. */
  repairChecks: z.array(repairCheck).optional(),
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
