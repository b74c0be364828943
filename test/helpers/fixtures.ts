/** Fixtures the unit tests share: Vietnam local times and a dossier with every field set. */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { RunReport } from '../../schemas/report.js';
import type { Figures } from '../../src/domain/figures.js';
import type { Period } from '../../src/domain/period.js';
import { Tally } from '../../src/reconcile/counting.js';

/** Vietnam local time (`2026-10-15T08:30:00`) written with its explicit offset, independent of the code under test. */
export const vn = (local: string): number => {
  const ms = Date.parse(`${local}+07:00`);
  if (Number.isNaN(ms)) throw new Error(`bad fixture ${local}`);
  return ms;
};

/** A finished and returned dossier with every field set. */
export const fullDossier: CanonicalDossier = {
  code: '000.00.14.H56-261015-0118',
  agency: '000.00.23.H56',
  procedure: '1.001234',
  status: 10,
  channel: 2,
  digitised: true,
  paidOnline: false,
  receivedAt: vn('2026-10-15T08:30:00'),
  dueAt: vn('2026-10-20T17:00:00'),
  finishedAt: vn('2026-10-19T10:15:00'),
  returnedAt: vn('2026-10-20T09:00:00'),
  updatedAt: vn('2026-10-20T09:05:12'),
};

/** A complete run `r1` over October 2026 with these provinces' reports. */
export function octoberRun(provinces: RunReport['provinces']): RunReport {
  return {
    runId: 'r1',
    period: { from: '2026-10-01', to: '2026-10-31' },
    window: { to: '2026-11-01T19:00:00.000Z' },
    startedAt: '2026-11-01T19:00:00.000Z',
    finishedAt: '2026-11-01T19:01:00.000Z',
    status: 'complete',
    provinces,
  };
}

/** `fullDossier` as a `rest` dialect item (status `DA_TRA_KET_QUA`: returned), with an applicant's name the normaliser must drop. */
export function restItem(): Record<string, unknown> {
  return {
    code: '000.00.14.H56-261015-0118',
    procedureCode: '1.001234',
    agencyCode: '000.00.23.H56',
    channel: 'ONLINE',
    status: 'DA_TRA_KET_QUA',
    receivedAt: '2026-10-15T08:30:00+07:00',
    dueAt: '2026-10-20T17:00:00+07:00',
    finishedAt: '2026-10-19T10:15:00+07:00',
    returnedAt: '2026-10-20T09:00:00+07:00',
    updatedAt: '2026-10-20T09:05:12+07:00',
    digitised: true,
    paidOnline: false,
    applicantName: 'Nguyễn Văn A',
  };
}

/** Counts per agency and per agency and procedure, as the store and ThongKeHoSo give them. */
export function figuresOf(list: readonly CanonicalDossier[], period: Period): Figures[] {
  const t = new Tally(period);
  for (const d of list) {
    t.add(`${d.agency}|`, d);
    t.add(`${d.agency}|${d.procedure}`, d);
  }
  return [...t.groups].map(([k, counts]) => {
    const [agency, procedure] = k.split('|') as [string, string];
    return { agency, procedure: procedure === '' ? null : procedure, counts };
  });
}
