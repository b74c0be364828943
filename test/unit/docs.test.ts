/**
 * The project's documents are its own: no file cites documents outside the repository, and
 * every citation of a document under docs/ names a file there and, when it names a section,
 * a heading of that file. A citation is `docs/<file>.md, <Heading>` (the heading's case does
 * not matter; `§` or the word "section" may come before it, quotes around it), possibly
 * wrapped onto the next comment line.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
/** Where citations of outside documents are not allowed (the README too). */
const CODE_DIRS = ['src', 'schemas', 'jobs', 'test', 'bench', 'bin', 'scripts'];
const TEXT = /\.(?:ts|js|mjs|cjs|md|json|ya?ml|sh)$/;
const SKIP = new Set(['node_modules', 'profiles', '.git']);

/** The outside documents the code once cited, by name. */
const OUTSIDE = /\b(?:DOMAIN|CONTRACTS|DESIGN)\.md\b/;
/** A path of a document under docs/. */
const DOC_PATH = /\bdocs\/([A-Za-z0-9_.-]+?)\.md\b/g;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (TEXT.test(name)) out.push(path);
  }
  return out;
}

const normal = (s: string) => s.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

/** The headings of a Markdown text (outside code fences), normalised (see `normal`). */
export function headingsOf(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) out.push(normal(m[1]!));
  }
  return out;
}

/** A GitHub-style anchor of a heading (`#root-causes`). */
const anchorOf = (heading: string) =>
  heading
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

/** A comment line's text without its leader (` * `, `// `). */
const withoutLeader = (line: string) => line.replace(/^\s*(?:\/\*\*?|\*(?!\/)|\/\/+)?\s*/, '');

export interface Citation {
  line: number;
  file: string;
  /** What follows `, ` / `§` / `section` / `#` after the path (with the next lines when it ends the line), or null. */
  section: string | null;
  anchor: boolean;
}

/** The citations of documents under docs/ in a text. */
export function citationsIn(text: string): Citation[] {
  const lines = text.split(/\r?\n/);
  const out: Citation[] = [];
  lines.forEach((line, i) => {
    for (const m of line.matchAll(DOC_PATH)) {
      let rest = line.slice(m.index + m[0].length);
      const anchor = /^#[\p{L}\p{N}-]+/u.exec(rest);
      if (anchor) {
        out.push({ line: i + 1, file: m[1]!, section: anchor[0].slice(1), anchor: true });
        continue;
      }
      const intro = /^\s*(?:,\s*(?:§\s*|section\s+)?|§\s*|section\s+|\(\s*(?=["“'`])|(?<=\s)(?=["“]))/i.exec(rest);
      if (!intro) {
        out.push({ line: i + 1, file: m[1]!, section: null, anchor: false });
        continue;
      }
      rest = rest.slice(intro[0].length);
      // a citation wrapped onto the next lines of the comment
      for (let k = i + 1; rest.trim().length < 80 && k < lines.length && k <= i + 2; k++)
        rest += ` ${withoutLeader(lines[k]!)}`;
      rest = rest.replace(/^["“'`]+/, '');
      // a list of document paths, not a section
      const section = rest.trim() === '' || /^(?:\[|docs\/|`docs\/)/.test(rest.trim()) ? null : rest;
      out.push({ line: i + 1, file: m[1]!, section, anchor: false });
    }
  });
  return out;
}

/** What is wrong with a citation, given the documents' headings by file name; null when it holds. */
export function problemOf(c: Citation, docs: ReadonlyMap<string, readonly string[]>): string | null {
  const headings = docs.get(c.file);
  if (!headings)
    return `docs/${c.file}.md does not exist (docs/ holds ${[...docs.keys()].map((f) => `${f}.md`).join(', ')})`;
  if (c.section === null) return null;
  if (c.anchor)
    return headings.some((h) => anchorOf(h) === c.section!.toLowerCase())
      ? null
      : `no heading of docs/${c.file}.md has the anchor #${c.section}`;
  // "the" before a heading is optional on either side: "the counting rules" cites "Counting rules"
  const bare = (s: string) => s.replace(/^the /, '');
  const cited = bare(normal(c.section));
  const found = headings.map(bare).some((h) => cited.startsWith(h) && !/[\p{L}\p{N}]/u.test(cited.charAt(h.length)));
  return found
    ? null
    : `docs/${c.file}.md has no heading "${c.section.trim().slice(0, 60)}"; its headings: ${headings.join(' | ')}`;
}

function docsOnDisk(): Map<string, string[]> {
  const docs = new Map<string, string[]>();
  for (const name of existsSync(DOCS) ? readdirSync(DOCS) : []) {
    if (name.endsWith('.md')) docs.set(name.slice(0, -3), headingsOf(readFileSync(join(DOCS, name), 'utf8')));
  }
  return docs;
}

const codeFiles = () => [...CODE_DIRS.flatMap((d) => filesUnder(join(ROOT, d))), join(ROOT, 'README.md')];

describe('the project cites its own documents', () => {
  it('has the domain and contracts documents, with the sections code comments cite', () => {
    const docs = docsOnDisk();
    expect(docs.get('domain')).toEqual(
      expect.arrayContaining(['codes', 'statuses', 'counting rules', 'boundary cases', 'root causes', 'residuals']),
    );
    expect(docs.get('contracts')).toEqual(
      expect.arrayContaining([
        'the session envelope',
        'the dvcqg dialect',
        'the rest dialect',
        'the national feed',
        'dongbohosomc',
        'the json report',
      ]),
    );
  });

  it('no file under src/, schemas/, jobs/, test/, bench/ nor the README cites a document outside the repository', () => {
    const offending: string[] = [];
    for (const file of codeFiles()) {
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .forEach((line, i) => {
          if (OUTSIDE.test(line)) offending.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });

  it('every citation of docs/ names a document there and one of its headings', () => {
    const docs = docsOnDisk();
    const files = [...codeFiles(), ...filesUnder(DOCS)];
    const problems: string[] = [];
    let cited = 0;
    for (const file of files) {
      for (const c of citationsIn(readFileSync(file, 'utf8'))) {
        if (c.section !== null) cited++;
        const problem = problemOf(c, docs);
        if (problem) problems.push(`${relative(ROOT, file)}:${c.line}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(cited).toBeGreaterThan(20); // the check found the comments' citations
  });
  it('names only files of the repository in docs/', () => {
    const missing: string[] = [];
    for (const file of filesUnder(DOCS)) {
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .forEach((line, i) => {
          for (const m of line.matchAll(/`((?:src|schemas|jobs|test|bench|scripts|bin|data|examples)\/[^`\s]*)`/g)) {
            if (m[1]!.includes('<')) continue; // a pattern such as `jobs/<name>.ts`
            if (!existsSync(join(ROOT, m[1]!))) missing.push(`${relative(ROOT, file)}:${i + 1}: ${m[1]}`);
          }
        });
    }
    expect(missing).toEqual([]);
  });
});

describe('the citation check itself', () => {
  const doc = (f: string) => `docs/${f}.md`; // built, so that this file's examples are not citations
  const docs = new Map([
    [
      'domain',
      headingsOf(
        '# The domain\n\n## Root causes\n\n### How each root cause is recognised\n\n```\n## Not a heading\n```\n',
      ),
    ],
  ]);
  const check = (text: string) => citationsIn(text).map((c) => problemOf(c, docs));

  it('reads headings outside code fences, in any case', () => {
    expect(docs.get('domain')).toEqual(['the domain', 'root causes', 'how each root cause is recognised']);
  });

  it('accepts a heading in any case, after a comma, "§" or "section", quoted or not', () => {
    for (const form of [
      ', Root causes)',
      ', root causes.',
      ' § Root causes',
      ', §Root causes',
      ', section "Root causes"',
      ' section ROOT CAUSES',
      ', `Root causes`',
      ' ("Root causes") describes',
      ' "Root causes"',
    ])
      expect(check(` * (${doc('domain')}${form}`)).toEqual([null]);
  });

  it('takes "the" before a heading as optional', () => {
    expect(check(` * (${doc('domain')}, the root causes)`)).toEqual([null]);
    expect(check(` * (${doc('domain')}, Domain)`)).toEqual([null]);
  });

  it('accepts a citation wrapped onto the next comment line, and a path alone', () => {
    expect(check(` * the rules (${doc('domain')},\n * How each root cause is recognised): more`)).toEqual([null]);
    expect(check(`see ${doc('domain')} for more`)).toEqual([null]);
    expect(check(`${doc('domain')}, ${doc('domain')}`)).toEqual([null, null]);
  });

  it('refuses a heading that does not exist, a document that does not exist, and a heading cut short', () => {
    expect(check(` * (${doc('domain')}, Root cause)`)[0]).toMatch(/has no heading "Root cause\)"/);
    expect(check(` * (${doc('domain')}, Why the two sides disagree)`)[0]).toMatch(
      /its headings: the domain \| root causes/,
    );
    expect(check(` * (${doc('design')}, Layers)`)[0]).toMatch(/docs\/design\.md does not exist/);
    expect(check(` * (${doc('domain')}, Root causesx)`)[0]).not.toBeNull();
  });

  it('checks anchors of Markdown links', () => {
    expect(check(`[root causes](${doc('domain')}#root-causes)`)).toEqual([null]);
    expect(check(`[root causes](${doc('domain')}#root-cause)`)[0]).toMatch(/anchor #root-cause/);
  });

  it("finds the outside documents by name, not the project's own", () => {
    expect(OUTSIDE.test(`see ${['DOM', 'AIN'].join('')}.md, Codes`)).toBe(true);
    expect(OUTSIDE.test(`see shared/${['DES', 'IGN'].join('')}.md`)).toBe(true);
    expect(OUTSIDE.test(`see ${doc('domain')}, Codes`)).toBe(false);
  });
});
