/**
 * The demo's checks: the findings against the simulators' ground truth, and each source's
 * store, quarantine and counters against what its simulator served; and how they print.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import type { RunReport } from '../../../schemas/report.js';
import type { FaultLog } from '../../sim/faults.js';
import { checkQuarantine } from '../../sim/faults/quarantine-check.js';
import { expectedStore, type ProvinceWorld, type TruthEntry } from '../../sim/world.js';
import type { Store } from '../../store/store.js';

export interface TruthCheck {
  expected: number;
  found: number;
  wrongKind: { dossierCode: string; expected: string; got: string }[];
  missed: TruthEntry[];
  unexpected: { dossierCode: string; kind: string }[];
}

/** Compares a run's findings with the simulator's ground truth. */
export function checkTruth(report: RunReport, truth: TruthEntry[]): TruthCheck {
  const found = new Map(report.provinces.flatMap((p) => p.findings.map((f) => [f.dossierCode, f.kind] as const)));
  const expected = new Map(truth.map((t) => [t.dossierCode, t]));
  const check: TruthCheck = { expected: truth.length, found: 0, wrongKind: [], missed: [], unexpected: [] };
  for (const t of truth) {
    const kind = found.get(t.dossierCode);
    if (kind === undefined) check.missed.push(t);
    else if (kind !== t.kind) check.wrongKind.push({ dossierCode: t.dossierCode, expected: t.kind, got: kind });
    else check.found++;
  }
  for (const [code, kind] of found) if (!expected.has(code)) check.unexpected.push({ dossierCode: code, kind });
  return check;
}

export interface SourceCheck {
  id: string;
  province: string;
  /** Dossiers of the source (its world's local data after the run, as the store should hold them). */
  dossiers: number;
  /** Stored dossiers that differ from the source's, source dossiers not stored, stored ones the source lacks. */
  differ: number;
  missing: number;
  extra: number;
  /** Malformed items injected, and of them in the quarantine with a reason naming their field. */
  malformed: number;
  quarantined: number;
  /** Records the source updated while its pages were read. */
  updated: number;
  counters: { pulled: number; applied: number; unchanged: number; quarantined: number } | undefined;
  ok: boolean;
}

const DOSSIER_FIELDS = [
  'code',
  'agency',
  'procedure',
  'status',
  'channel',
  'digitised',
  'paidOnline',
  'receivedAt',
  'dueAt',
  'finishedAt',
  'returnedAt',
  'updatedAt',
] as const;
const fingerprint = (d: CanonicalDossier) => JSON.stringify(DOSSIER_FIELDS.map((f) => d[f] ?? null));

/**
 * Compares one source's store contents, quarantine and counters with what its simulator served
 * (`world.local` after the run, with the source's procedure map applied).
 */
export async function checkSource(
  store: Store,
  report: RunReport,
  source: { id: string; province: string; procedureMap?: Record<string, string> },
  world: ProvinceWorld,
  log: FaultLog<object> | undefined,
): Promise<SourceCheck> {
  const expected = new Map(expectedStore(world, source.procedureMap ?? {}).map((d) => [d.code, fingerprint(d)]));
  let differ = 0;
  let extra = 0;
  let matched = 0;
  for await (const batch of store.scanDossiers(source.province)) {
    for (const d of batch) {
      const want = expected.get(d.code);
      if (want === undefined) extra++;
      else if (want !== fingerprint(d)) differ++;
      else matched++;
    }
  }
  const missing = expected.size - matched - differ;
  const malformed = log?.malformed ?? [];
  const q = checkQuarantine(malformed, await store.quarantineEntries(source.province, source.id, 100_000));
  const s = report.provinces.find((p) => p.province === source.province)?.sources.find((x) => x.id === source.id);
  const counters = s && { pulled: s.pulled, applied: s.applied, unchanged: s.unchanged, quarantined: s.quarantined };
  const ok =
    differ === 0 &&
    missing === 0 &&
    extra === 0 &&
    q.quarantined === q.injected &&
    s?.status === 'complete' &&
    counters !== undefined &&
    counters.pulled === counters.applied + counters.unchanged + counters.quarantined;
  return {
    id: source.id,
    province: source.province,
    dossiers: expected.size,
    differ,
    missing,
    extra,
    malformed: q.injected,
    quarantined: q.quarantined,
    updated: log?.drift.length ?? 0,
    counters,
    ok,
  };
}

/** One line per source: store vs source, quarantine, counters. */
export function formatSourceCheck(c: SourceCheck, width: number): string {
  const store =
    c.differ + c.missing + c.extra === 0
      ? `store = source (${c.dossiers} dossiers${c.updated ? `, ${c.updated} updated mid-sync` : ''})`
      : `store ≠ source (${c.differ} differ, ${c.missing} missing, ${c.extra} extra of ${c.dossiers})`;
  const quarantine = `malformed quarantined with reason ${c.quarantined} of ${c.malformed}`;
  const k = c.counters;
  const counters = k
    ? `pulled ${k.pulled} ${k.pulled === k.applied + k.unchanged + k.quarantined ? '=' : '≠'} applied ${k.applied} + unchanged ${k.unchanged} + quarantined ${k.quarantined}`
    : 'no sync counters';
  return `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id.padEnd(width)}  ${store}; ${quarantine}; ${counters}`;
}

/** What was injected over all sources, on one line. */
export function formatFaults(logs: readonly FaultLog<object>[]): string {
  const sum = (f: (l: FaultLog<object>) => number) => logs.reduce((n, l) => n + f(l), 0);
  return (
    `Faults injected: ${sum((l) => l.drift.length)} records updated mid-sync, ${sum((l) => l.duplicates)} duplicated items, ` +
    `${sum((l) => l.sessionExpiries)} expired sessions/tokens, ${sum((l) => l.tooMany)} × HTTP 429, ${sum((l) => l.serverError)} × HTTP 5xx, ` +
    `${sum((l) => l.truncated)} truncated bodies, ${sum((l) => l.malformed.length)} malformed items.`
  );
}
