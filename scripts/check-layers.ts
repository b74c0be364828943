/**
 * The layers of the code and which may import which (`LAYERS`, below: the one table that
 * docs/architecture.md, Layers, describes), and the check that holds the code to it.
 *
 * A module may import its own layer and every layer listed before its own that is not a side
 * layer; a side layer (the simulators) imports only what its `side.imports` names, and is
 * imported only by the layers that name it in `alsoImports`.
 *
 * The check fails when a module imports a layer it may not: a lower layer importing a higher one, anything but the CLI importing the simulators, the
 * simulators importing the reconciler. Type-only imports count: a type ties the layers as
 * much as a value does. A TypeScript file under a checked root that belongs to no layer is
 * an error too, so that a new folder is placed in the table before it is used.
 *
 * Run: `tsx scripts/check-layers.ts [root]` (root: the repository, default the working directory).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A layer of the table. */
export interface Layer {
  /** A folder of the repository; a file belongs to the layer of the longest folder that holds it. */
  dir: string;
  /** What lives there, for the report and the documentation. */
  holds: string;
  /** A side layer: imports exactly `imports`, and is imported only by layers naming it in `alsoImports`. */
  side?: { imports: string[] };
  /** Side layers this layer may import besides the ordinary layers below it. */
  alsoImports?: string[];
}

export const LAYERS: readonly Layer[] = [
  { dir: 'schemas', holds: 'zod shapes of the wire, the configuration, jobs and reports; imports nothing from src/' },
  {
    dir: 'src/util',
    holds:
      'errors, grouping, tuple keys, the first issue of a failed parse, logging, a private redis-server, a worker thread running TypeScript',
  },
  {
    dir: 'src/domain',
    holds: 'the vocabulary: periods, metrics, figures, code forms, time, (agency, procedure) keys, Normalised',
  },
  {
    dir: 'src/normalise',
    holds: 'dialect-independent normalisation: code and date fields, limits on items, units, personal data',
  },
  { dir: 'src/http', holds: 'the HTTP client with its rate limit and circuit breaker' },
  { dir: 'src/dialects', holds: 'the dvcqg envelope, fields and normaliser; the rest normaliser' },
  {
    dir: 'src/sim',
    holds: 'the simulators of the provinces and the portal, with their own counting oracle',
    side: { imports: ['schemas', 'src/util', 'src/domain', 'src/normalise', 'src/dialects'] },
  },
  { dir: 'src/config', holds: 'loading and checking the configuration file' },
  { dir: 'src/store', holds: 'Redis: connections, the dossier store, runs, incidents' },
  { dir: 'src/sources', holds: 'the source adapters: pulling a window page by page, quarantine, preview' },
  { dir: 'src/national', holds: 'the national portal client' },
  { dir: 'src/reconcile', holds: 'the counting rules, comparison, explanation, incidents' },
  { dir: 'src/report', holds: 'report labels and the account line, shared by messages, the dashboard and the CLI' },
  { dir: 'src/alerts', holds: 'alert planning, messages and channels' },
  { dir: 'src/queue', holds: 'the runtime, flows and job ids, running a night, replay, schedule, alert delivery' },
  { dir: 'jobs', holds: 'the job handlers and their registry' },
  { dir: 'src/server', holds: 'the dashboard, metrics and HTTP routes' },
  { dir: 'src/cli', holds: 'the command line', alsoImports: ['src/sim'] },
];

/** The folders whose files the check reads. */
export const CHECKED_ROOTS = ['schemas', 'src', 'jobs'];

export interface Violation {
  file: string;
  line: number;
  /** The import as written. */
  spec: string;
  message: string;
}

/** Every `.ts` file under `dir` (relative to `root`, with `/`), in name order. */
export function tsFiles(root: string, dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    const rel = `${dir}/${name}`;
    if (statSync(join(abs, name)).isDirectory()) out.push(...tsFiles(root, rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const STATIC = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/gm;
const BARE = /^[ \t]*import\s*(['"])([^'"]+)\1/gm;
const DYNAMIC = /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g;

/** The relative imports of a module's text, with their line numbers. */
export function importsOf(text: string): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) {
    for (const m of text.matchAll(re)) {
      const spec = m[2]!;
      if (!spec.startsWith('.')) continue;
      const at = m.index + m[0].lastIndexOf(spec);
      out.push({ spec, line: text.slice(0, at).split('\n').length });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** The layer a repository path belongs to: the longest layer folder holding it. */
export function layerOf(path: string, layers: readonly Layer[] = LAYERS): Layer | undefined {
  let best: Layer | undefined;
  for (const l of layers) {
    if ((path === l.dir || path.startsWith(`${l.dir}/`)) && (!best || l.dir.length > best.dir.length)) best = l;
  }
  return best;
}

/** Whether a module of layer `from` may import one of layer `to`. */
export function mayImport(from: Layer, to: Layer, layers: readonly Layer[] = LAYERS): boolean {
  if (from === to) return true;
  if (from.side) return from.side.imports.includes(to.dir);
  if (to.side) return from.alsoImports?.includes(to.dir) ?? false;
  return layers.indexOf(to) < layers.indexOf(from);
}

/** The repository path an import of `file` names, `.js` read as the `.ts` it is compiled from. */
function target(file: string, spec: string): string {
  const p = normalize(join(dirname(file), spec))
    .split(sep)
    .join('/');
  return p.endsWith('.js') ? `${p.slice(0, -3)}.ts` : p;
}

/** Every import that breaks the table, for the files under `roots` of the repository at `root`. */
export function checkLayers(
  root: string,
  layers: readonly Layer[] = LAYERS,
  roots: readonly string[] = CHECKED_ROOTS,
): Violation[] {
  const out: Violation[] = [];
  for (const file of roots.flatMap((r) => tsFiles(root, r))) {
    const from = layerOf(file, layers);
    if (!from) {
      out.push({
        file,
        line: 1,
        spec: '',
        message: `${file} is in no layer: add its folder to LAYERS (scripts/check-layers.ts)`,
      });
      continue;
    }
    for (const { spec, line } of importsOf(readFileSync(join(root, file), 'utf8'))) {
      const path = target(file, spec);
      const to = layerOf(path, layers);
      if (!to || mayImport(from, to, layers)) continue; // outside every layer: data files, package.json
      const why = from.side
        ? `${from.dir} imports only ${from.side.imports.join(', ')}`
        : to.side
          ? `only ${
              layers
                .filter((l) => l.alsoImports?.includes(to.dir))
                .map((l) => l.dir)
                .join(', ') || 'no layer'
            } may import ${to.dir}`
          : `${to.dir} is above ${from.dir}`;
      out.push({ file, line, spec, message: `${file}:${line} imports ${path} (${why})` });
    }
  }
  return out;
}

function main(): void {
  const root = process.argv[2] ?? process.cwd();
  const violations = checkLayers(root);
  for (const v of violations) console.error(v.message);
  if (violations.length) {
    console.error(
      `\n${violations.length} import(s) against LAYERS of scripts/check-layers.ts (see docs/architecture.md, Layers)`,
    );
    process.exit(1);
  }
  console.log(`layers: ${relative(process.cwd(), root) || '.'} ok`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
