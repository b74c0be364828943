/** Code formats of DOMAIN.md. Codes are data: these only check their shape. */

/** Agency code (QCVN 102:2016): `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.00.H49`. */
export const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

/** Dossier code (Circular 01/2018): `<agency code>-<YYMMDD>-<4-digit sequence>`. */
export const DOSSIER_CODE = /^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4})$/;

/** The province (`Hxx`) an agency code belongs to: its level-1 unit segment. */
export function provinceOfAgency(agency: string): string {
  return agency.slice(-3);
}

/** The root agency of a province: its People's Committee, `000.00.00.Hxx`. */
export function rootAgency(province: string): string {
  return `000.00.00.${province}`;
}

/** The agency prefix of a well-formed dossier code, or undefined. */
export function agencyOfDossierCode(code: string): string | undefined {
  return DOSSIER_CODE.exec(code)?.[1];
}

/** The dossier code a raw item carries (`MaHoSo` in the dvcqg dialect, `code` in rest), or '' (a quarantined item may have none). */
export function rawItemCode(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const r = raw as Record<string, unknown>;
  const code = r.MaHoSo ?? r.code;
  return typeof code === 'string' ? code : '';
}
