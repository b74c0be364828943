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
 * script's `version()` plays in Lua (src/store/store.ts): a signed integer before the first
 * `|`, in base 36 (lower case) after `~` in the current form, decimal in the earlier one, of
 * at most 10 digits (exact in a double, in both languages). Anything else, garbage included,
 * is UNREADABLE: older than any record, so the next record of that code replaces it.
 */
export const UNREADABLE = Number.NEGATIVE_INFINITY;
const VERSION_CURRENT = /^~(-?)([0-9a-z]{1,10})\|/;
const VERSION_EARLIER = /^(-?)([0-9]{1,10})\|/;

export function storedVersion(value: string): number {
  const current = value.charCodeAt(0) === 126; /* ~ */
  const m = (current ? VERSION_CURRENT : VERSION_EARLIER).exec(value);
  if (!m) return UNREADABLE;
  const n = parseInt(m[2]!, current ? 36 : 10);
  return m[1] === '-' ? -n : n;
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
