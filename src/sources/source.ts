/** What every provincial source adapter offers the sync job, whatever its dialect. */
import type { SourceConfig } from '../../schemas/config.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { DEFAULT_ITEM_LIMITS, type ItemLimits } from '../../schemas/limits.js';
import { itemLimitsReason } from '../normalise/bounded.js';
import type { Normalised } from '../domain/normalised.js';
import type { Figures, Metric } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import type { PullGuard } from './progress.js';

/** A raw item as an object whose fields can be read (not yet validated), or undefined. */
export function fieldsOf(raw: unknown): Record<string, unknown> | undefined {
  return typeof raw !== 'object' || raw === null || Array.isArray(raw) ? undefined : (raw as Record<string, unknown>);
}

/** A field's value as text, when it is a string or a number. */
const asText = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/** A field of a raw item (not yet validated) as text, when it is a string or a number. */
export function rawField(raw: unknown, name: string): string | undefined {
  return asText(fieldsOf(raw)?.[name]);
}

/** A raw item named by its code and update time (`code@updated`), when it has a code: how a pull tells items apart. */
export function rawItemKey(raw: unknown, codeField: string, updatedField: string): string | undefined {
  const fields = fieldsOf(raw);
  return fields && itemKeyOf(fields[codeField], fields[updatedField]);
}

/**
 * `rawItemKey` from the values of the two fields: a dialect's own key function reads them by
 * name (a national list names a million items a night; a field read by a name held in a
 * variable is a slow look-up in V8).
 */
export function itemKeyOf(code: unknown, updated: unknown): string | undefined {
  const c = asText(code);
  return c === undefined ? undefined : `${c}@${asText(updated) ?? ''}`;
}

/** A half-open window [from, to) on the records' last-update time, epoch ms. */
export interface Window {
  from: number;
  to: number;
}

export interface PageResult {
  /** Raw items as received: each is normalised or quarantined, never dropped. */
  items: unknown[];
  /** Where to go on from; saved with the page so a crash resumes after it. JSON-serialisable. */
  next: unknown;
  /** True when this was the window's last page. */
  done: boolean;
}

/**
 * A source's own statistics for a period (the province-reported figures). `reported` names the
 * metrics the source reports: the counts of any other metric are placeholders (0) that mean
 * nothing and must never be compared.
 */
export interface ReportedStats {
  /** One row per agency (`procedure` null) and, when asked, per agency and procedure. */
  figures: Figures[];
  reported: readonly Metric[];
}

/** The bounds of a source's pulls (its configuration's `maxPages`, `maxItemDepth`, `maxItemBytes`). */
export interface PullLimits {
  maxPages: number;
  item: ItemLimits;
}

export const DEFAULT_PULL_LIMITS: PullLimits = { maxPages: 20_000, item: DEFAULT_ITEM_LIMITS };

export function pullLimitsOf(cfg: Pick<SourceConfig, 'maxPages' | 'maxItemDepth' | 'maxItemBytes'>): PullLimits {
  return { maxPages: cfg.maxPages, item: { maxDepth: cfg.maxItemDepth, maxBytes: cfg.maxItemBytes } };
}

export interface SourceAdapter {
  readonly id: string;
  /** Absent: DEFAULT_PULL_LIMITS. */
  readonly limits?: PullLimits;
  fetchPage(window: Window, cursor: unknown | null): Promise<PageResult>;
  normalise(raw: unknown): Normalised;
  /** A short stable key for a raw item (for the quarantine), when it has one. */
  itemKey(raw: unknown): string | undefined;
  /**
   * The source's own statistics for the period, for every agency it serves; with
   * `by.procedure` also per agency and procedure. Absent when the dialect offers none.
   */
  stats?(period: Period, by: { procedure: boolean }): Promise<ReportedStats>;
  /**
   * HTTP retries made so far by the adapter's client (all calls, logins included), for the
   * run report: the sync job records the difference over each page. Absent: none counted.
   */
  retries?(): number;
}

/**
 * A page's items, each normalised or rejected with its reason: none dropped. An item beyond
 * the parsing limits (nesting, size) is rejected before it is read any further.
 */
export function normalisePage(
  adapter: Pick<SourceAdapter, 'normalise' | 'limits'>,
  items: unknown[],
): { dossiers: CanonicalDossier[]; rejected: { raw: unknown; reason: string }[] } {
  const dossiers: CanonicalDossier[] = [];
  const rejected: { raw: unknown; reason: string }[] = [];
  const limits = (adapter.limits ?? DEFAULT_PULL_LIMITS).item;
  for (const raw of items) {
    const beyond = itemLimitsReason(raw, limits);
    if (beyond !== undefined) {
      rejected.push({ raw, reason: beyond });
      continue;
    }
    const n = adapter.normalise(raw);
    if (n.ok) dossiers.push(n.dossier);
    else rejected.push({ raw, reason: n.reason });
  }
  return { dossiers, rejected };
}

/**
 * The next page of a pull, within its bounds (see PullGuard): the cursor and the page are
 * checked for progress, and the pull stops at its `maxPages`.
 */
export async function fetchGuarded(
  adapter: Pick<SourceAdapter, 'fetchPage' | 'itemKey'>,
  guard: PullGuard,
  window: Window,
  cursor: unknown | null,
): Promise<PageResult> {
  guard.beforePage(cursor);
  const page = await adapter.fetchPage(window, cursor);
  guard.afterPage(page.items, !page.done, (raw) => adapter.itemKey(raw));
  return page;
}
