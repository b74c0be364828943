/**
 * Reports the files over MAX_FILE_LINES lines under src/, jobs/ and schemas/, and the
 * functions over MAX_FUNCTION_LINES lines (declarations, methods and arrow functions with a
 * block body, counted from their head to their closing brace, nested functions included).
 * Declarative tables named in ALLOWED are let through, each with why.
 *
 * The scan reads the text with its comments, strings, template text and regular expressions
 * blanked out (lines kept), then matches braces: no compiler is needed, and TypeScript's own
 * API is not part of the TS 7 package.
 *
 * Run: `tsx scripts/check-size.ts [--report] [root]`; it fails on a finding unless `--report`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsFiles } from './check-layers.js';

export const MAX_FILE_LINES = 450;
export const MAX_FUNCTION_LINES = 80;
export const SIZE_ROOTS = ['src', 'jobs', 'schemas'];

/** Files or functions (`file#function`) let through, and why: declarative tables, not logic. */
export const ALLOWED: Readonly<Record<string, string>> = {};

export interface SizeFinding {
  file: string;
  /** The function's name (`(anonymous)` when it has none); absent for a whole file. */
  fn?: string;
  line: number;
  lines: number;
  message: string;
}

const REGEX_BEFORE = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const REGEX_AFTER_WORD = /\b(?:return|typeof|case|in|of|new|delete|void|throw|else|do|yield|await)$/;

/**
 * The text with every comment, string, template text and regular expression replaced by
 * spaces (newlines kept), so that braces and parentheses left are code.
 */
export function blankLiterals(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const templates: number[] = []; // brace depth at which each open template's `${` started
  let depth = 0;
  let i = 0;
  const template = (start: number): number => {
    // from just after a backtick or a `}` closing a substitution: to the closing backtick or the next `${`
    let j = start;
    while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{'))
      j += text[j] === '\\' ? 2 : 1;
    blank(start, j);
    if (text[j] === '$') {
      templates.push(depth);
      depth++;
      return j + 2;
    }
    return j + 1;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      blank(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(i, end < 0 ? text.length : end + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
    } else if (c === '`') {
      i = template(i + 1);
    } else if (c === '/' && isRegexStart(text, i)) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n' && (inClass || text[j] !== '/')) {
        if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j += text[j] === '\\' ? 2 : 1;
      }
      blank(i + 1, j);
      i = j + 1;
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      if (templates.length && templates.at(-1) === depth) {
        templates.pop();
        i = template(i + 1);
      } else i++;
    } else i++;
  }
  return out.join('');
}

function isRegexStart(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && /\s/.test(text[k]!)) k--;
  if (k < 0) return true;
  const prev = text[k]!;
  if (REGEX_BEFORE.has(prev)) return !(prev === '+' && text[k - 1] === '+') && !(prev === '-' && text[k - 1] === '-');
  return REGEX_AFTER_WORD.test(text.slice(Math.max(0, k - 10), k + 1));
}

/** The index of the bracket closing the one at `open`, in blanked text; -1 if none. */
function closing(code: string, open: number): number {
  const o = code[open]!;
  const c = o === '(' ? ')' : o === '{' ? '}' : ']';
  let d = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === o) d++;
    else if (code[k] === c && --d === 0) return k;
  }
  return -1;
}

/** The index of the bracket opening the one at `close`, in blanked text; -1 if none. */
function opening(code: string, close: number): number {
  const c = code[close]!;
  const o = c === ')' ? '(' : c === '}' ? '{' : '[';
  let d = 0;
  for (let k = close; k >= 0; k--) {
    if (code[k] === c) d++;
    else if (code[k] === o && --d === 0) return k;
  }
  return -1;
}

/** After a parameter list's `)`: the body's `{` (past a return type), or -1 when none follows. */
function bodyAfter(code: string, close: number): number {
  let k = close + 1;
  while (/\s/.test(code[k] ?? '')) k++;
  if (code[k] === '{') return k;
  if (code[k] !== ':') return -1;
  let angle = 0;
  for (k++; k < code.length; k++) {
    const ch = code[k]!;
    if (ch === '<') angle++;
    else if (ch === '>' && code[k - 1] !== '=') angle--;
    else if (ch === '(' || ch === '[') k = closing(code, k);
    else if (ch === '{' && angle === 0) {
      // an object return type is followed by the body; a body is followed by code
      const end = closing(code, k);
      let n = end + 1;
      while (/\s/.test(code[n] ?? '')) n++;
      return code[n] === '{' ? n : k;
    } else if (ch === ';' || ch === '=' || ch === ',' || ch === ')' || k < 0) return -1;
    if (k < 0) return -1;
  }
  return -1;
}

const KEYWORDS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'with',
  'return',
  'function',
  'await',
  'typeof',
  'new',
  'else',
  'do',
  'super',
  'import',
]);
const HEAD =
  /(?:\bfunction\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*(?:<[^>()]*>)?\s*\()|(?:^[ \t]*(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^>()]*>)?\s*\()|(=>)/gm;

export interface FunctionSpan {
  name: string;
  /** 1-based lines of its head and its closing brace. */
  start: number;
  end: number;
}

/** Every function with a block body in a module's text. */
export function functionsOf(text: string): FunctionSpan[] {
  const code = blankLiterals(text);
  const lineAt = (i: number) => code.slice(0, i).split('\n').length;
  const out: FunctionSpan[] = [];
  for (const m of code.matchAll(HEAD)) {
    let body: number;
    let head: number;
    let name: string;
    if (m[3]) {
      body = m.index + 2;
      while (/\s/.test(code[body] ?? '')) body++;
      if (code[body] !== '{') continue;
      let k = m.index - 1;
      while (k >= 0 && /\s/.test(code[k]!)) k--;
      if (code[k] === ')')
        k = opening(code, k); // (params) =>, maybe after a return type: not followed
      else while (k > 0 && /[\w$]/.test(code[k - 1]!)) k--; // x =>
      head = k;
      const before = code.slice(Math.max(0, k - 80), k);
      name =
        /([A-Za-z_$][\w$]*)\s*(?::[^=(){};\n]*)?=\s*(?:async\s*)?$/.exec(before)?.[1] ??
        /([A-Za-z_$][\w$]*)\s*:\s*(?:async\s*)?$/.exec(before)?.[1] ??
        '(anonymous)';
    } else {
      name = m[1] ?? m[2] ?? '(anonymous)';
      if (m[2] && KEYWORDS.has(m[2])) continue;
      const open = m.index + m[0].length - 1;
      const close = closing(code, open);
      if (close < 0) continue;
      body = bodyAfter(code, close);
      if (body < 0) continue;
      head = m.index + (m[0].length - m[0].trimStart().length);
    }
    const end = closing(code, body);
    if (end < 0) continue;
    out.push({ name, start: lineAt(head), end: lineAt(end) });
  }
  return out;
}

/** The files and functions over the limits under `roots` of the repository at `root`. */
export function checkSize(
  root: string,
  roots: readonly string[] = SIZE_ROOTS,
  allowed: Readonly<Record<string, string>> = ALLOWED,
): SizeFinding[] {
  const out: SizeFinding[] = [];
  for (const file of roots.flatMap((r) => tsFiles(root, r))) {
    const text = readFileSync(join(root, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES && !(file in allowed))
      out.push({ file, line: 1, lines, message: `${file}: ${lines} lines (at most ${MAX_FILE_LINES})` });
    for (const f of functionsOf(text)) {
      const n = f.end - f.start + 1;
      if (n > MAX_FUNCTION_LINES && !(`${file}#${f.name}` in allowed))
        out.push({
          file,
          fn: f.name,
          line: f.start,
          lines: n,
          message: `${file}:${f.start} ${f.name}: ${n} lines (at most ${MAX_FUNCTION_LINES})`,
        });
    }
  }
  return out;
}

function main(): void {
  const args = process.argv.slice(2);
  const report = args.includes('--report');
  const root = args.find((a) => !a.startsWith('--')) ?? process.cwd();
  const findings = checkSize(root);
  for (const f of findings) console.log(f.message);
  console.log(
    findings.length
      ? `\n${findings.length} over the limits (files ${MAX_FILE_LINES} lines, functions ${MAX_FUNCTION_LINES})`
      : 'size: ok',
  );
  if (findings.length && !report) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
