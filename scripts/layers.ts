/**
 * The layers of the code, lowest first, and which may import which: the one table
 * docs/architecture.md ("Layers") describes. A module may import its own layer and every
 * layer above it in this list that is not a side layer; a side layer (the simulators) is
 * imported only by the layers that name it in `alsoImports`, and itself imports only what
 * its `imports` names. `scripts/check-layers.ts` fails on an import that breaks the table.
 */
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
  { dir: 'src/util', holds: 'errors, grouping, tuple keys, logging, a private redis-server' },
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
