/**
 * Normalises one item in the national sync shape (a `dvcqg` source or the national feed)
 * into the canonical dossier. Never throws: an item is either a dossier or a quarantine
 * reason that names the field at fault.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { parseDvcqgItem, type DvcqgItemData } from '../../../schemas/dvcqg.js';
import { BUILT_IN_CODE_FORMS, type CodeForms } from '../../domain/codes.js';
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
import { formatCompact, parseCompact } from '../../domain/time.js';
import type { Normalised } from '../../domain/normalised.js';

export interface DvcqgOptions {
  /** Vendor status value → national status code. */
  statusMap: Readonly<Record<string, number>>;
  /** The agency to use when the item names none (e.g. national lists, one agency per call). */
  agency?: string;
  /** Local procedure code → national code; unmapped codes are kept as they are. */
  procedureMap?: Readonly<Record<string, string>>;
  /** The range every date must fall in (default: DEFAULT_DATE_LIMITS against the system clock). */
  dates?: DateBounds;
  /** The accepted agency-code forms (default: the built-in ones). */
  codes?: CodeForms;
  /** Keep the submission date (NgayNopHoSo) as `submittedAt`: the national records, for the counting variant keyed on it. */
  submitted?: boolean;
}

export const IDENTITY_STATUS_MAP: Readonly<Record<string, number>> = Object.fromEntries(
  Array.from({ length: 10 }, (_, i) => [String(i + 1), i + 1]),
);

/** A date field's value (`raw`, the item's `field`; see `dateField`). */
const date = (raw: unknown, field: string, bounds: DateBounds, latest: number, kind: 'past' | 'due' = 'past') =>
  dateField(raw, field, bounds, parseCompact, 'a date yyyyMMddHHmmss', kind, latest);

/** A 0/1 field's value (`raw`, the item's `field`). */
function flag(raw: unknown, field: string): boolean {
  if (raw === '0' || raw === undefined || raw === null) return false;
  if (raw === '1') return true;
  const value = String(raw).trim().toLowerCase();
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new Reject(`${field}: "${value.slice(0, 40)}" is not 0 or 1`);
}

/**
 * The submission date (NgayNopHoSo) when the item gives a readable one. The store does not keep
 * it (only the national records' counting variant keyed on submission reads it), so an
 * unreadable one is left out rather than refusing the record.
 */
function submitted(item: DvcqgItemData, bounds: DateBounds, latest: number): number | null {
  try {
    return date(item.NgayNopHoSo, 'NgayNopHoSo', bounds, latest);
  } catch (err) {
    if (err instanceof Reject) return null;
    throw err;
  }
}

export function normaliseDvcqg(raw: unknown, opts: DvcqgOptions): Normalised {
  const parsed = parseDvcqgItem(raw);
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error, 'item') };
  const item = parsed.data;
  const bounds = opts.dates ?? DEFAULT_DATE_BOUNDS;
  return normalisedBy(() => {
    const dossierCode = codeField(item.MaHoSo, 'MaHoSo');
    const statusText = item.TrangThaiHoSo.trim();
    const status = Object.hasOwn(opts.statusMap, statusText) ? opts.statusMap[statusText] : undefined;
    if (status === undefined) throw new Reject(`TrangThaiHoSo: unknown status "${statusText.slice(0, 20)}"`);
    const forms = opts.codes ?? BUILT_IN_CODE_FORMS;
    // DonViXuLy is sometimes the agency's name: then the agency is the caller's or MaHoSo's.
    const unit = item.DonViXuLy?.trim();
    const agency = unit && forms.isAgency(unit) ? unit : (opts.agency ?? forms.agencyOfDossierCode(dossierCode));
    if (!agency)
      throw new Reject(`DonViXuLy: ${unit ? notAnAgency(unit) : 'no agency code'}, and MaHoSo does not start with one`);
    const channelText = item.KenhThucHien?.trim() ?? '';
    let channel: 1 | 2 | 3 | null = null;
    if (channelText !== '') {
      if (channelText !== '1' && channelText !== '2' && channelText !== '3')
        throw new Reject(`KenhThucHien: "${channelText.slice(0, 20)}" is not 1, 2 or 3`);
      channel = Number(channelText) as 1 | 2 | 3;
    }
    const latest = bounds.latest(); // now, once for the item's dates
    const updatedAt = date(item.NgayCapNhat, 'NgayCapNhat', bounds, latest);
    if (updatedAt === null) throw new Reject('NgayCapNhat: empty');
    const d: CanonicalDossier = {
      code: dossierCode,
      agency,
      procedure: procedureField(item.MaTTHC, 'MaTTHC', opts.procedureMap),
      status,
      channel,
      digitised: flag(item.HoSoCoThanhPhanSoHoa, 'HoSoCoThanhPhanSoHoa'),
      paidOnline: flag(item.DuocThanhToanTrucTuyen, 'DuocThanhToanTrucTuyen'),
      receivedAt: date(item.NgayTiepNhan, 'NgayTiepNhan', bounds, latest),
      dueAt: date(item.NgayHenTra, 'NgayHenTra', bounds, latest, 'due'),
      finishedAt: date(item.NgayKetThucXuLy, 'NgayKetThucXuLy', bounds, latest),
      returnedAt: date(item.NgayTra, 'NgayTra', bounds, latest),
      updatedAt,
    };
    // added, not spread into the literal: a spread builds the object the slow way, a million times a night
    const submittedAt = opts.submitted ? submitted(item, bounds, latest) : null;
    if (submittedAt !== null) d.submittedAt = submittedAt;
    return d;
  });
}

/** The inverse: a canonical dossier in the national sync shape (used by the simulators). */
export function toDvcqgItem(d: CanonicalDossier): Record<string, string> {
  const at = (ms: number | null) => (ms === null ? '' : formatCompact(ms));
  return {
    MaHoSo: d.code,
    MaTTHC: d.procedure,
    DonViXuLy: d.agency,
    TrangThaiHoSo: String(d.status),
    KenhThucHien: d.channel === null ? '' : String(d.channel),
    HoSoCoThanhPhanSoHoa: d.digitised ? '1' : '0',
    DuocThanhToanTrucTuyen: d.paidOnline ? '1' : '0',
    NgayTiepNhan: at(d.receivedAt),
    NgayHenTra: at(d.dueAt),
    NgayKetThucXuLy: at(d.finishedAt),
    NgayTra: at(d.returnedAt),
    ...(d.submittedAt === undefined ? {} : { NgayNopHoSo: at(d.submittedAt) }),
    NgayCapNhat: at(d.updatedAt),
  };
}
