/**
 * What an alert says, in one place: a title, sections of lines and the run's link, which each
 * channel then lays out (Slack blocks, Telegram text, e-mail text and HTML).
 */
import type { AlertIncident, AlertMessage, GroupAlert, SummaryAlert } from '../../schemas/alert.js';
import type { IncidentLine } from '../../schemas/incident.js';
import { LABELS, type Lang } from '../report/labels.js';
import type { Metric } from '../domain/figures.js';
import { provinceLabel } from '../normalise/units.js';
import { byResidual } from '../reconcile/incidents.js';
import { driftHeading, driftRuleLines } from '../report/drift.js';
import { INDEX_WORDS, stakeLine } from '../report/index-labels.js';

export interface Doc {
  lang: Lang;
  title: string;
  sections: { heading: string; lines: string[] }[];
  /** The run's page, or null. */
  url: string | null;
  runId: string;
}

type Event = AlertIncident['event'];
interface Words {
  heading: Record<Event, string>;
  /** In a title's counts: "2 opened". */
  event: Record<Event, string>;
  dossiers(n: number): string;
  stillOpen(n: number): string;
  dossiersFixed: string;
  residual(n: number): string;
  now: string;
  still: string;
  added: string;
  fixed: string;
  moved: string;
  unaccounted: string;
  procedure(code: string): string;
  more(n: number): string;
  run(runId: string): string;
  summary(runId: string, from: string, to: string): string;
  provinces: string;
  counts(p: SummaryAlert['provinces'][number]): string;
  failedJobs: string;
  onDashboard(runId: string): string;
  moreSections(n: number): string;
}

const WORDS: Record<Lang, Words> = {
  en: {
    heading: { opened: 'Opened', worsened: 'Worsened', resolved: 'Resolved', still_open: 'Still open' },
    event: { opened: 'opened', worsened: 'worsened', resolved: 'resolved', still_open: 'still open' },
    dossiers: (n) => `${n} dossier${n === 1 ? '' : 's'}`,
    stillOpen: (n) => `${n} incident${n === 1 ? '' : 's'} still open`,
    dossiersFixed: 'dossiers fixed',
    residual: (n) => `residual ${n}`,
    now: 'now',
    still: 'still',
    added: 'new',
    fixed: 'no longer differ',
    moved: 'figures moved',
    unaccounted: 'left unaccounted for (national − local)',
    procedure: (code) => `procedure ${code}`,
    more: (n) => `and ${n} more`,
    run: (runId) => `Run ${runId}`,
    summary: (runId, from, to) => `Reconciliation ${runId} for ${from} .. ${to}`,
    provinces: 'Provinces',
    counts: (p) =>
      `${p.mismatches} mismatches, ${p.findings} dossiers, incidents ${p.opened} opened, ${p.worsened} worsened, ${p.resolved} resolved`,
    failedJobs: 'jobs failed for good',
    onDashboard: (runId) => `Run ${runId} on the dashboard`,
    moreSections: (n) => `${n} more sections: see the run's page`,
  },
  vi: {
    heading: { opened: 'Mở mới', worsened: 'Nặng thêm', resolved: 'Đã khắc phục', still_open: 'Vẫn mở' },
    event: { opened: 'mở mới', worsened: 'nặng thêm', resolved: 'đã khắc phục', still_open: 'vẫn mở' },
    dossiers: (n) => `${n} hồ sơ`,
    stillOpen: (n) => `${n} sự cố vẫn mở`,
    dossiersFixed: 'có hồ sơ đã hết lệch',
    residual: (n) => `chênh lệch chưa giải thích ${n}`,
    now: 'nay',
    still: 'còn',
    added: 'mới lệch',
    fixed: 'đã hết lệch',
    moved: 'chỉ tiêu bị ảnh hưởng',
    unaccounted: 'chưa giải thích được (quốc gia − tính từ kho)',
    procedure: (code) => `thủ tục ${code}`,
    more: (n) => `và ${n} mục khác`,
    run: (runId) => `Lượt đối soát ${runId}`,
    summary: (runId, from, to) => `Lượt đối soát ${runId}, kỳ ${from} .. ${to}`,
    provinces: 'Các tỉnh',
    counts: (p) =>
      `${p.mismatches} sai lệch số liệu, ${p.findings} hồ sơ sai lệch, sự cố: ${p.opened} mở mới, ${p.worsened} nặng thêm, ${p.resolved} đã khắc phục`,
    failedJobs: 'công việc lỗi hẳn',
    onDashboard: (runId) => `Xem lượt đối soát ${runId} trên bảng điều khiển`,
    moreSections: (n) => `còn ${n} phần nữa: xem trang lượt đối soát`,
  },
};

function named(c: { count: number; first: string[] }, W: Words): string {
  return c.count > c.first.length ? `${c.first.join(', ')} ${W.more(c.count - c.first.length)}` : c.first.join(', ');
}

function figure(l: IncidentLine, lang: Lang): string {
  const metric = LABELS[lang].metric[l.metric as Metric] ?? l.metric;
  const where = l.procedure ? ` (${WORDS[lang].procedure(l.procedure)})` : '';
  return l.residual === undefined ? `${metric}${where}` : `${metric}${where} ${l.residual > 0 ? '+' : ''}${l.residual}`;
}

function figures(i: AlertIncident, lang: Lang): string {
  const W = WORDS[lang];
  const list = i.lines.first.map((l) => figure(l, lang)).join(', ');
  const more = i.lines.count > i.lines.first.length ? ` ${W.more(i.lines.count - i.lines.first.length)}` : '';
  return i.lines.count ? `${byResidual(i.cause) ? W.unaccounted : W.moved}: ${list}${more}` : '';
}

function incidentLine(i: AlertIncident, withProvince: boolean, lang: Lang): string {
  const W = WORDS[lang];
  const what = `${withProvince ? `${provinceLabel(i.province)} · ` : ''}${i.agency} — ${LABELS[lang].kind[i.cause]}`;
  const size = byResidual(i.cause) ? W.residual(i.residual) : W.dossiers(i.dossiers);
  const added = i.added.count ? `${W.added}: ${named(i.added, W)}` : '';
  const fixed = i.fixed.count ? `${W.fixed}: ${named(i.fixed, W)}` : '';
  const parts = (() => {
    switch (i.event) {
      case 'opened':
        return [byResidual(i.cause) ? size : `${size}: ${named(i.added, W)}`, figures(i, lang)];
      case 'worsened':
        return [`${W.now} ${size}`, added, fixed, figures(i, lang)];
      case 'resolved':
        return [fixed || W.fixed];
      case 'still_open':
        return [fixed, added, `${W.still} ${size}`, figures(i, lang)];
    }
  })();
  return `${what}: ${parts.filter(Boolean).join('; ')}`;
}

function groupDoc(a: GroupAlert, lang: Lang): Doc {
  const W = WORDS[lang];
  const where = `${a.group.province ? provinceLabel(a.group.province) : W.run(a.runId)}, ${a.period.from} .. ${a.period.to}`;
  const counts = (['opened', 'worsened', 'resolved'] as const)
    .map((e) => [e, a.incidents.filter((i) => i.event === e).length] as const)
    .filter(([, n]) => n > 0)
    .map(([e, n]) => `${n} ${W.event[e]}`);
  const title = `${where}: ${a.repeat ? W.stillOpen(a.incidents.length) : (counts.length ? counts : [W.dossiersFixed]).join(', ')}`;
  const sections = (['opened', 'worsened', 'resolved', 'still_open'] as const).flatMap((e) => {
    const list = a.incidents.filter((i) => i.event === e);
    return list.length
      ? [
          {
            heading: `${W.heading[e]} (${list.length})`,
            lines: list.map((i) => incidentLine(i, a.group.province === null, lang)),
          },
        ]
      : [];
  });
  return { lang, title, sections, url: a.url, runId: a.runId };
}

function summaryDoc(a: SummaryAlert, lang: Lang): Doc {
  const W = WORDS[lang];
  const coverage = LABELS[lang].coverage as Record<string, string>;
  const failed = (p: SummaryAlert['provinces'][number]) =>
    p.failedJobs.length
      ? `; ${W.failedJobs}: ${p.failedJobs.map((j) => `${j.job} ${j.id} (${j.reason})`).join('; ')}`
      : '';
  const lines = a.provinces.map(
    (p) =>
      `${provinceLabel(p.province)}: ${coverage[p.coverage] ?? p.coverage}${p.why ? ` (${p.why})` : ''}, ${W.counts(p)}${failed(p)}`,
  );
  // the counting rules the portal follows: one configuration to change, not dossiers to chase
  const rules = a.provinces.flatMap((p) => driftRuleLines(p, lang).map((l) => `${provinceLabel(p.province)}: ${l}`));
  const sections = [
    { heading: W.provinces, lines },
    ...(rules.length ? [{ heading: driftHeading(lang), lines: rules }] : []),
    ...indexSections(a, lang),
  ];
  return { lang, title: W.summary(a.runId, a.period.from, a.period.to), sections, url: a.url ?? null, runId: a.runId };
}

/** The service index of each province (an estimate): its points on both sides, then the causes with most points at stake. */
function indexSections(a: SummaryAlert, lang: Lang): Doc['sections'] {
  const I = INDEX_WORDS[lang];
  const lines = a.provinces.flatMap((p) =>
    p.index
      ? [
          `${provinceLabel(p.province)}: ${I.standing(p.index.total)}`,
          ...p.index.byCause.map((s) => `${provinceLabel(p.province)} · ${stakeLine(s, lang)}`),
        ]
      : [],
  );
  return lines.length ? [{ heading: I.byCause, lines }] : [];
}

/** What the alert says, in the team's language (`alerts.lang`). */
export function docOf(a: AlertMessage, lang: Lang): Doc {
  return a.type === 'group' ? groupDoc(a, lang) : summaryDoc(a, lang);
}

const linkLine = (d: Doc) => (d.url ? `${WORDS[d.lang].run(d.runId)}: ${d.url}` : WORDS[d.lang].run(d.runId));

/** Plain text: the title, each section's heading and bulleted lines, the link. */
export function textOf(d: Doc): string {
  return [d.title, ...d.sections.map((s) => [s.heading, ...s.lines.map((l) => `• ${l}`)].join('\n')), linkLine(d)].join(
    '\n\n',
  );
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function htmlOf(d: Doc): string {
  const sections = d.sections.map(
    (s) => `<h3>${escapeHtml(s.heading)}</h3>\n<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
  );
  const run = escapeHtml(WORDS[d.lang].run(d.runId));
  const link = d.url ? `<p><a href="${escapeHtml(d.url)}">${run}</a></p>` : `<p>${run}</p>`;
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
  const W = WORDS[d.lang];
  const kept =
    sections.length > room
      ? [...sections.slice(0, room - 1), `_${W.moreSections(sections.length - room + 1)}_`]
      : sections;
  const link = d.url ? `<${d.url}|${escapeMrkdwn(W.onDashboard(d.runId))}>` : escapeMrkdwn(W.run(d.runId));
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
    for (let rest = line; ;) {
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
