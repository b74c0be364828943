import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, importsOf, LAYERS, layerOf } from '../../scripts/check-layers.js';
import { checkSize, functionsOf, MAX_FILE_LINES, MAX_FUNCTION_LINES } from '../../scripts/check-size.js';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A repository of the given files (path → text) in a fresh temporary folder. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the layer check', () => {
  it('passes imports that point down, within a layer, and to files outside every layer', () => {
    const root = tree({
      'schemas/a.ts': `import { z } from 'zod';\nimport data from '../data/units.json' with { type: 'json' };\nexport const a = z.string();\n`,
      'src/domain/period.ts': `import { a } from '../../schemas/a.js';\nexport const p = a;\n`,
      'src/store/store.ts': `import { p } from '../domain/period.js';\nimport type { X } from './keys.js';\n`,
      'src/store/keys.ts': `export type X = string;\n`,
      'jobs/nightly.ts': `import { p } from '../src/domain/period.js';\nimport { Store } from '../src/store/store.js';\n`,
      'src/cli/demo.ts': `import { world } from '../sim/world.js';\nimport { nightly } from '../../jobs/nightly.js';\n`,
      'src/sim/world.ts': `import { p } from '../domain/period.js';\nexport const world = p;\n`,
    });
    expect(checkLayers(root)).toEqual([]);
  });

  it('catches a lower layer importing a higher one, type-only and multi-line imports included', () => {
    const root = tree({
      'schemas/config.ts': `import { AGENCY_CODE } from '../src/domain/codes.js';\n`,
      'src/domain/codes.ts': `export const AGENCY_CODE = /x/;\n`,
      'src/store/store.ts': `import type {\n  Runtime,\n} from '../queue/runtime.js';\n`,
      'src/queue/runtime.ts': `const jobs = await import('../../jobs/registry.js');\n`,
      'jobs/registry.ts': `export const JOBS = [];\n`,
    });
    const found = checkLayers(root).map((v) => `${v.file}:${v.line} ${v.spec}`);
    expect(found).toEqual([
      'schemas/config.ts:1 ../src/domain/codes.js',
      'src/queue/runtime.ts:1 ../../jobs/registry.js',
      'src/store/store.ts:3 ../queue/runtime.js',
    ]);
    expect(checkLayers(root)[0]!.message).toContain('src/domain is above schemas');
  });

  it('keeps the simulators apart: they never import the reconciler, and only the CLI imports them', () => {
    const root = tree({
      'src/sim/oracle.ts': `import { metricsOf } from '../reconcile/counting.js';\n`,
      'src/reconcile/counting.ts': `export const metricsOf = 1;\n`,
      'src/server/index.ts': `import { world } from '../sim/world.js';\n`,
      'src/sim/world.ts': `export const world = 1;\n`,
    });
    const found = checkLayers(root).map((v) => v.message);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^src\/server\/index\.ts:1 imports src\/sim\/world\.ts \(only src\/cli may import src\/sim\)/,
    );
    expect(found[1]).toMatch(/^src\/sim\/oracle\.ts:1 imports src\/reconcile\/counting\.ts \(src\/sim imports only /);
  });

  it('names a file in no layer', () => {
    const root = tree({ 'src/newthing/x.ts': `export const x = 1;\n` });
    expect(checkLayers(root).map((v) => v.message)).toEqual([
      'src/newthing/x.ts is in no layer: add its folder to LAYERS (scripts/check-layers.ts)',
    ]);
  });

  it('reads imports, not words in comments or strings', () => {
    const text = `/**\n * import { x } from '../jobs/a.js'\n */\nconst s = "from '../jobs/b.js'";\nexport { y } from './y.js';\nimport './side.js';\n`;
    expect(importsOf(text)).toEqual([
      { spec: './y.js', line: 5 },
      { spec: './side.js', line: 6 },
    ]);
  });

  it('places a nested folder in the layer of its closest listed folder', () => {
    expect(layerOf('src/dialects/dvcqg/envelope.ts')?.dir).toBe('src/dialects');
    expect(layerOf('src/domain/codes.ts')?.dir).toBe('src/domain');
    expect(layerOf('bench/run.ts')).toBeUndefined();
  });

  it('passes on this repository', () => {
    expect(checkLayers(join(import.meta.dirname, '../..'), LAYERS)).toEqual([]);
  });
});

describe('the size check', () => {
  it('measures functions from their head to their closing brace, whatever braces their strings, templates and regular expressions hold', () => {
    const text = [
      'export function a(x: number): { n: number } {', // 1
      '  const s = "}}}" + `${x}{` + `}${`{`}`;', // 2
      '  const re = /[}{]/g;', // 3
      '  return { n: x };', // 4
      '}', // 5
      'class C {', // 6
      '  async m(y: string): Promise<void> {', // 7
      '    if (y) {', // 8
      '      // }', // 9
      '    }', // 10
      '  }', // 11
      '}', // 12
      'const f = async (z: number) => {', // 13
      '  return z / 2 / 1;', // 14
      '};', // 15
    ].join('\n');
    expect(functionsOf(text)).toEqual([
      { name: 'a', start: 1, end: 5 },
      { name: 'm', start: 7, end: 11 },
      { name: 'f', start: 13, end: 15 },
    ]);
  });

  it('reports a file or a function over the limit, and lets an allowed table through', () => {
    const long = `export function big() {\n${'  call();\n'.repeat(MAX_FUNCTION_LINES)}}\n`;
    const root = tree({ 'src/a.ts': long, 'src/b.ts': 'x;\n'.repeat(MAX_FILE_LINES + 1) });
    expect(checkSize(root, ['src'], {}).map((f) => f.message)).toEqual([
      `src/a.ts:1 big: ${MAX_FUNCTION_LINES + 2} lines (at most ${MAX_FUNCTION_LINES})`,
      `src/b.ts: ${MAX_FILE_LINES + 1} lines (at most ${MAX_FILE_LINES})`,
    ]);
    expect(checkSize(root, ['src'], { 'src/a.ts#big': 'a table', 'src/b.ts': 'a table' })).toEqual([]);
  });
});
