/**
 * Code formats (docs/domain.md, Codes). Codes are data: these only check their shape and read the
 * province (level-1 unit code, `Hxx`) out of them.
 *
 * An agency code is accepted in either form the national portal writes:
 * - QCVN 102:2016 `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.00.H49`;
 * - the portal's own id: unit code, a dot, digits, e.g. `H49.22` (`MaCoQuanThucHien`);
 * and in any form `codes.agencyPatterns` adds (a regular expression with a named group
 * `province`). A dossier code is `<agency code>-<YYMMDD>-<4-digit sequence>` with the agency
 * in any accepted form. The shape of an agency code, as the configuration checks it, is in
 * schemas/codes.ts.
 */
import { compileAgencyPattern } from '../../schemas/codes.js';

const QCVN = String.raw`\d{3}\.\d{2}\.\d{2}\.(?<province>[A-Z]\d{2})`;
const PORTAL = String.raw`(?<province>[A-Z]\d{2})\.\d{1,6}`;

/** Dossier code (Circular 01/2018): `<agency code>-<YYMMDD>-<4-digit sequence>`, agency in a built-in form. */
export const DOSSIER_CODE = /^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}\.\d{1,6})-(\d{6})-(\d{4})$/;

/** What follows the agency in a dossier code (`-YYMMDD-nnnn`): its length, and where its two dashes are. */
const TAIL = 12;
const isDigit = (c: number) => c >= 48 && c <= 57;
/** A line terminator, which no agency part may hold (it is not `.` in a regular expression). */
const LINE_END = /[\n\r\u2028\u2029]/;
/** Agencies remembered per form set (their number is small; past it the memory starts over). */
const REMEMBERED_AGENCIES = 4096;

/** The agency-code forms in use: the built-in ones, then the configured ones in order. */
export class CodeForms {
  private readonly forms: readonly RegExp[];

  /** `patterns`: `codes.agencyPatterns`, already validated by the configuration schema. */
  constructor(readonly patterns: readonly string[] = []) {
    const extra = patterns.map((p) => {
      const re = compileAgencyPattern(p);
      if (typeof re === 'string') throw new RangeError(`codes.agencyPatterns: ${JSON.stringify(p)} ${re}`);
      return re;
    });
    this.forms = [new RegExp(`^${QCVN}$`), new RegExp(`^${PORTAL}$`), ...extra];
  }

  private readonly known = new Map<string, string | undefined>();

  /** The province (`Hxx`) an agency code belongs to, or undefined when no form matches. */
  provinceOfAgency(agency: string): string | undefined {
    const known = this.known.get(agency);
    if (known !== undefined || this.known.has(agency)) return known;
    let province: string | undefined;
    for (const re of this.forms) {
      province = re.exec(agency)?.groups?.province || undefined;
      if (province) break;
    }
    if (this.known.size >= REMEMBERED_AGENCIES) this.known.clear();
    this.known.set(agency, province);
    return province;
  }

  isAgency(code: string): boolean {
    return this.provinceOfAgency(code) !== undefined;
  }

  /** `agencyOfDossierCode`'s answers by the code's agency part (null: not an agency). */
  private readonly ofCodes = new Map<string, string | null>();

  /** The agency part of a dossier code when it is an agency code in an accepted form, or undefined. */
  agencyOfDossierCode(code: string): string | undefined {
    const n = code.length;
    if (n <= TAIL || code.charCodeAt(n - TAIL) !== 45 || code.charCodeAt(n - 5) !== 45) return undefined; // '-'
    for (let i = n - TAIL + 1; i < n; i++) if (i !== n - 5 && !isDigit(code.charCodeAt(i))) return undefined;
    const part = code.slice(0, n - TAIL);
    const seen = this.ofCodes.get(part);
    if (seen !== undefined) return seen ?? undefined;
    const agency = LINE_END.test(part) || !this.isAgency(part) ? null : part;
    if (this.ofCodes.size >= REMEMBERED_AGENCIES) this.ofCodes.clear();
    this.ofCodes.set(part, agency);
    return agency ?? undefined;
  }
}

/**
 * The built-in forms only: the default of whatever is handed no forms, and what the store
 * packs records by (src/store/pack.ts), whatever the configuration.
 */
export const BUILT_IN_CODE_FORMS = new CodeForms();

/** The forms of a configuration's `codes.agencyPatterns`: the built-in ones when it adds none. */
export function codeForms(patterns: readonly string[] = []): CodeForms {
  return patterns.length ? new CodeForms(patterns) : BUILT_IN_CODE_FORMS;
}

/** The province (`Hxx`) of an agency code in a built-in form, or undefined. */
export function provinceOfAgency(agency: string): string | undefined {
  return BUILT_IN_CODE_FORMS.provinceOfAgency(agency);
}

/** The root agency of a province: its People's Committee, `000.00.00.Hxx`. */
export function rootAgency(province: string): string {
  return `000.00.00.${province}`;
}

/** The agency prefix (built-in form) of a well-formed dossier code, or undefined. */
export function agencyOfDossierCode(code: string): string | undefined {
  return BUILT_IN_CODE_FORMS.agencyOfDossierCode(code);
}

/** The dossier code a raw item carries (`MaHoSo` in the dvcqg dialect, `code` in rest), or '' (a quarantined item may have none). */
export function rawItemCode(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const r = raw as Record<string, unknown>;
  const code = r.MaHoSo ?? r.code;
  return typeof code === 'string' ? code : '';
}
