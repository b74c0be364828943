/**
 * A run's line: what the run list (the dashboard's `/` and /api/runs) shows of a run, its
 * meta and per province its coverage and counts. The run store keeps the parts of each
 * province's line in one small hash per run (`Keys.runLines`), each part written together with
 * what it counts (src/store/runs.ts), so that the list reads neither the findings nor the
 * mismatch lists of the runs it shows. A run stored before lines were kept has none: its line
 * is made from its report by the same functions (`lineOfReport`).
 */
import { z } from 'zod';
import {
  coverage,
  isDossierFinding,
  isUnexplained,
  type Finding,
  type ProvinceReport,
  type RunReport,
} from '../../schemas/report.js';
import { tupleKey } from '../util/tuple-key.js';

export interface ProvinceLine {
  province: string;
  coverage: ProvinceReport['coverage'];
  mismatches: number;
  /** Mismatched keys left unexplained (residual ≠ 0). */
  unexplained: number;
  /** Findings, `unexplained` ones included. */
  findings: number;
  /** Distinct dossiers behind the findings. */
  dossiers: number;
  /** Incident changes the run made. */
  incidents: number;
}

export type RunLine = Pick<RunReport, 'runId' | 'period' | 'window' | 'startedAt' | 'finishedAt' | 'status'> & {
  provinces: ProvinceLine[];
};

/** What the run's meta gives a line. */
type LineMeta = Pick<RunReport, 'runId' | 'period' | 'window' | 'startedAt' | 'finishedAt'> & { provinces: string[] };

/** What a run's report and its line say of the run itself, from its meta. */
export function runHead(meta: Omit<LineMeta, 'provinces'>): Omit<RunLine, 'provinces'> {
  return {
    runId: meta.runId,
    period: meta.period,
    window: meta.window,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    status: meta.finishedAt ? 'complete' : 'running',
  };
}

/** The coverage of a province that has no stored result yet. */
export const NOT_RECONCILED: ProvinceReport['coverage'] = { status: 'failed', why: 'not reconciled (yet)' };

/** The field that says a run's lines are kept: written when the run is created. */
export const LINES_KEPT = '*';

const count = z.number().int();
const resultPart = z.object({ coverage, mismatches: count, unexplained: count });
const findingsPart = z.object({ findings: count, dossiers: count });
const incidentsPart = z.object({ incidents: count });
const field = (province: string, part: 'result' | 'findings' | 'incidents') => tupleKey(province, part);

/** A province's result part (its coverage and mismatches), as a field and its value. */
export function resultField(s: Pick<ProvinceReport, 'province' | 'coverage' | 'mismatches'>): [string, string] {
  const part = {
    coverage: s.coverage,
    mismatches: s.mismatches.length,
    unexplained: s.mismatches.filter(isUnexplained).length,
  };
  return [field(s.province, 'result'), JSON.stringify(part)];
}

/** A province's findings part: the findings as stored (one per finding field). */
export function findingsField(province: string, findings: readonly Finding[]): [string, string] {
  const dossiers = new Set(findings.filter(isDossierFinding).map((f) => f.dossierCode)).size;
  return [field(province, 'findings'), JSON.stringify({ findings: findings.length, dossiers })];
}

export function incidentsField(province: string, changes: readonly unknown[]): [string, string] {
  return [field(province, 'incidents'), JSON.stringify({ incidents: changes.length })];
}

/** A run's line from its meta and its lines hash; a province without a part reads as its report does. */
export function lineOf(meta: LineMeta, h: Record<string, string>): RunLine {
  const part = <T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined =>
    raw === undefined ? undefined : schema.parse(JSON.parse(raw));
  return {
    ...runHead(meta),
    provinces: meta.provinces.map((province) => ({
      province,
      ...(part(resultPart, h[field(province, 'result')]) ?? {
        coverage: { ...NOT_RECONCILED },
        mismatches: 0,
        unexplained: 0,
      }),
      ...(part(findingsPart, h[field(province, 'findings')]) ?? { findings: 0, dossiers: 0 }),
      ...(part(incidentsPart, h[field(province, 'incidents')]) ?? { incidents: 0 }),
    })),
  };
}

/** Every part of a report's lines, as the run store's writes leave them. */
export function fieldsOfReport(r: RunReport): Record<string, string> {
  return Object.fromEntries(
    r.provinces.flatMap((p) => [
      resultField(p),
      findingsField(p.province, p.findings),
      incidentsField(p.province, p.incidents),
    ]),
  );
}

/** A run's line from its report (a run stored before lines were kept). */
export function lineOfReport(r: RunReport): RunLine {
  return lineOf({ ...r, provinces: r.provinces.map((p) => p.province) }, fieldsOfReport(r));
}

/** A count summed over provinces. */
export function totalOf(provinces: readonly ProvinceLine[], k: 'mismatches' | 'dossiers' | 'unexplained'): number {
  return provinces.reduce((n, p) => n + p[k], 0);
}
