/**
 * The run page's service index section: per province, each indicator on both sides (share and
 * points) and the points at stake by cause and by agency, labelled as an estimate
 * (docs/domain.md, The national service index).
 */
import type { IndexStake } from '../../../schemas/index-points.js';
import type { RunReport } from '../../../schemas/report.js';
import { provinceLabel } from '../../normalise/units.js';
import {
  INDEX_WORDS,
  fixed,
  indicatorLabel,
  percent,
  signedPoints,
  type IndexLang,
} from '../../report/index-labels.js';
import { LANGS } from '../../report/labels.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS } from '../labels.js';
import type { PageContext } from './layout.js';
import type { RunSection } from './run.js';

function stakes(lang: IndexLang, by: 'cause' | 'agency', list: IndexStake[]): Html {
  const W = INDEX_WORDS[lang];
  if (!list.length) return html`<p class="empty">${W.noStake}</p>`;
  return html`<table class="index-stakes" data-by="${by}">
    <thead>
      <tr>
        <th>${by === 'cause' ? W.cause : W.agency}</th>
        <th class="num">${W.dossiers}</th>
        <th class="num">${W.points}</th>
        <th>${W.indicator}</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (s) =>
          html`<tr data-cause="${s.cause}">
            <td><code>${s.cause}</code></td>
            <td class="num">${s.dossiers}</td>
            <td class="num">${signedPoints(s.points)}</td>
            <td>${s.indicators.map((i) => `${indicatorLabel(i.id, lang)} ${signedPoints(i.points)}`).join(', ')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Each province's indicators on both sides and its stakes; a line saying why when the run has no index. */
export function indexSection(ctx: PageContext, r: RunReport): Html {
  const lang = ctx.lang;
  const W = INDEX_WORDS[lang];
  const provinces = r.provinces.filter((p) => p.index);
  if (!provinces.length) return html`<div class="card" id="index"><p class="empty">${W.notComputed}</p></div>`;
  return html`<div id="index">
    <p class="sub">${W.note}</p>
    ${provinces.map((p) => {
      const x = p.index!;
      return html`<div class="card index" data-province="${p.province}">
        <h3>${provinceLabel(p.province)} · ${W.standing(x.total)}</h3>
        <table class="index-indicators">
          <thead>
            <tr>
              <th>${W.indicator}</th>
              <th class="num">${W.max}</th>
              <th class="num">${W.local} (${W.share})</th>
              <th class="num">${W.local}</th>
              <th class="num">${W.national} (${W.share})</th>
              <th class="num">${W.national}</th>
              <th class="num">${W.gap}</th>
            </tr>
          </thead>
          <tbody>
            ${x.indicators.map(
              (i) =>
                html`<tr data-indicator="${i.id}">
                  <td>${indicatorLabel(i.id, lang)}</td>
                  <td class="num">${fixed(i.max)}</td>
                  <td class="num">${percent(i.local.share)}</td>
                  <td class="num">${fixed(i.local.points)}</td>
                  <td class="num">${percent(i.national.share)}</td>
                  <td class="num">${fixed(i.national.points)}</td>
                  <td class="num">${signedPoints(i.national.points - i.local.points)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h4>${W.byCause}</h4>
        ${stakes(lang, 'cause', x.byCause)}
        <h4>${W.byAgency}</h4>
        ${stakes(lang, 'agency', x.byAgency)}
      </div>`;
    })}
  </div>`;
}

/** The section as the run page lists it (its heading in the page's language). */
export const INDEX_SECTION: RunSection = {
  heading: (L) => INDEX_WORDS[LANGS.find((l) => PAGE_LABELS[l] === L) ?? 'vi'].title,
  render: indexSection,
};
