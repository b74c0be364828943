/** The limits a source puts on raw items and their dates, and their defaults (`maxItemDepth`, `maxItemBytes` and `dates` in the configuration). */

/** Limits on one raw item (`maxItemDepth`, `maxItemBytes` of a source). */
export interface ItemLimits {
  /** Deepest nesting of objects and arrays; the item itself is depth 1. */
  maxDepth: number;
  /** Largest item, in characters of its JSON text. */
  maxBytes: number;
}

export const DEFAULT_ITEM_LIMITS: ItemLimits = { maxDepth: 32, maxBytes: 64 * 1024 };

/** The configured date range (`dates` in the configuration). */
export interface DateLimits {
  /** The earliest accepted date of any field, `YYYY-MM-DD` (Vietnam calendar day). */
  earliest: string;
  /** Clock skew allowed: update, receipt, finish and return times may be this far after now. */
  skewHours: number;
  /** Due dates (planned, so in the future) are accepted before this day, `YYYY-MM-DD`. */
  dueBefore: string;
}

export const DEFAULT_DATE_LIMITS: DateLimits = { earliest: '2000-01-01', skewHours: 24, dueBefore: '2100-01-01' };
