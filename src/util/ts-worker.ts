/**
 * A worker thread running one of this project's TypeScript modules: the thread registers
 * tsx's loader first, as bin/dossier-sync.js does for the main thread (no build step between a
 * clone and a run), then imports the module.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The URL of tsx's module API (`register`). */
function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // a loader without import.meta.resolve: the package's own file, next to its package.json
    const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
    return pathToFileURL(pkg.replace(/package\.json$/, 'dist/esm/api/index.mjs')).href;
  }
}

/** Starts a thread running `entry` (a module URL) with `workerData`; the thread does not keep the process alive. */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const code =
    `import(${JSON.stringify(tsxApi())})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  const worker = new Worker(code, { eval: true, workerData });
  worker.unref();
  return worker;
}
