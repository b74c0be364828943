/**
 * Normalises one item of the `rest` dialect (docs/contracts.md, The rest dialect) into the canonical dossier.
 * Never throws: an item is either a dossier or a quarantine reason that names the field.
 *
 * Dates are ISO 8601. With an offset (`Z`, `+07:00`, `+0700`, `+07`) they are read as
 * written; without one they are read as Vietnam time (UTC+7), like every other wire date.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { REST_CHANNELS, restItem } from '../../../schemas/rest.js';
import { BUILT_IN_CODE_FORMS, type CodeForms } from '../../domain/codes.js';
import type { Normalised } from '../../domain/normalised.js';
import {
  DEFAULT_DATE_BOUNDS,
  Reject,
  codeField,
  dateField,
  procedureField,
  normalisedBy,
  notAnAgency,
  type DateBounds,
} from '../../normalise/fields.js';
import { firstIssue } from '../../util/zod.js';
import { VN_OFFSET_MS } from '../../domain/time.js';

export interface RestOptions {
  /** Vendor status string → national status code (1..10). */
  statusMap: Readonly<Record<string, number>>;
  /** Local procedure code → national code; unmapped codes are kept. */
  procedureMap?: Readonly<Record<string, string>>;
  /** The range every date must fall in (default: DEFAULT_DATE_LIMITS against the system clock). */
  dates?: DateBounds;
  /** The accepted agency-code forms (default: the built-in ones). */
  codes?: CodeForms;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/i;

/**
 * An ISO 8601 date-time → epoch ms; without an offset it is Vietnam time. Undefined when
 * malformed (including impossible calendar dates and offsets beyond ±23:59).
 */
export function parseIsoInstant(value: string): number | undefined {
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(local);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  let offset: number;
  if (m[8] !== undefined) offset = 0;
  else if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 3600_000 + om * 60_000);
  } else offset = VN_OFFSET_MS;
  return local - offset;
}

/** epoch ms → ISO 8601 in Vietnam time with its offset, e.g. `2025-05-01T08:30:00+07:00`. */
export function formatIsoVn(ms: number): string {
  const iso = new Date(ms + VN_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  return `${iso.slice(0, 19)}${ms % 1000 === 0 ? '' : iso.slice(19, 23)}+07:00`;
}

/** A date field's value (`raw`, the item's `field`; see `dateField`). */
const date = (raw: unknown, field: string, bounds: DateBounds, latest: number, kind: 'past' | 'due' = 'past') =>
  dateField(raw, field, bounds, parseIsoInstant, 'an ISO 8601 date-time', kind, latest);

export function normaliseRest(raw: unknown, opts: RestOptions): Normalised {
  const parsed = restItem.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error, 'item') };
  const item = parsed.data;
  const bounds = opts.dates ?? DEFAULT_DATE_BOUNDS;
  return normalisedBy(() => {
    const dossierCode = codeField(item.code, 'code');
    const agency = codeField(item.agencyCode, 'agencyCode');
    if (!(opts.codes ?? BUILT_IN_CODE_FORMS).isAgency(agency)) throw new Reject(`agencyCode: ${notAnAgency(agency)}`);
    const procedure = procedureField(item.procedureCode, 'procedureCode', opts.procedureMap);
    const statusText = item.status.normalize('NFC').trim();
    const status = Object.hasOwn(opts.statusMap, statusText) ? opts.statusMap[statusText] : undefined;
    if (status === undefined) throw new Reject(`status: unknown status "${statusText.slice(0, 40)}"`);
    if (!Number.isInteger(status) || status < 1 || status > 10)
      throw new Reject(`status: "${statusText.slice(0, 40)}" maps to ${status}, not a status code 1..10`);
    const channelText = item.channel?.trim().toUpperCase() ?? '';
    let channel: 1 | 2 | 3 | null = null;
    if (channelText !== '') {
      if (!Object.hasOwn(REST_CHANNELS, channelText))
        throw new Reject(`channel: "${channelText.slice(0, 20)}" is not DIRECT, ONLINE or POSTAL`);
      channel = REST_CHANNELS[channelText as keyof typeof REST_CHANNELS];
    }
    const latest = bounds.latest(); // now, once for the item's dates
    const updatedAt = date(item.updatedAt, 'updatedAt', bounds, latest);
    if (updatedAt === null) throw new Reject('updatedAt: empty');
    return {
      code: dossierCode,
      agency,
      procedure,
      status,
      channel,
      digitised: item.digitised ?? false,
      paidOnline: item.paidOnline ?? false,
      receivedAt: date(item.receivedAt, 'receivedAt', bounds, latest),
      dueAt: date(item.dueAt, 'dueAt', bounds, latest, 'due'),
      finishedAt: date(item.finishedAt, 'finishedAt', bounds, latest),
      returnedAt: date(item.returnedAt, 'returnedAt', bounds, latest),
      updatedAt,
    };
  });
}

/** Inverts status names (national code → vendor string) into a status map for `normaliseRest`. */
export function statusMapOf(statusNames: Readonly<Record<number, string>>): Record<string, number> {
  return Object.fromEntries(Object.entries(statusNames).map(([code, name]) => [name, Number(code)]));
}

const CHANNEL_NAMES = { 1: 'DIRECT', 2: 'ONLINE', 3: 'POSTAL' } as const;

/** The inverse: a canonical dossier as a `rest` item (used by the simulator). */
export function toRestItem(d: CanonicalDossier, statusNames: Readonly<Record<number, string>>) {
  const at = (ms: number | null) => (ms === null ? null : formatIsoVn(ms));
  return {
    code: d.code,
    procedureCode: d.procedure,
    agencyCode: d.agency,
    channel: d.channel === null ? null : CHANNEL_NAMES[d.channel],
    status: statusNames[d.status] ?? String(d.status),
    receivedAt: at(d.receivedAt),
    dueAt: at(d.dueAt),
    finishedAt: at(d.finishedAt),
    returnedAt: at(d.returnedAt),
    updatedAt: formatIsoVn(d.updatedAt),
    digitised: d.digitised,
    paidOnline: d.paidOnline,
  };
}
