/**
 * Names the root cause of one dossier that counts differently on the two sides
 * (docs/domain.md, How each root cause is recognised; kinds of docs/contracts.md, The JSON report).
 *
 * The same code on both sides, in this order:
 * 1. date_shift: a timestamp on one side is the other's shifted by exactly the UTC offset (±7 h);
 * 2. the statuses differ: status_lag when one copy is at an earlier stage of the same path and
 *    older (`earlierStage`: the national copy, or the stored one, has not caught up); otherwise
 *    the two sides hold different states for the same dossier, a mapping: definition_drift,
 *    its rule "withdrawn counted as processed" (7 locally, 9 or 10 nationally) or the status
 *    pair ("status 8 sent as 9");
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
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding, FindingKind } from '../../schemas/report.js';
import { BUILT_IN_CODE_FORMS, type CodeForms } from '../domain/codes.js';
import { formatCompact, VN_OFFSET_MS } from '../domain/time.js';
import { RULE_RETURN_DATE, RULE_WITHDRAWN } from './variants.js';

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
 * names no agency in one of `codes` (the portal files such a code under the unit that pushed
 * it, so its agency says nothing). The built-in forms by default: more codes name no agency
 * in them than in the configured ones, so that test is the looser.
 */
export function sameContent(
  local: CanonicalDossier,
  national: CanonicalDossier,
  codes: CodeForms = BUILT_IN_CODE_FORMS,
): boolean {
  return (
    local.receivedAt !== null &&
    local.receivedAt === national.receivedAt &&
    local.dueAt === national.dueAt &&
    local.channel === national.channel &&
    local.procedure === national.procedure &&
    (local.agency === national.agency || codes.agencyOfDossierCode(national.code) === undefined)
  );
}

/**
 * The statuses a dossier can pass through before reaching each status (docs/domain.md,
 * Statuses): submitted → accepted → in progress ⇄ supplement / payment → finished → returned;
 * refused at intake, withdrawn, stopped end the path early. 4, 5 and 6 are one stage, any of
 * them possibly before another.
 */
const BEFORE: Readonly<Record<number, readonly number[]>> = {
  2: [1],
  3: [1],
  4: [1, 2, 5, 6],
  5: [1, 2, 4, 6],
  6: [1, 2, 4, 5],
  7: [1, 2, 4, 5, 6],
  8: [2, 4, 5, 6],
  9: [1, 2, 4, 5, 6],
  10: [1, 2, 4, 5, 6, 9],
};

/** Copy `behind` is at an earlier stage of copy `ahead`'s path, and older: it has not caught up. */
export function earlierStage(ahead: CanonicalDossier, behind: CanonicalDossier): boolean {
  return (BEFORE[ahead.status] ?? []).includes(behind.status) && behind.updatedAt < ahead.updatedAt;
}

/** The rule a definition_drift between two copies of one dossier shows, when it shows one. */
export function ruleOf(local: CanonicalDossier, national: CanonicalDossier): string | undefined {
  if (local.status !== national.status) {
    const processed = national.status === STATUS.FINISHED || national.status === STATUS.RETURNED;
    return local.status === STATUS.WITHDRAWN && processed
      ? RULE_WITHDRAWN
      : `status ${local.status} sent as ${national.status}`;
  }
  if (local.returnedAt !== null && national.finishedAt === local.returnedAt && national.finishedAt !== local.finishedAt)
    return RULE_RETURN_DATE;
  return undefined;
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
    if (!sameContent(local, national))
      throw new Error(`classify: ${local.code} and ${national.code} are not the same dossier`);
    return opts.localCodeNational ? 'duplicate_national' : 'code_divergence';
  }
  if (shiftedByOffset(local, national)) return 'date_shift';
  if (local.status !== national.status)
    return earlierStage(local, national) || earlierStage(national, local) ? 'status_lag' : 'definition_drift';
  if (ruleOf(local, national) !== undefined) return 'definition_drift';
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
  const rule = kind === 'definition_drift' ? ruleOf(local!, national!) : undefined;
  return {
    dossierCode: code,
    agency,
    kind,
    metrics: [metric],
    evidence: { local: side(local), national: side(national) },
    ...(rule ? { rule } : {}),
  };
}
