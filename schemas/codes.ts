/**
 * The shape of an agency code, as the configuration validates it (docs/domain.md, Agency codes).
 * What codes mean, and their province, is read in src/domain/codes.ts.
 */

/** An agency code in one of the built-in forms, e.g. `000.00.00.H49` or `H49.22`. */
export const AGENCY_CODE = /^(?:\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}\.\d{1,6})$/;

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
