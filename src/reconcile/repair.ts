/**
 * The plan of a run's repair: a pure function, the run's findings and the store's current
 * records in, what to push and what needs a person out.
 *
 * A finding whose national copy is wrong and is put right by sending the province's record
 * again (docs/domain.md, Root causes: not synced, status lag, day or month boundary, definition
 * drift) is pushed: `missing_national` as new, the others as an update, each with the record the
 * store holds now (the caller reads it at repair time; the run's evidence is never sent). The
 * others cannot be put right by a push and are listed with what a person should do.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Finding, FindingKind } from '../../schemas/report.js';
import { isRepairable, type PendingRepair, type RepairCheck, type RepairTarget } from '../../schemas/repair.js';
import { repairKey } from '../store/repairs.js';

export interface PlanFilters {
  provinces?: readonly string[];
  kinds?: readonly string[];
  agencies?: readonly string[];
  /** At most this many dossiers pushed (besides the configured cap). */
  limit?: number;
}

export { repairKey };

export interface PlanInput {
  runId: string;
  /** Each province's findings in the run. */
  provinces: readonly { province: string; findings: readonly Finding[] }[];
  /** The store's current record of each repairable finding's dossier, by `repairKey(province, code)`; absent: no longer stored. */
  records: ReadonlyMap<string, CanonicalDossier>;
  /** Dossiers an earlier repair of this run already pushed (stored or rejected), by `repairKey`. */
  done: ReadonlySet<string>;
  filters: PlanFilters;
  /** `repair.maxDossiers`: the most dossiers one repair pushes. */
  maxDossiers: number;
}

export interface PlannedPush extends RepairTarget {
  province: string;
}

export interface ManualStep {
  province: string;
  /** '' for an unexplained figure. */
  dossierCode: string;
  agency: string;
  kind: FindingKind;
  /** What a person should do about it. */
  action: string;
}

export interface RepairPlan {
  runId: string;
  push: PlannedPush[];
  manual: ManualStep[];
  /** Pushed by an earlier repair of this run: not pushed again. */
  alreadyRepaired: PlannedPush[];
  /** Repairable, but the store no longer holds the dossier: nothing to send. */
  notStored: PlannedPush[];
  /** Repairable dossiers left for a later repair by `--limit` or `repair.maxDossiers`. */
  leftOver: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What a person should do about a finding no push can put right. */
export function manualAction(f: Finding): string {
  const national = f.evidence.national;
  switch (f.kind) {
    case 'code_divergence':
      if (national?.code && national.code !== f.dossierCode)
        return `the portal holds this dossier under another code (${national.code}): ask the portal's operator to re-key or merge it; a push under this code would make a second copy`;
      return `the portal holds it under an unmapped procedure code (${national?.procedure ?? '?'}): map it to ${f.evidence.local?.procedure ?? 'the national code'} in the source's procedureMap and have the province's system send the national form`;
    case 'duplicate_national':
      return `the portal holds ${f.evidence.copies ?? 'more than one'} copies of this dossier: ask the portal's operator to remove the extra copies (a push cannot delete)`;
    case 'missing_local':
      return "the portal holds a dossier the province's system does not: check whether it was deleted or never pulled (quarantine, a source not configured); if deleted, ask the portal's operator to remove it";
    case 'unexplained':
      return `figure ${f.key?.metric ?? '?'}${f.key?.procedure ? ` of procedure ${f.key.procedure}` : ''} differs by ${f.key?.residual ?? '?'} that no dossier accounts for (examined: ${f.key?.examined ?? '?'}): check the counting rules and the portal's answer, then reconcile again`;
    default:
      return 'put right by a push';
  }
}

function passes(filters: PlanFilters, province: string, f: Finding): boolean {
  if (filters.provinces?.length && !filters.provinces.includes(province)) return false;
  if (filters.kinds?.length && !filters.kinds.includes(f.kind)) return false;
  if (filters.agencies?.length && !filters.agencies.includes(f.agency)) return false;
  return true;
}

export function planRepair(input: PlanInput): RepairPlan {
  const plan: RepairPlan = {
    runId: input.runId,
    push: [],
    manual: [],
    alreadyRepaired: [],
    notStored: [],
    leftOver: 0,
  };
  const candidates: PlannedPush[] = [];
  const seen = new Set<string>();
  for (const { province, findings } of input.provinces) {
    for (const f of findings) {
      if (!passes(input.filters, province, f)) continue;
      if (!isRepairable(f.kind) || f.dossierCode === '') {
        plan.manual.push({
          province,
          dossierCode: f.dossierCode,
          agency: f.agency,
          kind: f.kind,
          action: manualAction(f),
        });
        continue;
      }
      const key = repairKey(province, f.dossierCode);
      if (seen.has(key)) continue;
      seen.add(key);
      const record = input.records.get(key);
      const target: PlannedPush = {
        province,
        dossierCode: f.dossierCode,
        agency: record?.agency ?? f.agency,
        kind: f.kind,
        isUpdate: f.kind !== 'missing_national',
      };
      if (input.done.has(key)) plan.alreadyRepaired.push(target);
      else if (!record) plan.notStored.push(target);
      else candidates.push(target);
    }
  }
  candidates.sort(
    (a, b) => cmp(a.province, b.province) || cmp(a.agency, b.agency) || cmp(a.dossierCode, b.dossierCode),
  );
  const most = Math.min(input.maxDossiers, input.filters.limit ?? Infinity);
  plan.push = candidates.slice(0, most);
  plan.leftOver = candidates.length - plan.push.length;
  plan.manual.sort(
    (a, b) =>
      cmp(a.province, b.province) ||
      cmp(a.agency, b.agency) ||
      cmp(a.kind, b.kind) ||
      cmp(a.dossierCode, b.dossierCode),
  );
  return plan;
}

/** The plan's pushes in batches of at most `size`, each of one province (the push names the province's root). */
export function repairBatches(push: readonly PlannedPush[], size: number): PlannedPush[][] {
  const out: PlannedPush[][] = [];
  let current: PlannedPush[] = [];
  for (const p of push) {
    if (current.length === size || (current.length && current[0]!.province !== p.province)) {
      out.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * What a complete reconciliation of the province, run after the pushes, says of them: a dossier
 * no longer found is `verified`; one still found (of any kind) `repair_failed`. While a figure of
 * its agency is left unexplained the dossier may simply not have been examined: it stays pending.
 */
export function checkRepairs(
  pending: readonly PendingRepair[],
  findings: readonly Finding[],
): { checks: RepairCheck[]; undecided: PendingRepair[] } {
  const found = new Map(findings.filter((f) => f.dossierCode !== '').map((f) => [f.dossierCode, f]));
  const unexamined = new Set(findings.filter((f) => f.kind === 'unexplained').map((f) => f.agency));
  const checks: RepairCheck[] = [];
  const undecided: PendingRepair[] = [];
  for (const p of pending) {
    const f = found.get(p.dossierCode);
    if (f) checks.push({ dossierCode: p.dossierCode, repairRun: p.runId, status: 'repair_failed', kind: f.kind });
    else if (unexamined.has(p.agency)) undecided.push(p);
    else checks.push({ dossierCode: p.dossierCode, repairRun: p.runId, status: 'verified' });
  }
  return { checks: checks.sort((a, b) => cmp(a.dossierCode, b.dossierCode)), undecided };
}
