import { boundedJson } from './bounded.js';

/**
 * Applicants' personal fields (docs/domain.md, Personal data: never log them). Raw items kept in the quarantine
 * have these replaced, so the quarantine holds what is needed to fix a record, not who filed it.
 */
export const PERSONAL_FIELDS = [
  'ChuHoSo',
  'SoDienThoai',
  'Email',
  'DiaChi',
  'SoCMND',
  'SoGiayTo',
  'NguoiNop',
  'applicantName',
  'phone',
  'email',
] as const;

export function redactPersonal(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const f of PERSONAL_FIELDS) if (f in out) out[f] = '[redacted]';
  return out;
}

/** The most of a raw item the quarantine keeps, in characters of its JSON text. */
export const QUARANTINE_RAW_MAX = 8 * 1024;

export interface KeptRaw {
  /** The item, personal fields redacted; when `truncated`, the first QUARANTINE_RAW_MAX characters of its JSON text. */
  raw: unknown;
  truncated: boolean;
  /** SHA-1 (hex) of the whole redacted item's JSON text: its key when it has no other. */
  sha1: string;
}

/** A raw item as the quarantine keeps it: redacted, and capped (written without recursion, whatever its depth). */
export function keepRaw(raw: unknown): KeptRaw {
  const kept = redactPersonal(raw);
  const json = boundedJson(kept, QUARANTINE_RAW_MAX);
  return { raw: json.truncated ? json.text : kept, truncated: json.truncated, sha1: json.sha1 };
}
