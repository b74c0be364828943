/**
 * The stored form of a canonical dossier: one short `|`-separated string per dossier.
 *
 * Current form (written by `pack`), `~` then eight fields:
 *   updatedAt | status and flags | agency | procedure | receivedAt | dueAt | finishedAt | returnedAt
 * - times are whole epoch seconds in base 36 (6 characters until 2038+), empty when absent;
 * - "status and flags" is two base-36 digits: the status (1..10), then channel (0 none, 1..3)
 *   + 4 × digitised + 8 × paidOnline;
 * - the agency is left empty when the dossier's code already names it (`agencyOfDossierCode`).
 * `updatedAt` comes first so the apply script can compare versions without decoding the rest
 * (the script's `version()` reads both forms).
 *
 * The earlier form (no `~`; eleven fields: updatedAt, status, agency, procedure, channel,
 * digitised, paidOnline, receivedAt, dueAt, finishedAt, returnedAt, times in decimal seconds)
 * is still read, so a store written before keeps working and is rewritten as records change.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { agencyOfDossierCode } from '../domain/codes.js';

const CURRENT = '~';

/**
 * The version (updatedAt in whole epoch seconds) of any stored value, the rule the apply
 * script's `version()` plays in Lua (src/store/scripts.ts): a signed integer before the first
 * `|`, in base 36 (lower case) after `~` in the current form, decimal in the earlier one, of
 * at most 10 digits (exact in a double, in both languages). Anything else, garbage included,
 * is UNREADABLE: older than any record, so the next record of that code replaces it.
 *
 * @param latest the version rule's bound (`Store.latestVersion`): a version after it (a time
 *   beyond now + the clock skew, stored before the normaliser refused such times) is
 *   UNREADABLE too. Without it, the stored update time as written.
 */
export const UNREADABLE = Number.NEGATIVE_INFINITY;
const VERSION_CURRENT = /^~(-?)([0-9a-z]{1,10})\|/;
const VERSION_EARLIER = /^(-?)([0-9]{1,10})\|/;

export function storedVersion(value: string, latest = Number.POSITIVE_INFINITY): number {
  const current = value.charCodeAt(0) === 126; /* ~ */
  const m = (current ? VERSION_CURRENT : VERSION_EARLIER).exec(value);
  if (!m) return UNREADABLE;
  const n = parseInt(m[2]!, current ? 36 : 10);
  return readableVersion(m[1] === '-' ? -n : n, latest);
}

/** A version as the version rule reads it: UNREADABLE when after `latest` (whole seconds). */
export function readableVersion(version: number, latest: number): number {
  return version > latest ? UNREADABLE : version;
}
const t36 = (ms: number | null) => (ms === null ? '' : Math.floor(ms / 1000).toString(36));
const ms36 = (s: string) => (s === '' ? null : parseInt(s, 36) * 1000);
const ms10 = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s) * 1000);

export function pack(d: CanonicalDossier): string {
  const flags = (d.channel ?? 0) + (d.digitised ? 4 : 0) + (d.paidOnline ? 8 : 0);
  const agency = agencyOfDossierCode(d.code) === d.agency ? '' : d.agency;
  return (
    `${CURRENT}${t36(d.updatedAt)}|${d.status.toString(36)}${flags.toString(36)}|${agency}|${d.procedure}|` +
    `${t36(d.receivedAt)}|${t36(d.dueAt)}|${t36(d.finishedAt)}|${t36(d.returnedAt)}`
  );
}

/** @param agency the agency of the code when already known (saves reading it from the code) */
export function unpack(code: string, value: string, agency?: string): CanonicalDossier {
  const f = value.split('|');
  if (value.charCodeAt(0) !== 126 /* ~ */) return { ...unpackEarlier(code, f), updatedAt: storedVersion(value) * 1000 };
  const n = f.length; // 8, or more when the procedure code holds a "|": the times are the last four
  const flags = parseInt(f[1]!.charAt(1), 36);
  const channel = flags & 3;
  return {
    code,
    updatedAt: storedVersion(value) * 1000,
    status: parseInt(f[1]!.charAt(0), 36),
    agency: f[2] !== '' ? f[2]! : (agency ?? agencyOfDossierCode(code)!),
    procedure: n === 8 ? f[3]! : f.slice(3, n - 4).join('|'),
    channel: channel === 0 ? null : (channel as 1 | 2 | 3),
    digitised: (flags & 4) !== 0,
    paidOnline: (flags & 8) !== 0,
    receivedAt: ms36(f[n - 4]!),
    dueAt: ms36(f[n - 3]!),
    finishedAt: ms36(f[n - 2]!),
    returnedAt: ms36(f[n - 1]!),
  };
}

function unpackEarlier(code: string, f: string[]): CanonicalDossier {
  const channel = f[4] === '' ? null : (Number(f[4]) as 1 | 2 | 3);
  return {
    code,
    updatedAt: Number(f[0]) * 1000,
    status: Number(f[1]),
    agency: f[2]!,
    procedure: f[3]!,
    channel,
    digitised: f[5] === '1',
    paidOnline: f[6] === '1',
    receivedAt: ms10(f[7]),
    dueAt: ms10(f[8]),
    finishedAt: ms10(f[9]),
    returnedAt: ms10(f[10]),
  };
}

/**
 * What counting reads of a stored dossier (`Countable` in src/reconcile/counting.ts), with its
 * agency and procedure, and what the explanation's store side keeps beside (its update time
 * and paidOnline, src/store/columns.ts): everything `unpack` gives but the code.
 */
export interface Counted {
  updatedAt: number;
  status: number;
  channel: 1 | 2 | 3 | null;
  digitised: boolean;
  paidOnline: boolean;
  agency: string;
  procedure: string;
  receivedAt: number | null;
  dueAt: number | null;
  finishedAt: number | null;
  returnedAt: number | null;
}

/** A `Counted` to read values into (`unpackCounted`), reused from one value to the next. */
export function blankCounted(): Counted {
  return {
    updatedAt: 0,
    status: 0,
    channel: null,
    digitised: false,
    paidOnline: false,
    agency: '',
    procedure: '',
    receivedAt: null,
    dueAt: null,
    finishedAt: null,
    returnedAt: null,
  };
}

/** A base-36 digit's value, or -1. */
function digit36(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
}

/**
 * The base-36 integer value[from, to) (an optional `-`, then 1 to 10 digits in lower case),
 * read in place; undefined for anything else.
 */
function int36At(value: string, from: number, to: number): number | undefined {
  const negative = value.charCodeAt(from) === 45; /* - */
  const first = negative ? from + 1 : from;
  if (to <= first || to - first > 10) return undefined;
  let n = 0;
  for (let i = first; i < to; i++) {
    const d = digit36(value.charCodeAt(i));
    if (d < 0) return undefined;
    n = n * 36 + d;
  }
  return negative ? -n : n;
}

/** `ms36` of value[from, to) without cutting it out: the same result (`parseInt`'s, for anything but a few plain digits). */
function ms36At(value: string, from: number, to: number): number | null {
  if (from === to) return null;
  const n = int36At(value, from, to);
  return n === undefined ? ms36(value.slice(from, to)) : n * 1000;
}

/**
 * The version (`storedVersion`) of a current-form value whose first `|` is at `bar`, read in
 * place; undefined when it is not 1 to 10 base-36 digits (lower case) after an optional `-`
 * (the value is then read through `unpack`, which says what `storedVersion` says of it).
 */
function versionAt(text: string, from: number, bar: number): number | undefined {
  return int36At(text, from + 1, bar); // after the `~`
}

/** Where the `|` of the stored value being read are (reused: counting reads one value at a time). */
const bars = new Int32Array(64);

/**
 * What `unpack` gives of the stored value `text[from, to)` but its code (`Counted`), written
 * into `into` and returned: the fields read in place, without cutting the value out of the
 * text it came in and without a new object per dossier.
 * Counting a million dossiers is mostly this. A value of the earlier form, or one `pack` did
 * not write, is read through `unpack`.
 */
export function unpackCounted(text: string, from: number, to: number, agency: string, into: Counted): Counted {
  let n = 0;
  for (let i = text.indexOf('|', from); i >= 0 && i < to && n < bars.length; i = text.indexOf('|', i + 1))
    bars[n++] = i;
  const a = bars[0]!;
  const b = bars[1]!;
  const c = bars[2]!;
  const status = n >= 7 ? digit36(text.charCodeAt(b - 2)) : -1;
  const flags = n >= 7 ? digit36(text.charCodeAt(b - 1)) : -1;
  const version = n >= 7 ? versionAt(text, from, a) : undefined;
  if (
    text.charCodeAt(from) !== 126 /* ~ */ ||
    n < 7 ||
    n === bars.length ||
    b - a !== 3 ||
    status < 0 ||
    flags < 0 ||
    version === undefined
  ) {
    const d = unpack('', text.slice(from, to), agency);
    into.updatedAt = d.updatedAt;
    into.status = d.status;
    into.channel = d.channel;
    into.digitised = d.digitised;
    into.paidOnline = d.paidOnline;
    into.agency = d.agency;
    into.procedure = d.procedure;
    into.receivedAt = d.receivedAt;
    into.dueAt = d.dueAt;
    into.finishedAt = d.finishedAt;
    into.returnedAt = d.returnedAt;
    return into;
  }
  // the times are after the last four bars: a procedure code may hold a "|"
  const z1 = bars[n - 4]!;
  const z2 = bars[n - 3]!;
  const z3 = bars[n - 2]!;
  const z4 = bars[n - 1]!;
  const channel = flags & 3;
  into.updatedAt = version * 1000;
  into.status = status;
  into.channel = channel === 0 ? null : (channel as 1 | 2 | 3);
  into.digitised = (flags & 4) !== 0;
  into.paidOnline = (flags & 8) !== 0;
  into.agency = c > b + 1 ? text.slice(b + 1, c) : agency;
  into.procedure = text.slice(c + 1, z1);
  into.receivedAt = ms36At(text, z1 + 1, z2);
  into.dueAt = ms36At(text, z2 + 1, z3);
  into.finishedAt = ms36At(text, z3 + 1, z4);
  into.returnedAt = ms36At(text, z4 + 1, to);
  return into;
}
