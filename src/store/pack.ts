/**
 * The stored form of a canonical dossier: one short `|`-separated string per dossier
 * (times in epoch seconds), starting with `updatedAt` so the apply script can compare
 * versions without decoding the rest.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';

const sec = (ms: number | null) => (ms === null ? '' : String(Math.floor(ms / 1000)));
const ms = (s: string | undefined) => (s === undefined || s === '' ? null : Number(s) * 1000);

export function pack(d: CanonicalDossier): string {
  return [
    sec(d.updatedAt),
    d.status,
    d.agency,
    d.procedure,
    d.channel ?? '',
    d.digitised ? 1 : 0,
    d.paidOnline ? 1 : 0,
    sec(d.receivedAt),
    sec(d.dueAt),
    sec(d.finishedAt),
    sec(d.returnedAt),
  ].join('|');
}

export function unpack(code: string, value: string): CanonicalDossier {
  const f = value.split('|');
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
    receivedAt: ms(f[7]),
    dueAt: ms(f[8]),
    finishedAt: ms(f[9]),
    returnedAt: ms(f[10]),
  };
}
