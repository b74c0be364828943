/**
 * Names the root cause of one dossier that counts differently on the two sides
 * (docs/domain.md, How each root cause is recognised; kinds of docs/contracts.md, The JSON report).
 *
 * The same code on both sides, in this order:
 * 1. date_shift: a timestamp on one side is the other's shifted by exactly the UTC offset (±7 h);
 * 2. status_lag: the statuses differ;
 * 3. definition_drift: the national finish date is the local return date ("processed" keyed on
 *    the return date);
 * 4. code_divergence: the procedure codes differ (a local procedure code sent unmapped);
 * 5. otherwise definition_drift (the two copies agree but are counted differently).
 * A code on one side only: missing_national (local only) or missing_local (national only),
 * unless a dossier of the other side under another code has the same content (`sameContent`):
 * - a national-only code matching a local dossier that is also present nationally under its
 *   own code: duplicate_national, reported for the extra national code;
 * - a local-only code matching a national-only code: code_divergence (the code was replaced),
 *   reported once, for the local code.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding, FindingKind } from '../../schemas/report.js';
import { agencyOfDossierCode } from '../domain/codes.js';
import { formatCompact, VN_OFFSET_MS } from '../domain/time.js';

const DATES = ['receivedAt', 'dueAt', 'finishedAt', 'returnedAt'] as const;

/** A timestamp on one side is the other's shifted by the UTC offset: local time written as UTC, or back. */
function shiftedByOffset(a: CanonicalDossier, b: CanonicalDossier): boolean {
  return DATES.some((f) => {
    const x = a[f];
    const y = b[f];
    return x !== null && y !== null && Math.abs(x - y) === VN_OFFSET_MS;
  });
}

/**
 * Whether a local dossier and a national one under another code are the same dossier: same
 * intake time, due date, channel and procedure, and the same agency, or a national code that
 * names no agency (the portal files such a code under the unit that pushed it, so its agency
 * says nothing).
 */
export function sameContent(local: CanonicalDossier, national: CanonicalDossier): boolean {
  return (
    local.receivedAt !== null &&
    local.receivedAt === national.receivedAt &&
    local.dueAt === national.dueAt &&
    local.channel === national.channel &&
    local.procedure === national.procedure &&
    (local.agency === national.agency || agencyOfDossierCode(national.code) === undefined)
  );
}

export interface ClassifyOptions {
  /**
   * For a pair under different codes (matched by content): whether the local dossier is also
   * present nationally under its own code (then the national one is a duplicate).
   */
  localCodeNational?: boolean;
}

export function classify(
  local: CanonicalDossier | undefined,
  national: CanonicalDossier | undefined,
  opts: ClassifyOptions = {},
): FindingKind {
  if (local && !national) return 'missing_national';
  if (!local && national) return 'missing_local';
  if (!local || !national) throw new Error('classify needs at least one side');
  if (local.code !== national.code) {
    if (!sameContent(local, national)) throw new Error(`classify: ${local.code} and ${national.code} are not the same dossier`);
    return opts.localCodeNational ? 'duplicate_national' : 'code_divergence';
  }
  if (shiftedByOffset(local, national)) return 'date_shift';
  if (local.status !== national.status) return 'status_lag';
  if (local.returnedAt !== null && national.finishedAt === local.returnedAt && national.finishedAt !== local.finishedAt)
    return 'definition_drift';
  if (local.procedure !== national.procedure) return 'code_divergence';
  return 'definition_drift';
}

type Side = NonNullable<Finding['evidence']['local']> & { code: string; agency: string };

/** What one side holds; `code` and `agency` are extra (kept where the report schema keeps them). */
function side(d: CanonicalDossier | undefined): Side | null {
  if (!d) return null;
  const at = (ms: number | null) => (ms === null ? null : formatCompact(ms));
  return {
    code: d.code,
    agency: d.agency,
    status: d.status,
    channel: d.channel,
    digitised: d.digitised,
    procedure: d.procedure,
    receivedAt: at(d.receivedAt),
    dueAt: at(d.dueAt),
    finishedAt: at(d.finishedAt),
    returnedAt: at(d.returnedAt),
    updatedAt: at(d.updatedAt),
  };
}

/**
 * The finding for one dossier. Its code: the national one for missing_local and
 * duplicate_national, else the local one (a replaced code is reported for the local code,
 * with both codes in the evidence).
 */
export function toFinding(
  agency: string,
  metric: string,
  local: CanonicalDossier | undefined,
  national: CanonicalDossier | undefined,
  opts: ClassifyOptions = {},
): Finding {
  const kind = classify(local, national, opts);
  const code = kind === 'duplicate_national' || !local ? national!.code : local.code;
  return { dossierCode: code, agency, kind, metrics: [metric], evidence: { local: side(local), national: side(national) } };
}
