/**
 * A reply body (bytes) read as JSON without first turning the whole body into one string.
 *
 * V8 puts a string of more than about 128 KB in its large-object space, and creating one costs
 * far more per byte than a small one (about 1.3 ms for a 277 KB page of 1,000 national items
 * on a 2-core VM, against 0.03 ms for the same bytes in 100 small pieces): at a million
 * records a night, that was seconds of the explanation pass and of every sync (README,
 * Performance). A large body whose items sit in one array under `"data"` (every list reply
 * of both dialects and of the portal) is therefore decoded and parsed a piece of that array
 * at a time, each piece a whole number of items cut at `},{`, and the envelope around the
 * array on its own.
 *
 * The pieces are exactly the body's bytes, so this gives what `JSON.parse` of the whole body
 * gives: a cut inside a string or a nested value leaves a piece that does not parse, and any
 * piece or envelope that does not parse (or a body of another shape) sends the whole body to
 * `JSON.parse` instead, which then accepts or refuses it as it always did.
 */

/** Bodies up to this size are parsed whole: below V8's large-object size, a string is cheap. */
const WHOLE = 96 * 1024;
/** Bytes of the item array per piece, about. */
const PIECE = 48 * 1024;

const OPEN = Buffer.from('"data":[');
const CUT = Buffer.from('},{');
const CLOSE = 0x5d; // ]

/** A UTF-8 byte order mark, which some servers put before their JSON (dropped, as a text reply's always was). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The body without its byte order mark, if any. */
function withoutBom(body: Buffer): Buffer {
  return body.subarray(0, 3).equals(BOM) ? body.subarray(3) : body;
}

/** A reply body as text (UTF-8, without a byte order mark). */
export function bodyText(body: Buffer): string {
  return withoutBom(body).toString('utf8');
}

export function parseJsonBody(body: Buffer): unknown {
  const bytes = withoutBom(body);
  if (bytes.length <= WHOLE) return JSON.parse(bytes.toString('utf8'));
  return inPieces(bytes) ?? JSON.parse(bytes.toString('utf8'));
}

/** The parsed body, or undefined when the body is not an envelope around a `data` array of objects (exported for its test). */
export function inPieces(body: Buffer): unknown {
  const split = splitDataArray(body);
  if (!split) return undefined;
  const items = itemsInPieces(split.items);
  if (!items) return undefined;
  const data = split.envelope.data as unknown[];
  for (const item of items) data.push(item);
  return split.envelope;
}

/**
 * A body that is an envelope around a `data` array, as the envelope (parsed, its `data` left
 * empty) and the bytes of the array's items (between its brackets, not parsed): a caller may
 * read them elsewhere (`parseItems`; the explanation reads national list pages in a second
 * thread, src/reconcile/list-pages.ts). Undefined for a body of another shape.
 */
export function splitDataArray(body: Buffer): { envelope: Record<string, unknown>; items: Buffer } | undefined {
  const bytes = withoutBom(body);
  const open = bytes.indexOf(OPEN);
  const close = bytes.lastIndexOf(CLOSE);
  if (open < 0 || close < open + OPEN.length) return undefined;
  const from = open + OPEN.length; // the array's first byte
  let envelope: unknown;
  try {
    envelope = JSON.parse(bytes.toString('utf8', 0, from) + bytes.toString('utf8', close));
  } catch {
    return undefined;
  }
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const data = (envelope as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length !== 0) return undefined;
  return { envelope: envelope as Record<string, unknown>, items: bytes.subarray(from, close) };
}

/** The items of `splitDataArray`'s bytes, parsed; throws a SyntaxError when they are not JSON values separated by commas. */
export function parseItems(items: Uint8Array): unknown[] {
  const bytes = Buffer.isBuffer(items) ? items : Buffer.from(items.buffer, items.byteOffset, items.byteLength);
  return itemsInPieces(bytes) ?? (JSON.parse(`[${bytes.toString('utf8')}]`) as unknown[]);
}

/** The items, parsed a piece at a time; undefined when a piece does not parse. */
function itemsInPieces(bytes: Buffer): unknown[] | undefined {
  const out: unknown[] = [];
  const close = bytes.length;
  let at = 0;
  while (at < close) {
    // cut after the first "}," past the piece's size, before the next "{"
    const cut = close - at > PIECE ? bytes.indexOf(CUT, at + PIECE) : -1;
    const end = cut < 0 || cut >= close ? close : cut + 1;
    let items: unknown;
    try {
      items = JSON.parse(`[${bytes.toString('utf8', at, end)}]`);
    } catch {
      return undefined;
    }
    if (!Array.isArray(items)) return undefined;
    for (const item of items as unknown[]) out.push(item);
    at = end + 1; // past the comma
  }
  return out;
}
