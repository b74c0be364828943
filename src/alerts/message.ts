/**
 * What an alert says, in one place: a title, sections of lines and the run's link, which each
 * channel then lays out (Slack blocks, Telegram text, e-mail text and HTML).
 */
import type { AlertIncident, AlertMessage, GroupAlert, SummaryAlert } from '../../schemas/alert.js';
import type { IncidentLine } from '../../schemas/incident.js';
import { LABELS } from '../cli/labels.js';
import type { Metric } from '../reconcile/counting.js';
import { provinceLabel } from '../normalise/units.js';

export interface Doc {
  title: string;
  sections: { heading: string; lines: string[] }[];
  /** The run's page, or null. */
  url: string | null;
  runId: string;
}

const L = LABELS.en;
const HEADINGS = { opened: 'Opened', worsened: 'Worsened', resolved: 'Resolved', still_open: 'Still open' } as const;

const named = (c: { count: number; first: string[] }) => (c.count > c.first.length ? `${c.first.join(', ')} and ${c.count - c.first.length} more` : c.first.join(', '));
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function figure(l: IncidentLine): string {
  const metric = L.metric[l.metric as Metric] ?? l.metric;
  const where = l.procedure ? ` (procedure ${l.procedure})` : '';
  return l.residual === undefined ? `${metric}${where}` : `${metric}${where} ${l.residual > 0 ? '+' : ''}${l.residual}`;
}

function figures(i: AlertIncident): string {
  const list = i.lines.first.map(figure).join(', ');
  const more = i.lines.count > i.lines.first.length ? ` and ${i.lines.count - i.lines.first.length} more` : '';
  return i.lines.count ? `${i.cause === 'unexplained' ? 'left unaccounted for (national − local)' : 'figures moved'}: ${list}${more}` : '';
}

function incidentLine(i: AlertIncident, withProvince: boolean): string {
  const what = `${withProvince ? `${provinceLabel(i.province)} · ` : ''}${i.agency} — ${L.kind[i.cause]}`;
  const size = i.cause === 'unexplained' ? `residual ${i.residual}` : plural(i.dossiers, 'dossier');
  const parts = (() => {
    switch (i.event) {
      case 'opened':
        return [i.cause === 'unexplained' ? size : `${size}: ${named(i.added)}`, figures(i)];
      case 'worsened':
        return [`now ${size}`, i.added.count ? `new: ${named(i.added)}` : '', i.fixed.count ? `no longer differ: ${named(i.fixed)}` : '', figures(i)];
      case 'resolved':
        return [i.fixed.count ? `no longer differ: ${named(i.fixed)}` : 'no longer differs'];
      case 'still_open':
        return [i.fixed.count ? `no longer differ: ${named(i.fixed)}` : '', i.added.count ? `new: ${named(i.added)}` : '', `still ${size}`, figures(i)];
    }
  })();
  return `${what}: ${parts.filter(Boolean).join('; ')}`;
}

function groupDoc(a: GroupAlert): Doc {
  const where = a.group.province ? provinceLabel(a.group.province) : `Run ${a.runId}`;
  const counts = (['opened', 'worsened', 'resolved'] as const)
    .map((e) => [e, a.incidents.filter((i) => i.event === e).length] as const)
    .filter(([, n]) => n > 0)
    .map(([e, n]) => `${n} ${e}`);
  const title = a.repeat
    ? `${where}, ${a.period.from} .. ${a.period.to}: ${plural(a.incidents.length, 'incident')} still open`
    : `${where}, ${a.period.from} .. ${a.period.to}: ${[...counts, ...(counts.length ? [] : ['dossiers fixed'])].join(', ')}`;
  const sections = (['opened', 'worsened', 'resolved', 'still_open'] as const).flatMap((e) => {
    const list = a.incidents.filter((i) => i.event === e);
    return list.length ? [{ heading: `${HEADINGS[e]} (${list.length})`, lines: list.map((i) => incidentLine(i, a.group.province === null)) }] : [];
  });
  return { title, sections, url: a.url, runId: a.runId };
}

function summaryDoc(a: SummaryAlert): Doc {
  const lines = a.provinces.map(
    (p) =>
      `${provinceLabel(p.province)}: ${p.coverage}${p.why ? ` (${p.why})` : ''}, ${p.mismatches} mismatches, ${p.findings} dossiers, ` +
      `incidents ${p.opened} opened, ${p.worsened} worsened, ${p.resolved} resolved`,
  );
  return { title: `Reconciliation ${a.runId} for ${a.period.from} .. ${a.period.to}`, sections: [{ heading: 'Provinces', lines }], url: a.url ?? null, runId: a.runId };
}

export function docOf(a: AlertMessage): Doc {
  return a.type === 'group' ? groupDoc(a) : summaryDoc(a);
}

const linkLine = (d: Doc) => (d.url ? `Run ${d.runId}: ${d.url}` : `Run ${d.runId}`);

/** Plain text: the title, each section's heading and bulleted lines, the link. */
export function textOf(d: Doc): string {
  return [d.title, ...d.sections.map((s) => [s.heading, ...s.lines.map((l) => `• ${l}`)].join('\n')), linkLine(d)].join('\n\n');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function htmlOf(d: Doc): string {
  const sections = d.sections.map((s) => `<h3>${escapeHtml(s.heading)}</h3>\n<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  const link = d.url ? `<p><a href="${escapeHtml(d.url)}">Run ${escapeHtml(d.runId)}</a></p>` : `<p>Run ${escapeHtml(d.runId)}</p>`;
  return `<!doctype html><html><body>\n<h2>${escapeHtml(d.title)}</h2>\n${sections.join('\n')}\n${link}\n</body></html>`;
}

/** Slack's limits: blocks per message, characters in a section's text and in a header. */
export const SLACK = { blocks: 50, sectionChars: 3000, headerChars: 150 } as const;

const escapeMrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * Block Kit: a header, one section per group of lines (each within Slack's size), the link
 * as context. Past Slack's block limit the rest is counted and left to the run's page.
 */
export function slackOf(d: Doc): { text: string; blocks: unknown[] } {
  const sections: string[] = [];
  for (const s of d.sections) {
    let text = `*${escapeMrkdwn(s.heading)}*`;
    for (const line of s.lines.map((l) => cut(`• ${escapeMrkdwn(l)}`, SLACK.sectionChars - 1))) {
      if (text.length + 1 + line.length > SLACK.sectionChars) {
        sections.push(text);
        text = line;
      } else text += `\n${line}`;
    }
    sections.push(text);
  }
  const room = SLACK.blocks - 2; // the header and the link
  const kept = sections.length > room ? [...sections.slice(0, room - 1), `_${sections.length - room + 1} more sections: see the run's page_`] : sections;
  const link = d.url ? `<${d.url}|Run ${escapeMrkdwn(d.runId)} on the dashboard>` : `Run ${escapeMrkdwn(d.runId)}`;
  return {
    text: d.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: cut(d.title, SLACK.headerChars) } },
      ...kept.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: link }] },
    ],
  };
}

/**
 * Text in parts of at most `max` characters, cut at line ends where it can be (a longer
 * line is cut where it must).
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let part = '';
  for (const line of text.split('\n')) {
    for (let rest = line; ; ) {
      const sep = part ? '\n' : '';
      if (part.length + sep.length + rest.length <= max) {
        part += sep + rest;
        break;
      }
      if (part) {
        parts.push(part);
        part = '';
        continue;
      }
      parts.push(rest.slice(0, max));
      rest = rest.slice(max);
      if (!rest) break;
    }
  }
  if (part) parts.push(part);
  return parts;
}
