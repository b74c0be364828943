/**
 * The shape of an agency code, as the configuration validates it (docs/domain.md, Agency codes).
 * What codes mean, and their province, is read in src/domain/codes.ts.
 */

/** An agency code in one of the built-in forms, e.g. `000.00.00.H49` or `H49.22`. */
export const AGENCY_CODE = /^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}\.\d{1,6})$/;

/**
 * What a configured agency code (`madonvi`, `agency`) must look like on its own: a code, 1 to
 * 80 characters without spaces. Which forms it may take (the built-in ones and those of
 * `codes.agencyPatterns`) is checked against the whole configuration (`agencyCodeForms`).
 */
export const AGENCY_CODE_SHAPE = /^\S{1,80}$/;

/**
 * The forms an agency code of the configuration may take: the built-in ones, then each
 * `codes.agencyPatterns` entry that compiles (one that does not is an error of its own).
 */
export function agencyCodeForms(patterns: readonly string[]): RegExp[] {
  const extra = patterns.map(compileAgencyPattern).filter((re): re is RegExp => typeof re !== 'string');
  return [AGENCY_CODE, ...extra];
}

/**
 * Compiles one `codes.agencyPatterns` entry (anchored to the whole code); a string saying
 * what is wrong with it when it does not compile or has no `province` group.
 */
export function compileAgencyPattern(source: string): RegExp | string {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`, 'u');
  } catch (err) {
    return `does not compile: ${(err as Error).message}`;
  }
  if (!/\(\?<province>/.test(source)) return 'has no named group "province" (the unit code, e.g. (?<province>H\\d{2}))';
  return re;
}
