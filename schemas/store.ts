import { z } from 'zod';

/** Where a source's sync stands: the high-water mark, and the window being pulled, if any. */
export const checkpoint = z.object({
  /** Every update before this instant (epoch ms) has been applied. */
  syncedTo: z.number().int().nullable(),
  /** The window in progress and the cursor after its last applied page. */
  pending: z
    .object({
      runId: z.string(),
      from: z.number().int(),
      to: z.number().int(),
      cursor: z.unknown(),
      pages: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type Checkpoint = z.infer<typeof checkpoint>;

/** A quarantined item: the reason, the batch it came with, and the raw item as received (personal fields redacted, capped). */
export const quarantineEntry = z.object({
  source: z.string(),
  runId: z.string(),
  page: z.number().int(),
  reason: z.string(),
  at: z.number().int(),
  raw: z.unknown(),
  /** The item was larger than the quarantine keeps: `raw` is the start of its JSON text, and it cannot be reprocessed. */
  truncated: z.boolean().optional(),
});
export type QuarantineEntry = z.infer<typeof quarantineEntry>;

export const syncCounters = z.object({
  pulled: z.number().int(),
  applied: z.number().int(),
  unchanged: z.number().int(),
  quarantined: z.number().int(),
  pages: z.number().int(),
  /** HTTP retries the source's client made for the sync's pages (0 in counters stored before it existed). */
  retries: z.number().int().default(0),
});
export type SyncCounters = z.infer<typeof syncCounters>;
