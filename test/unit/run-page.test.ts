/** The run page is its sections in order, each a heading and a body; a section added to the list shows after the others. */
import { describe, expect, it } from 'vitest';
import { html } from '../../src/server/html.js';
import { PAGE_LABELS } from '../../src/server/labels.js';
import { INDEX_WORDS } from '../../src/report/index-labels.js';
import { RUN_SECTIONS, runPage, type RunSection } from '../../src/server/pages/run.js';
import { octoberRun } from '../helpers/fixtures.js';

const ctx = { lang: 'en' as const, defaultLang: 'en' as const, path: '/runs/r1' };
const headings = (page: string) => [...page.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);

describe('run page sections', () => {
  it('shows the sections in order, each under its heading', () => {
    const L = PAGE_LABELS.en;
    const index = INDEX_WORDS.en.title;
    expect(headings(runPage(ctx, octoberRun([])))).toEqual([
      L.summary,
      L.heatmap,
      L.findings,
      L.driftRules,
      index,
      L.mismatches,
      L.incidentChanges,
    ]);
    expect(RUN_SECTIONS.map((s) => s.heading(L))).toEqual([
      L.summary,
      L.heatmap,
      L.findings,
      L.driftRules,
      index,
      L.mismatches,
      L.incidentChanges,
    ]);
    expect(RUN_SECTIONS.map((s) => s.heading(PAGE_LABELS.vi))).toContain(INDEX_WORDS.vi.title); // in the page's language
  });

  it('renders a section added to the list after the others, with the run it is given', () => {
    const extra: RunSection = {
      heading: () => 'Extra <section>',
      render: (_ctx, r) => html`<div id="extra">${r.runId}</div>`,
    };
    const page = runPage(ctx, octoberRun([]), [...RUN_SECTIONS, extra]);
    expect(headings(page).at(-1)).toBe('Extra &lt;section&gt;');
    expect(page).toContain('<h2>Extra &lt;section&gt;</h2><div id="extra">r1</div>');
    expect(page.indexOf('id="extra"')).toBeGreaterThan(page.indexOf(PAGE_LABELS.en.incidentChanges));
  });
});
