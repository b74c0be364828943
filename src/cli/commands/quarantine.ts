/** `dossier-sync quarantine`: a source's quarantined items and the counts per reason; --reprocess runs them again. */
import type { Command } from 'commander';
import type { SourceConfig } from '../../../schemas/config.js';
import { sourceById } from '../../config/load.js';
import { rawItemCode } from '../../domain/codes.js';
import type { Runtime } from '../../queue/runtime.js';
import { createSource } from '../../sources/index.js';
import { reprocessQuarantine } from '../../sources/quarantine.js';
import { choice, positiveInt, withConfig } from '../options.js';
import { withRuntime } from '../runtime.js';

interface QuarantineOptions {
  config: string;
  logLevel: string;
  source: string;
  limit: string;
  format: string;
  reprocess?: boolean;
  dryRun?: boolean;
}

type Format = 'table' | 'json';

/** Counts per reason, the most frequent first. */
function printReasons(reasons: Record<string, number>): void {
  for (const [reason, n] of Object.entries(reasons).sort((a, b) => b[1] - a[1]))
    process.stdout.write(`  ${String(n).padStart(6)}  ${reason}\n`);
}

async function reprocess(rt: Runtime, src: SourceConfig, format: Format, dryRun: boolean | undefined): Promise<void> {
  const source = createSource(src, {
    logger: rt.logger,
    dates: rt.config.dates,
    agencyPatterns: rt.config.codes.agencyPatterns,
  });
  const r = await reprocessQuarantine(source, rt.store, src, { dryRun });
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ source: src.id, dryRun: Boolean(dryRun), ...r }, null, 2)}\n`);
    return;
  }
  const would = dryRun ? 'would leave' : 'left';
  process.stdout.write(
    `Source ${src.id}: ${r.examined} quarantined item(s) normalised again; ${r.released} ${would} the quarantine ` +
      `(${r.applied} applied, ${r.unchanged} already stored as new or newer); ${r.examined - r.released} still fail\n`,
  );
  printReasons(r.still);
}

async function list(rt: Runtime, src: SourceConfig, format: Format, limit: string): Promise<void> {
  const reasons = await rt.store.quarantineReasons(src.province, src.id);
  const items = await rt.store.quarantineEntries(src.province, src.id, positiveInt('--limit', limit));
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ source: src.id, reasons, items }, null, 2)}\n`);
    return;
  }
  const total = Object.values(reasons).reduce((a, b) => a + b, 0);
  process.stdout.write(`Source ${src.id}: ${total} item(s) in quarantine\n`);
  printReasons(reasons);
  for (const q of items) {
    const code = rawItemCode(q.raw) || '?';
    process.stdout.write(`${new Date(q.at).toISOString()}  run ${q.runId} page ${q.page}  ${code}  ${q.reason}\n`);
  }
}

export function register(program: Command): void {
  withConfig(program.command('quarantine'))
    .description(
      "list a source's quarantined items with their reason and batch, and the counts per reason; --reprocess runs them again through the current configuration",
    )
    .requiredOption('--source <id>', 'source id from the configuration')
    .option('--limit <n>', 'items to list at most', '50')
    .option('--format <format>', 'table or json', 'table')
    .option(
      '--reprocess',
      'normalise every quarantined item again with the configuration as it is now: those that pass leave the quarantine and are applied',
    )
    .option('--dry-run', 'with --reprocess: say what would leave the quarantine, change nothing')
    .action(async (o: QuarantineOptions) => {
      const format = choice('--format', o.format, ['table', 'json'] as const);
      if (o.dryRun && !o.reprocess) throw new Error('--dry-run goes with --reprocess');
      await withRuntime(o, async (rt) => {
        const src = sourceById(rt.config, o.source);
        if (o.reprocess) return reprocess(rt, src, format, o.dryRun);
        return list(rt, src, format, o.limit);
      });
    });
}
