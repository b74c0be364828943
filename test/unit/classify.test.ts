/** Root-cause classification of one dossier from hand-built pairs (src/reconcile/classify.ts). */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { classify, sameContent, toFinding } from '../../src/reconcile/classify.js';
import { vn } from '../helpers/fixtures.js';

const HOUR = 3_600_000;

const base: CanonicalDossier = {
  code: '000.00.14.H56-261003-0118',
  agency: '000.00.14.H56',
  procedure: '1.003560',
  status: 10,
  channel: 2,
  digitised: true,
  paidOnline: false,
  receivedAt: vn('2026-10-03T09:15:00'),
  dueAt: vn('2026-10-08T17:00:00'),
  finishedAt: vn('2026-10-30T10:00:00'),
  returnedAt: vn('2026-11-01T08:30:00'),
  updatedAt: vn('2026-11-01T08:30:00'),
};
const d = (over: Partial<CanonicalDossier> = {}): CanonicalDossier => ({ ...base, ...over });

describe('classify, the same code on both sides or one side only', () => {
  it('missing_national and missing_local', () => {
    expect(classify(d(), undefined)).toBe('missing_national');
    expect(classify(undefined, d())).toBe('missing_local');
    expect(() => classify(undefined, undefined)).toThrow();
  });

  it('date_shift: a date moved by exactly 7 hours, either way, before any other rule', () => {
    const minus = (t: number | null) => (t === null ? null : t - 7 * HOUR);
    const shifted = d({
      receivedAt: minus(base.receivedAt),
      dueAt: minus(base.dueAt),
      finishedAt: minus(base.finishedAt),
      returnedAt: minus(base.returnedAt),
    });
    expect(classify(d(), shifted)).toBe('date_shift');
    expect(classify(shifted, d())).toBe('date_shift');
    expect(classify(d(), d({ receivedAt: base.receivedAt! + 7 * HOUR, status: 4 }))).toBe('date_shift');
    expect(
      classify(d(), d({ receivedAt: base.receivedAt! + 6 * HOUR, status: 4, updatedAt: base.receivedAt! + 6 * HOUR })),
    ).toBe('status_lag');
  });

  it('status_lag: the national copy is at an earlier stage of the same path, and older', () => {
    const older = base.receivedAt! + HOUR;
    expect(classify(d(), d({ status: 4, finishedAt: null, returnedAt: null, updatedAt: older }))).toBe('status_lag');
    expect(classify(d(), d({ status: 9, returnedAt: null, updatedAt: base.finishedAt! }))).toBe('status_lag'); // finished, not yet returned
    expect(classify(d({ status: 7 }), d({ status: 5, finishedAt: null, returnedAt: null, updatedAt: older }))).toBe(
      'status_lag',
    ); // withdrawn after a supplement request
    expect(classify(d({ status: 5 }), d({ status: 4, updatedAt: older }))).toBe('status_lag'); // 4, 5 and 6 are one stage
    // the stored copy behind a newer national one: a lag too, the evidence says which side
    expect(classify(d({ status: 4, finishedAt: null, returnedAt: null, updatedAt: older }), d())).toBe('status_lag');
  });

  it('definition_drift, a mapping: different end states, or a status not earlier, or not older', () => {
    const f = (l: Partial<CanonicalDossier>, n: Partial<CanonicalDossier>) =>
      toFinding(base.agency, 'processed', d(l), d(n));
    const withdrawn = f({ status: 7 }, { status: 9, updatedAt: base.updatedAt - HOUR });
    expect([withdrawn.kind, withdrawn.rule]).toEqual(['definition_drift', 'withdrawn counted as processed']);
    expect(f({ status: 7 }, { status: 10 }).rule).toBe('withdrawn counted as processed');
    const stopped = f({ status: 8 }, { status: 9, updatedAt: base.updatedAt - HOUR });
    expect([stopped.kind, stopped.rule]).toEqual(['definition_drift', 'status 8 sent as 9']);
    // a later stage nationally (a vendor sending 5 as 9)
    expect(f({ status: 5 }, { status: 9 })).toMatchObject({ kind: 'definition_drift', rule: 'status 5 sent as 9' });
    // an earlier stage, but as new as the local copy: the same version mapped, not a lag
    expect(f({ status: 10 }, { status: 9 })).toMatchObject({ kind: 'definition_drift', rule: 'status 10 sent as 9' });
    // refused at intake locally, accepted nationally: two end states
    expect(f({ status: 3 }, { status: 2, updatedAt: base.updatedAt - HOUR })).toMatchObject({
      kind: 'definition_drift',
      rule: 'status 3 sent as 2',
    });
    // a lag has no rule
    expect(f({}, { status: 4, updatedAt: base.updatedAt - HOUR }).rule).toBeUndefined();
  });

  it('definition_drift: the national finish date is the local return date', () => {
    expect(classify(d(), d({ finishedAt: base.returnedAt }))).toBe('definition_drift');
    expect(toFinding(base.agency, 'processed', d(), d({ finishedAt: base.returnedAt })).rule).toBe(
      'processed keyed on the return date',
    );
    expect(toFinding(base.agency, 'processed', d(), d()).rule).toBeUndefined();
    // with the procedure also differing, the date rule comes first
    expect(classify(d(), d({ finishedAt: base.returnedAt, procedure: '1.003560.000.00.00.H56' }))).toBe(
      'definition_drift',
    );
  });

  it('code_divergence: the procedure codes differ (an unmapped local procedure code)', () => {
    expect(classify(d(), d({ procedure: '1.003560.000.00.00.H56' }))).toBe('code_divergence');
  });

  it('falls back to definition_drift when both copies agree', () => {
    expect(classify(d(), d())).toBe('definition_drift');
  });
});

describe('classify across codes, matched by content', () => {
  const replaced = d({ code: '9f3c2a7b-1d4e-4a2b-8c3d-5e6f7a8b9c0d', agency: '000.00.00.H56' });
  const duplicate = d({ code: '000.00.14.H56-261003-0131' });

  it('sameContent: same intake, due date, channel, procedure and agency (or a national code naming none)', () => {
    expect(sameContent(d(), duplicate)).toBe(true);
    expect(sameContent(d(), replaced)).toBe(true); // filed under the root: the code names no agency
    expect(sameContent(d(), d({ code: '000.00.00.H56-261003-0001', agency: '000.00.00.H56' }))).toBe(false);
    expect(sameContent(d(), d({ code: duplicate.code, receivedAt: base.receivedAt! + 1000 }))).toBe(false);
    expect(sameContent(d(), d({ code: duplicate.code, dueAt: base.dueAt! + 1000 }))).toBe(false);
    expect(sameContent(d(), d({ code: duplicate.code, channel: 1 }))).toBe(false);
    expect(sameContent(d(), d({ code: duplicate.code, procedure: '1.000001' }))).toBe(false);
    expect(sameContent(d({ receivedAt: null }), d({ code: duplicate.code, receivedAt: null }))).toBe(false);
    // status and later dates may differ: the same dossier, synced at another time
    expect(sameContent(d(), d({ code: duplicate.code, status: 4, finishedAt: null, returnedAt: null }))).toBe(true);
  });

  it('a replaced code: code_divergence, one finding for the local code with both codes in the evidence', () => {
    expect(classify(d(), replaced)).toBe('code_divergence');
    const f = toFinding(base.agency, 'received', d(), replaced);
    expect(f).toMatchObject({
      dossierCode: base.code,
      agency: base.agency,
      kind: 'code_divergence',
      metrics: ['received'],
    });
    expect(f.evidence.local).toMatchObject({ code: base.code, procedure: '1.003560', receivedAt: '20261003091500' });
    expect(f.evidence.national).toMatchObject({ code: replaced.code, agency: '000.00.00.H56' });
  });

  it('a duplicate: duplicate_national for the extra national code when the local code is national too', () => {
    expect(classify(d(), duplicate, { localCodeNational: true })).toBe('duplicate_national');
    const f = toFinding(base.agency, 'received', d(), duplicate, { localCodeNational: true });
    expect(f).toMatchObject({ dossierCode: duplicate.code, kind: 'duplicate_national' });
    expect(f.evidence.local).toMatchObject({ code: base.code });
    expect(f.evidence.national).toMatchObject({ code: duplicate.code });
    // the same pair when the local code is not national: the code was replaced
    expect(toFinding(base.agency, 'received', d(), duplicate).kind).toBe('code_divergence');
  });

  it('refuses two different dossiers under different codes', () => {
    expect(() => classify(d(), d({ code: duplicate.code, receivedAt: base.receivedAt! + 1000 }))).toThrow(
      /not the same dossier/,
    );
  });

  it('keeps evidence of both sides, one side empty when missing', () => {
    const missing = toFinding(base.agency, 'processed', d(), undefined);
    expect(missing).toMatchObject({ dossierCode: base.code, kind: 'missing_national' });
    expect(missing.evidence.national).toBeNull();
    const extra = toFinding(base.agency, 'processed', undefined, d());
    expect(extra).toMatchObject({ dossierCode: base.code, kind: 'missing_local' });
    expect(extra.evidence.local).toBeNull();
    const drift = toFinding(base.agency, 'processed', d(), d({ finishedAt: base.returnedAt }));
    expect(drift.evidence).toMatchObject({
      local: { finishedAt: '20261030100000', returnedAt: '20261101083000' },
      national: { finishedAt: '20261101083000' },
    });
  });
});
