/**
 * Repairs: the national push `DongBoHoSoMC` (docs/contracts.md, DongBoHoSoMC), the plan
 * of a run's repair, the record kept of every pushed dossier, and the repair job's payload.
 */
import { z } from 'zod';
import { findingKind, VERIFICATIONS } from './report.js';

/** Items per `DongBoHoSoMC` call: the portal takes at most this many. */
export const PUSH_BATCH = 100;

/** One item's answer to a push: `0` stored, `EXISTS`, `NOT_FOUND`, or another code (a rejection, with its message). */
export const pushItemResult = z.object({
  MaHoSo: z.union([z.string(), z.number()]).transform(String),
  error_code: z.union([z.string(), z.number()]),
  message: z.string().nullable().optional(),
});
export const pushReply = z.object({ result: z.array(pushItemResult) }).loose();
export type PushItemResult = z.output<typeof pushItemResult>;

/** The kinds a push of the province's current record puts right. */
export const REPAIRABLE_KINDS = ['missing_national', 'status_lag', 'date_shift', 'definition_drift'] as const;
export type RepairableKind = (typeof REPAIRABLE_KINDS)[number];
export const isRepairable = (kind: string): kind is RepairableKind =>
  (REPAIRABLE_KINDS as readonly string[]).includes(kind);

/** A dossier the repair pushes: new to the portal (`isUpdate` false) or an update of its copy. */
export const repairTarget = z.object({
  dossierCode: z.string().min(1),
  agency: z.string(),
  kind: z.enum(REPAIRABLE_KINDS),
  isUpdate: z.boolean(),
});
export type RepairTarget = z.infer<typeof repairTarget>;

const runId = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore');

/** One batch of a run's repair (at most PUSH_BATCH dossiers of one province): a job. */
export const repairBatchPayload = z.object({
  runId,
  province: z.string().min(1),
  targets: z.array(repairTarget).min(1).max(PUSH_BATCH),
  /** Who asked for the repair (a user name, or `dashboard`): kept in each dossier's record. */
  by: z.string().min(1),
});
export type RepairBatchPayload = z.infer<typeof repairBatchPayload>;

/**
 * What became of one dossier's push: `stored` by the portal, `rejected` (its code and message),
 * or `skipped` (not pushed: no longer in the store).
 */
export const REPAIR_OUTCOMES = ['stored', 'rejected', 'skipped'] as const;

/** The record of one pushed dossier: who, when, what was sent, and the result. */
export const repairRecord = z.object({
  runId: z.string(),
  province: z.string(),
  dossierCode: z.string(),
  agency: z.string(),
  kind: z.enum(REPAIRABLE_KINDS),
  by: z.string(),
  at: z.string(),
  /** The item as last sent (no personal field: the store holds none), with `isUpdate`; null when skipped. */
  sent: z.record(z.string(), z.union([z.string(), z.boolean()])).nullable(),
  outcome: z.enum(REPAIR_OUTCOMES),
  /** The portal's error code of the last send ('0' when stored), or '' when nothing was sent. */
  code: z.string(),
  message: z.string().nullable(),
  /** Sent a second time as the other kind after `EXISTS` or `NOT_FOUND`. */
  resent: z.boolean(),
  /** Set by the first complete reconciliation of the province after the push. */
  verification: z
    .object({ status: z.enum(VERIFICATIONS), runId: z.string(), at: z.string(), kind: findingKind.optional() })
    .optional(),
});
export type RepairRecord = z.infer<typeof repairRecord>;

export { repairCheck, VERIFICATIONS, type RepairCheck } from './report.js';

/** A stored push waiting for a later reconciliation to say whether it put the dossier right. */
export const pendingRepair = z.object({
  runId: z.string(),
  province: z.string(),
  dossierCode: z.string(),
  agency: z.string(),
  /** When it was pushed (ISO). */
  at: z.string(),
});
export type PendingRepair = z.infer<typeof pendingRepair>;
