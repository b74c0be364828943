/**
 * Names the root cause of one dossier that counts differently on the two sides
 * (DOMAIN.md, "Why the two sides disagree"; kinds of CONTRACTS.md §4).
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding, FindingKind } from '../../schemas/report.js';
import { formatCompact, VN_OFFSET_MS } from '../normalise/time.js';

const DATES = ['receivedAt', 'dueAt', 'finishedAt', 'returnedAt'] as const;

/** A timestamp on one side is the other's shifted by the UTC offset: local time written as UTC, or back. */
function shiftedByOffset(a: CanonicalDossier, b: CanonicalDossier): boolean {
  return DATES.some((f) => {
    const x = a[f];
    const y = b[f];
    return x !== null && y !== null && Math.abs(x - y) === VN_OFFSET_MS;
  });
}

export function classify(local: CanonicalDossier | undefined, national: CanonicalDossier | undefined): FindingKind {
  if (local && !national) return 'missing_national';
  if (!local && national) return 'missing_local';
  if (!local || !national) throw new Error('classify needs at least one side');
  if (shiftedByOffset(local, national)) return 'date_shift';
  if (local.status !== national.status) return 'status_lag';
  if (local.procedure !== national.procedure) return 'code_divergence';
  return 'definition_drift';
}

function side(d: CanonicalDossier | undefined): Finding['evidence']['local'] {
  if (!d) return null;
  const at = (ms: number | null) => (ms === null ? null : formatCompact(ms));
  return {
    status: d.status,
    procedure: d.procedure,
    receivedAt: at(d.receivedAt),
    dueAt: at(d.dueAt),
    finishedAt: at(d.finishedAt),
    returnedAt: at(d.returnedAt),
    updatedAt: at(d.updatedAt),
  };
}

export function toFinding(
  agency: string,
  metric: string,
  local: CanonicalDossier | undefined,
  national: CanonicalDossier | undefined,
): Finding {
  const code = (local ?? national)!.code;
  return { dossierCode: code, agency, kind: classify(local, national), metrics: [metric], evidence: { local: side(local), national: side(national) } };
}
