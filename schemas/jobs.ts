/** Payloads of every job. The processor parses them before a handler runs. */
import { z } from 'zod';
import { alertMessage } from './alert.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
export const periodInput = z.object({ from: day, to: day });
const runId = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore');

/** One night's work: a window to sync up to and a period to reconcile. */
export const nightStep = z.object({
  /** The period to reconcile; by default the current month to date and, early in a month, the previous month. */
  period: periodInput.optional(),
  /** End of the sync window (epoch ms); the moment the night starts by default. */
  windowTo: z.number().int().optional(),
  /** Restrict to these provinces (unit codes); all configured provinces by default. */
  provinces: z.array(z.string()).optional(),
  /**
   * A scheduled night (or one caught up): once its syncs complete for every source, the
   * catch-up marker moves to its window's end. A manual run never moves it.
   */
  scheduled: z.boolean().optional(),
});
export type NightStep = z.infer<typeof nightStep>;

export const nightlyPayload = nightStep.extend({
  runId: runId.optional(),
  /** Nights to run after this one, in order, each once the previous run is finished. */
  then: z.array(nightStep).default([]),
});
export type NightlyPayload = z.infer<typeof nightlyPayload>;
export type NightlyInput = z.input<typeof nightlyPayload>;

export const syncSourcePayload = z.object({
  runId,
  source: z.string(),
  windowTo: z.number().int(),
  /**
   * Set for a backfill of [windowFrom, windowTo): the window is pulled with its own
   * checkpoint and the regular one does not move.
   */
  windowFrom: z.number().int().optional(),
});
export type SyncSourcePayload = z.infer<typeof syncSourcePayload>;

export const reconcileProvincePayload = z.object({
  runId,
  province: z.string(),
  period: periodInput,
  windowTo: z.number().int(),
});
export type ReconcileProvincePayload = z.infer<typeof reconcileProvincePayload>;

/** The explanation pass of one reconciled province: its mismatches are read from the run. */
export const explainProvincePayload = z.object({
  runId,
  province: z.string(),
  period: periodInput,
});
export type ExplainProvincePayload = z.infer<typeof explainProvincePayload>;

export const finishRunPayload = z.object({
  runId,
  /** Nights to run once this run is done, in order. */
  then: z.array(nightStep).default([]),
  /**
   * Only these provinces (a replay): their incidents move and the summary alert covers them;
   * the others were finished already.
   */
  provinces: z.array(z.string()).optional(),
});
export type FinishRunPayload = z.infer<typeof finishRunPayload>;

export const sendAlertPayload = z.preprocess(
  // Jobs queued before channels named the channel `webhook`.
  (d) =>
    typeof d === 'object' && d !== null && 'webhook' in d && !('channel' in d)
      ? { ...d, channel: (d as { webhook: unknown }).webhook }
      : d,
  z.object({
    runId,
    /** The channel's name in the configuration: its address and secrets are read when sending. */
    channel: z.string(),
    alert: alertMessage,
  }),
);
export type SendAlertPayload = z.infer<typeof sendAlertPayload>;
