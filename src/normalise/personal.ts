/**
 * Applicants' personal fields (DOMAIN.md: never log them). Raw items kept in the quarantine
 * have these replaced, so the quarantine holds what is needed to fix a record, not who filed it.
 */
export const PERSONAL_FIELDS = ['ChuHoSo', 'SoDienThoai', 'Email', 'DiaChi', 'SoCMND', 'SoGiayTo', 'NguoiNop', 'applicantName', 'phone', 'email'] as const;

export function redactPersonal(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const f of PERSONAL_FIELDS) if (f in out) out[f] = '[redacted]';
  return out;
}
