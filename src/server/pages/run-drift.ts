/**
 * The run page's section of counting rules: per province, each rule the national portal
 * counts by where ours differ (src/reconcile/drift.ts), its agencies, the figures it accounts
 * for and its dossiers (linked, the first DOSSIERS_SHOWN).
 */
import type { RunReport } from '../../../schemas/report.js';
import { provinceLabel } from '../../normalise/units.js';
import { driftKeyText, driftSheet, ruleText } from '../../report/drift.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS } from '../labels.js';
import { dossierLink, type PageContext } from './layout.js';

const DOSSIERS_SHOWN = 30;

export function driftRules(ctx: PageContext, r: RunReport): Html {
  const rows = r.provinces.flatMap((p) => (p.driftRules ?? []).map((d) => ({ province: p.province, d })));
  if (rows.length === 0)
    return html`<div class="card"><p class="empty">${PAGE_LABELS[ctx.lang].noDriftRules}</p></div>`;
  const H = driftSheet(ctx.lang).headers;
  const more = (n: number) => (ctx.lang === 'vi' ? `và ${n} hồ sơ khác` : `and ${n} more`);
  return html`<div class="card">
    <table id="drift-rules">
      <thead>
        <tr>
          <th>${H.rule}</th>
          <th>${H.agencies}</th>
          <th>${H.figures}</th>
          <th class="num">${H.dossiers}</th>
          <th>${H.codes}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          ({ province, d }) =>
            html`<tr data-province="${province}" data-rule="${d.rule}">
              <td>
                <strong>${ruleText(d.rule, ctx.lang)}</strong>
                <div class="sub">${provinceLabel(province)}</div>
              </td>
              <td class="mono">${d.agencies.join(', ')}</td>
              <td>${d.keys.map((k) => html`<div>${driftKeyText(k, ctx.lang)}</div>`)}</td>
              <td class="num">${d.dossiers.length}</td>
              <td>
                <div class="codes">
                  ${d.dossiers.slice(0, DOSSIERS_SHOWN).map((c) => html`${dossierLink(ctx, c)} `)}${d.dossiers.length > DOSSIERS_SHOWN ? html`<small>${more(d.dossiers.length - DOSSIERS_SHOWN)}</small>` : null}
                </div>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
