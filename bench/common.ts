/**
 * Shared by the benchmark's processes: the world every step generates (deterministic, so the
 * simulator process and the in-process floor see the same records), and how the parent talks
 * to its children (one `@@{json}` line on stdout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import unitsData from '../data/provincial-units.json' with { type: 'json' };
import { parseConfig, type Config } from '../src/config/load.js';
import type { WorldOptions } from '../src/sim/world.js';

export const SEED = 7;
export const MONTH = '2026-03';
export const PROVINCE = 'H49';
export const PAGE_SIZE = 1000;
/** The first sync window starts well before any dossier of the world (received ≥ period − 20 days). */
export const INITIAL_FROM = '2026-01-01';
export const CREDENTIAL_ENV = { BENCH_USER: 'dossier-sync', BENCH_PASSWORD: 'simulated-secret' };

export function worldOptions(volume: number): WorldOptions {
  return { seed: SEED, month: MONTH, provinces: [PROVINCE], dossiersPerProvince: volume };
}

/** Sends the child's result to the parent. */
export function report(value: unknown): void {
  process.stdout.write(`@@${JSON.stringify(value)}\n`);
}

/** Reads a child's argument object (JSON in argv[2], or in the file `@<path>` names: see startChild). */
export function argsOf<T>(): T {
  const arg = process.argv[2] ?? '{}';
  return JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as T;
}

export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

export interface Child<T> {
  proc: ChildProcess;
  /** The child's next `@@` message. */
  next(): Promise<T>;
  /** Ends the child (closes its stdin, then SIGTERM after a grace period) and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts `bench/<script>.ts` in its own Node process. `BENCH_PROF=<script>` adds --cpu-prof
 * (profiles land in bench/profiles/).
 */
export function startChild<T = unknown>(script: string, args: unknown, nodeArgs: string[] = []): Child<T> {
  const file = fileURLToPath(new URL(`./${script}.ts`, import.meta.url));
  const prof = (process.env.BENCH_PROF ?? '').split(',').includes(script)
    ? ['--cpu-prof', `--cpu-prof-dir=${fileURLToPath(new URL('./profiles', import.meta.url))}`]
    : [];
  // a large argument (a world's ground truth) goes through a file: argv has a size limit (E2BIG)
  let arg = JSON.stringify(args);
  if (arg.length > 64_000) {
    const path = join(mkdtempSync(join(tmpdir(), 'dossier-sync-bench-')), 'args.json');
    writeFileSync(path, arg);
    arg = `@${path}`;
  }
  const proc = spawn(process.execPath, [...nodeArgs, ...prof, '--import', 'tsx', file, arg], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...CREDENTIAL_ENV },
  });
  const queue: T[] = [];
  const waiting: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  let exited: Error | undefined;
  const lines = createInterface({ input: proc.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('@@')) {
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${script}] ${line}\n`);
      return;
    }
    const msg = JSON.parse(line.slice(2)) as T;
    const w = waiting.shift();
    if (w) w.resolve(msg);
    else queue.push(msg);
  });
  const done = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = new Error(`bench/${script}.ts exited (${signal ?? code}) before it answered`);
      for (const w of waiting.splice(0)) w.reject(exited);
      resolve();
    }),
  );
  return {
    proc,
    next: () =>
      queue.length
        ? Promise.resolve(queue.shift()!)
        : exited
          ? Promise.reject(exited)
          : new Promise<T>((resolve, reject) => waiting.push({ resolve, reject })),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin?.end();
        const timer = setTimeout(() => proc.kill('SIGTERM'), 5_000);
        await done;
        clearTimeout(timer);
      }
    },
  };
}

/** Resolves when the parent closes our stdin (or sends SIGTERM/SIGINT). */
export function untilParentStops(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

/**
 * The country night's 34 provinces (the post-2025 units): the codes data/provincial-units.json
 * confirms, and for each unit whose code it does not confirm a stand-in code (`Z01`…), never a
 * guessed one.
 */
export const COUNTRY_PROVINCES: string[] = (() => {
  const units = (unitsData as { mergers: { code: string | null }[] }).mergers;
  let standIn = 0;
  return units.map((u) => u.code ?? `Z${String(++standIn).padStart(2, '0')}`);
})();

/** The configuration of a night over every province the simulator serves (each its own `dvcqg` source). */
export function nightConfig(
  redisUrl: string,
  prefix: string,
  sourceUrls: Record<string, string>,
  nationalUrl: string,
): Config {
  return parseConfig(
    {
      redis: { url: redisUrl, prefix },
      sources: Object.entries(sourceUrls).map(([province, baseUrl]) => ({
        id: `src-${province.toLowerCase()}`,
        province,
        dialect: 'dvcqg',
        baseUrl,
        usernameEnv: 'BENCH_USER',
        passwordEnv: 'BENCH_PASSWORD',
        pageSize: PAGE_SIZE,
        initialFrom: INITIAL_FROM,
      })),
      national: { baseUrl: nationalUrl, usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' },
    },
    '(bench configuration)',
  );
}
