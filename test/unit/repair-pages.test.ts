/** The dashboard's repair views: every value escaped, every code URL-encoded in links, both languages. */
import { describe, expect, it } from 'vitest';
import type { RepairRecord } from '../../schemas/repair.js';
import { repairPlanPage, repairRecordsSection } from '../../src/server/pages/repair.js';

const CODE = 'X<b>"/1&';
const ctx = { lang: 'en' as const, defaultLang: 'en' as const, path: '/runs/r' };
const record: RepairRecord = {
  runId: 'r<1>',
  province: 'H49',
  dossierCode: CODE,
  agency: '000.00.12.H49',
  kind: 'status_lag',
  by: '<script>',
  at: '2026-11-01T00:00:00Z',
  sent: { MaHoSo: CODE, isUpdate: true },
  outcome: 'rejected',
  code: 'INVALID',
  message: '<img src=x>',
  resent: false,
};

describe('repair views', () => {
  it('escape every value and encode codes in links', () => {
    const out = repairRecordsSection(ctx, [record], { runId: 'r<1>' }).toString();
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain(`/dossiers/${encodeURIComponent(CODE).replace(/&/g, '&amp;')}`);
    expect(out).toContain('rejected INVALID: &lt;img src=x&gt;');
    expect(out).toContain(`/runs/${encodeURIComponent('r<1>')}/repair`);
  });

  it('show the plan with its confirmation, in Vietnamese too', () => {
    const plan = {
      runId: 'r1',
      leftOver: 0,
      alreadyRepaired: [],
      notStored: [],
      push: [{ province: 'H49', dossierCode: CODE, agency: 'a', kind: 'missing_national' as const, isUpdate: false }],
      manual: [
        {
          province: 'H49',
          dossierCode: 'M-1',
          agency: 'a',
          kind: 'missing_local' as const,
          action: 'ask <the> portal',
        },
      ],
    };
    const en = repairPlanPage(ctx, plan, { kinds: ['missing_national'] }, 1);
    expect(en).toContain('1 dossier(s) to push in 1 batch(es)');
    expect(en).toContain('action="/runs/r1/repair?kind=missing_national"');
    expect(en).toContain('ask &lt;the&gt; portal');
    const vi = repairPlanPage({ ...ctx, lang: 'vi' }, plan, {}, 1);
    expect(vi).toContain('1 hồ sơ cần gửi trong 1 lô');
    expect(repairPlanPage(ctx, { ...plan, push: [] }, {}, 0)).not.toContain('<form');
  });
});
