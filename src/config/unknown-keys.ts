/**
 * Unknown keys in the configuration file, named with the key meant when one is close: a
 * misspelt key would otherwise be ignored and its setting silently left at the default.
 */
import type { z } from 'zod';

/** The parts of a zod schema's definition needed to find the keys of an object in it. */
interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  element?: Schema;
  valueType?: Schema;
  keyType?: Schema;
  shape?: Record<string, Schema>;
  options?: Schema[];
  discriminator?: string;
  entries?: Record<string, string>;
}
interface Schema {
  _zod: { def: Def };
  safeParse(v: unknown): { success: boolean };
}

/** Through defaults, optionals and pipes to the schema that says what the value is. */
function unwrap(s: Schema): Schema {
  for (;;) {
    const d = s._zod.def;
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** A discriminated union's option for this value (by its discriminator); other schemas as they are. */
function option(s: Schema, value: unknown): Schema | undefined {
  const d = s._zod.def;
  if (d.type !== 'union') return s;
  const key = d.discriminator;
  const v = (value as Record<string, unknown> | undefined)?.[key ?? ''];
  return d.options?.find((o) => key !== undefined && unwrap(o)._zod.def.shape?.[key]?.safeParse(v).success);
}

/** The keys the schema allows in the object found at `path` of `raw`; empty when it cannot tell. */
export function knownKeysAt(schema: z.ZodType, raw: unknown, path: PropertyKey[]): string[] {
  let s: Schema | undefined = unwrap(schema as unknown as Schema);
  let value = raw;
  for (const p of path) {
    s = s && option(s, value);
    if (!s) return [];
    const d: Def = s._zod.def;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
    const next: Schema | undefined =
      d.type === 'object'
        ? d.shape?.[String(p)]
        : d.type === 'array'
          ? d.element
          : d.type === 'record'
            ? d.valueType
            : undefined;
    s = next && unwrap(next);
  }
  s = s && option(s, value);
  const d = s?._zod.def;
  if (d?.type === 'object') return Object.keys(d.shape ?? {});
  const keys = d?.type === 'record' && d.keyType ? unwrap(d.keyType)._zod.def.entries : undefined;
  return keys ? Object.values(keys) : [];
}

/** Edits (insert, delete, replace, swap two neighbours) from a to b, case ignored. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/**
 * The known key closest to `key`, if close enough to be what was meant: a typo or two, case
 * aside, or the start of a known key (`lookback` for `lookbackDays`).
 */
export function closestKey(key: string, known: string[]): string | undefined {
  const most = key.length <= 4 ? 1 : 2;
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (d <= most && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key ?? (key.length >= 4 ? known.find((k) => k.toLowerCase().startsWith(key.toLowerCase())) : undefined);
}
