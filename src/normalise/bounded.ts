/**
 * Raw items measured and written out without recursion, so that no item, however deep or
 * large, can overflow the stack or be kept whole: the per-item parsing limits, and the
 * capped JSON a quarantined item is kept as.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_ITEM_LIMITS, type ItemLimits } from '../../schemas/limits.js';

/**
 * Why an item is beyond the limits, or undefined when it is within them. It walks the item
 * with a stack of its own and stops at the first limit crossed, so its cost is bounded by
 * the limits, not by the item. The size counted is a lower bound of the item's JSON text
 * (strings without their escapes), enough to refuse the items that matter: the huge ones.
 */
export function itemLimitsReason(raw: unknown, limits: ItemLimits = DEFAULT_ITEM_LIMITS): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const stack: [value: object, depth: number][] = [[raw, 1]];
  let size = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limits.maxDepth) return `item: nested deeper than ${limits.maxDepth} levels (maxItemDepth)`;
    const isArray = Array.isArray(value);
    size += 2;
    for (const key in value) {
      const v = (value as Record<string, unknown>)[key];
      size += isArray ? 1 : key.length + 4;
      if (typeof v === 'string') size += v.length + 2;
      else if (typeof v === 'object' && v !== null) stack.push([v, depth + 1]);
      else size += 5; // a number, a boolean or null: a few characters
      if (size > limits.maxBytes) return `item: larger than ${limits.maxBytes} characters of JSON (maxItemBytes)`;
    }
  }
  return undefined;
}

export interface BoundedJson {
  /** The JSON text, or its first `maxChars` characters when `truncated`. */
  text: string;
  truncated: boolean;
  /** SHA-1 (hex) of the whole JSON text: a key for the item whatever its size. */
  sha1: string;
}

type Frame =
  { array: unknown[]; i: number } | { object: Record<string, unknown>; keys: string[]; i: number; wrote: boolean };

/**
 * `JSON.stringify(value)` written with a stack of its own (any depth), keeping at most
 * `maxChars` of the text while hashing all of it. As JSON.stringify: undefined, functions and
 * symbols are left out of objects and written as null in arrays; non-finite numbers are null.
 */
export function boundedJson(value: unknown, maxChars: number): BoundedJson {
  const hash = createHash('sha1');
  let text = '';
  let truncated = false;
  const write = (chunk: string) => {
    hash.update(chunk);
    if (text.length < maxChars) {
      const room = maxChars - text.length;
      text += chunk.length <= room ? chunk : chunk.slice(0, room);
      if (chunk.length > room) truncated = true;
    } else truncated = true;
  };
  const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  const stack: Frame[] = [];
  /** Writes a primitive, or opens a container (pushes its frame). */
  const open = (v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        write('[');
        stack.push({ array: v, i: 0 });
      } else {
        write('{');
        stack.push({ object: v as Record<string, unknown>, keys: Object.keys(v), i: 0, wrote: false });
      }
    } else if (typeof v === 'bigint') write(JSON.stringify(String(v)));
    else write(skipped(v) ? 'null' : JSON.stringify(v));
  };
  if (skipped(value)) return { text: '', truncated: false, sha1: hash.digest('hex') };
  open(value);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if ('array' in f) {
      if (f.i >= f.array.length) {
        write(']');
        stack.pop();
        continue;
      }
      if (f.i > 0) write(',');
      open(f.array[f.i++]);
    } else {
      while (f.i < f.keys.length && skipped(f.object[f.keys[f.i]!])) f.i++;
      if (f.i >= f.keys.length) {
        write('}');
        stack.pop();
        continue;
      }
      const key = f.keys[f.i++]!;
      write(`${f.wrote ? ',' : ''}${JSON.stringify(key)}:`);
      f.wrote = true;
      open(f.object[key]);
    }
  }
  return { text, truncated, sha1: hash.digest('hex') };
}
