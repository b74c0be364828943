/**
 * Where a dossier or an incident shows up across the stored runs' findings (what the dossier
 * and incident pages are built from), and the home page's trend over the runs' lines. Pure:
 * the routes load the findings (the findings that name a dossier: `Runs.findingsNaming`, or
 * an incident's province's findings: `Runs.findingsOf`) or the lines of a bounded number of the latest runs and hand them here.
 */
import type { Incident } from '../../schemas/incident.js';
import type { Finding, RunReport } from '../../schemas/report.js';
import { isDossierFinding } from '../report/account.js';
import { codesNamed } from '../store/finding-codes.js';
import { totalOf, type RunLine } from '../store/run-lines.js';
import type { RunFindings } from '../store/runs.js';
import { groupBy } from '../util/group.js';
import { tupleKey } from '../util/tuple-key.js';
import { vnTime } from './pages/layout.js';

/** One finding of a dossier in one run. */
export interface Appearance {
  runId: string;
  period: RunReport['period'];
  startedAt: string;
  province: string;
  finding: Finding;
}

/** A dossier finding names a dossier by its code, or by its code on either side (a replaced code differs across sides). */
const names = (f: Finding, code: string): boolean => codesNamed(f).includes(code);

/** Every finding of the dossier in the given runs' findings (their reports, or those that name it), newest run first. */
export function appearancesOf(code: string, reports: readonly RunFindings[]): Appearance[] {
  const out: Appearance[] = [];
  for (const r of reports) {
    for (const p of r.provinces) {
      for (const f of p.findings) {
        if (names(f, code))
          out.push({ runId: r.runId, period: r.period, startedAt: r.startedAt, province: p.province, finding: f });
      }
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.runId.localeCompare(b.runId));
}

/** A dossier behind an incident: its code, its latest finding's kind, and the runs that found it. */
export interface IncidentDossier {
  code: string;
  kind: Finding['kind'];
  agency: string;
  runs: string[];
}

const procedureOf = (f: Finding) => f.evidence.local?.procedure ?? f.evidence.national?.procedure ?? null;

/**
 * The dossiers behind each incident, by incident key: the one place that knows how an
 * incident names its dossiers. An incident is one root cause at one agency (or its figures
 * left unexplained), so its dossiers are the findings of that kind for that agency in the runs
 * of its history; an incident stored before incidents followed causes (cause null) names one
 * figure, and its dossiers are the findings that moved that figure.
 * Findings are indexed once by run, province and agency: the cost follows the findings and
 * the incidents' history, not their product. Given only the findings that name a code, it
 * finds each incident's dossiers of that code as the whole reports do.
 */
export function incidentDossiers(
  incidents: readonly Incident[],
  reports: readonly RunFindings[],
): Map<string, IncidentDossier[]> {
  const index = new Map<string, Finding[]>();
  for (const r of reports) {
    for (const p of r.provinces) {
      for (const [agency, list] of groupBy(p.findings.filter(isDossierFinding), (f) => f.agency))
        index.set(tupleKey(r.runId, p.province, agency), list);
    }
  }
  const out = new Map<string, IncidentDossier[]>();
  for (const i of incidents) {
    const byCode = new Map<string, IncidentDossier>();
    for (const runId of new Set(i.history.map((h) => h.runId))) {
      for (const f of index.get(tupleKey(runId, i.province, i.agency)) ?? []) {
        if (!behind(i, f)) continue;
        const d = byCode.get(f.dossierCode) ?? { code: f.dossierCode, kind: f.kind, agency: f.agency, runs: [] };
        d.kind = f.kind; // the history runs oldest first: the latest kind stays
        d.runs.push(runId);
        byCode.set(f.dossierCode, d);
      }
    }
    out.set(
      i.key,
      [...byCode.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.code.localeCompare(b.code)),
    );
  }
  return out;
}

/** Whether a finding is one of an incident's dossiers (see incidentDossiers). */
function behind(i: Incident, f: Finding): boolean {
  if (i.cause !== null) return f.kind === i.cause;
  return i.lines.some((l) => f.metrics.includes(l.metric) && (l.procedure === null || procedureOf(f) === l.procedure));
}

/** One night on the home page's trend: the runs started that day (Vietnam time), summed. */
export interface TrendPoint {
  day: string;
  runs: string[];
  mismatches: number;
  /** Dossiers found (distinct per province and run). */
  findings: number;
  /** Mismatched keys left unexplained (residual ≠ 0). */
  unexplained: number;
}

export function trendOf(lines: readonly RunLine[]): TrendPoint[] {
  const byDay = groupBy(
    [...lines].sort((a, b) => a.startedAt.localeCompare(b.startedAt)),
    (r) => vnTime(r.startedAt).slice(0, 10),
  );
  return [...byDay].map(([day, runs]) => {
    const provinces = runs.flatMap((r) => r.provinces);
    return {
      day,
      runs: runs.map((r) => r.runId),
      mismatches: totalOf(provinces, 'mismatches'),
      findings: totalOf(provinces, 'dossiers'),
      unexplained: totalOf(provinces, 'unexplained'),
    };
  });
}
