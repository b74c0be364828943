import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFile } from '../../schemas/config.js';
import { CodeForms, agencyOfDossierCode, provinceOfAgency } from '../../src/domain/codes.js';
import { compileAgencyPattern } from '../../schemas/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg, toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { normaliseRest, statusMapOf, toRestItem } from '../../src/dialects/rest/normalise.js';
import { DEFAULT_REST_STATUS_NAMES } from '../../src/sim/rest-server.js';
import { agencyOfBucket, codeIn, slotOf } from '../../src/store/layout.js';
import { pack, unpack } from '../../src/store/pack.js';
import { fullDossier } from '../helpers/fixtures.js';

const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
const province = fc.tuple(fc.constantFrom(...'ABCDEFGHXYZ'), digits(2)).map(([l, d]) => `${l}${d}`);
const qcvn = fc
  .record({ a: digits(3), b: digits(2), c: digits(2), p: province })
  .map(({ a, b, c, p }) => ({ code: `${a}.${b}.${c}.${p}`, p }));
const portal = fc
  .record({ p: province, n: fc.stringMatching(/^\d{1,6}$/) })
  .map(({ p, n }) => ({ code: `${p}.${n}`, p }));
const agency = fc.oneof(qcvn, portal);
const dossierCode = (a: string, day: string, seq: string) => `${a}-${day}-${seq}`;
const dossierOf = fc
  .tuple(agency, digits(6), digits(4))
  .map(([a, day, seq]) => ({ ...a, dossier: dossierCode(a.code, day, seq) }));

/** A form of codes.agencyPatterns: `HCM-<unit>-<digits>`. */
const CUSTOM = String.raw`HCM-(?<province>H\d{2})-\d+`;

describe('agency and dossier codes in both forms', () => {
  it('every accepted agency form parses back to its province', () => {
    fc.assert(fc.property(agency, ({ code, p }) => provinceOfAgency(code) === p));
    expect(provinceOfAgency('H49.22')).toBe('H49');
    expect(provinceOfAgency('H55.242')).toBe('H55');
    expect(provinceOfAgency('000.00.00.H49')).toBe('H49');
  });

  it('the agency of a dossier code built from an agency code is that agency code', () => {
    fc.assert(fc.property(dossierOf, ({ code, dossier }) => agencyOfDossierCode(dossier) === code));
    expect(agencyOfDossierCode('H49.22-261015-0001')).toBe('H49.22');
    expect(agencyOfDossierCode('000.00.14.H49-261015-0001')).toBe('000.00.14.H49');
  });

  it('unrecognised codes have no province and no agency, never a throw', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = provinceOfAgency(s);
        const a = agencyOfDossierCode(s);
        return (p === undefined || /^[A-Z]\d{2}$/.test(p)) && (a === undefined || s.startsWith(`${a}-`));
      }),
    );
    for (const s of ['H49', 'H49.', '49.22', 'H49.22.1', '000.00.00.H4', 'HS-2026-0001', 'H49.22-261015-001']) {
      expect(provinceOfAgency(s) ?? agencyOfDossierCode(s)).toBeUndefined();
    }
  });

  it('the agency of a dossier code is what precedes -YYMMDD-nnnn, as /^(.+)-\\d{6}-\\d{4}$/ reads it', () => {
    const TAIL = /^(.+)-\d{6}-\d{4}$/;
    const reference = (forms: CodeForms, s: string) => {
      const a = TAIL.exec(s)?.[1];
      return a !== undefined && forms.isAgency(a) ? a : undefined;
    };
    const wide = new CodeForms([String.raw`(?<province>H\d{2})[\s\S]*`]); // a form that would take a line end
    const tail = fc.tuple(fc.constantFrom('-', 'x', '\n'), digits(6), fc.constantFrom('-', '.'), digits(4));
    const candidate = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.oneof(
            agency.map((a) => a.code),
            fc.string(),
          ),
          tail,
        )
        .map(([a, t]) => a + t.join('')),
      fc.tuple(fc.constantFrom('H49\n2', 'H49\u2028', ''), tail).map(([a, t]) => a + t.join('')),
    );
    fc.assert(
      fc.property(candidate, (s) => {
        expect(agencyOfDossierCode(s)).toBe(reference(new CodeForms(), s));
        expect(wide.agencyOfDossierCode(s)).toBe(reference(wide, s));
      }),
      { numRuns: 2000 },
    );
  });

  it('the agency parts it has answered for are remembered: the same answers again, agencies or not, past the memory', () => {
    const forms = new CodeForms([String.raw`(?<province>H\d{2})\.[a-z]{2}`]);
    const asked = (part: string, n: number) =>
      forms.agencyOfDossierCode(`${part}-261015-${String(n).padStart(4, '0')}`);
    // more distinct parts than are remembered (4096), agencies of this form and not, asked twice each
    const parts = Array.from(
      { length: 5000 },
      (_, i) =>
        `H${String(i % 100).padStart(2, '0')}.${i % 3 ? 'a' : 'B'}${'abcdefghij'[i % 10]}${i >= 100 ? `.${i}` : ''}`,
    );
    const first = parts.map((p, i) => asked(p, i % 10_000));
    expect(first.filter((a) => a !== undefined).length).toBeGreaterThan(0);
    expect(first.filter((a) => a === undefined).length).toBeGreaterThan(0);
    parts.forEach((p, i) => {
      const expected = new RegExp(String.raw`^H\d{2}\.[a-z]{2}$`).test(p) ? p : undefined;
      expect(first[i]).toBe(expected);
      expect(asked(p, (i + 7) % 10_000)).toBe(expected);
    });
  });

  it('a configured pattern adds a form; the built-in forms stay', () => {
    const forms = new CodeForms([CUSTOM]);
    expect(forms.provinceOfAgency('HCM-H79-12')).toBe('H79');
    expect(forms.agencyOfDossierCode('HCM-H79-12-261015-0001')).toBe('HCM-H79-12');
    expect(forms.provinceOfAgency('H49.22')).toBe('H49');
    expect(provinceOfAgency('HCM-H79-12')).toBeUndefined(); // not a built-in form
    fc.assert(
      fc.property(
        province,
        fc.nat(),
        (p, n) => forms.provinceOfAgency(`HCM-${p.replace(/^./, 'H')}-${n}`) === p.replace(/^./, 'H'),
      ),
    );
  });

  it('pack and unpack round-trip with the agency in either form, named by the code or not', () => {
    fc.assert(
      fc.property(dossierOf, agency, fc.boolean(), (d, other, same) => {
        const dossier = { ...fullDossier, code: d.dossier, agency: same ? d.code : other.code };
        const packed = pack(dossier);
        if (same && packed.split('|')[2] !== '') return false; // the code names the agency: left out
        expect(unpack(dossier.code, packed)).toEqual(dossier);
        return true;
      }),
    );
  });

  it('a dossier code in either form has its bucket in the store, which gives the code and agency back', () => {
    fc.assert(
      fc.property(dossierOf, ({ code, dossier }) => {
        const slot = slotOf(dossier);
        if (!slot) return dossier.slice(-9, -7) === '00' || Number(dossier.slice(-9, -7)) > 12; // no month: another shape
        return codeIn(slot.bucket, slot.field) === dossier && agencyOfBucket(slot.bucket) === code;
      }),
    );
    expect(slotOf('H49.22-261015-0001')?.bucket).toBe('H49.22:261015:00');
  });
});

describe('normalisers with both forms', () => {
  const rest = { statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES) };

  it('accept the portal form of the agency and of the dossier code', () => {
    const d = { ...fullDossier, code: 'H49.22-261015-0001', agency: 'H49.22' };
    const r = normaliseRest(toRestItem(d, DEFAULT_REST_STATUS_NAMES), rest);
    expect(r).toEqual({ ok: true, dossier: d });
    const item = { ...toDvcqgItem(d), DonViXuLy: '' };
    expect(normaliseDvcqg(item, { statusMap: IDENTITY_STATUS_MAP })).toEqual({ ok: true, dossier: d });
  });

  it('quarantine an unrecognised agency code with a reason naming the field', () => {
    const d = { ...fullDossier, agency: 'UBND-49' };
    const r = normaliseRest(toRestItem(d, DEFAULT_REST_STATUS_NAMES), rest);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^agencyCode: "UBND-49" is not an agency code/) });
    // DonViXuLy may be a name: the dossier code's agency stands in; with neither, quarantined.
    expect(normaliseDvcqg(toDvcqgItem(d), { statusMap: IDENTITY_STATUS_MAP })).toEqual({
      ok: true,
      dossier: { ...d, agency: '000.00.14.H56' },
    });
    const v = normaliseDvcqg({ ...toDvcqgItem(d), MaHoSo: 'HS-0001' }, { statusMap: IDENTITY_STATUS_MAP });
    expect(v).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^DonViXuLy: "UBND-49" is not an agency code .*, and MaHoSo does not start with one/,
      ),
    });
    // Outside the character set: still the character-set reason.
    const w = normaliseRest({ ...toRestItem(d, DEFAULT_REST_STATUS_NAMES), agencyCode: 'H49 22' }, rest);
    expect(w).toEqual({ ok: false, reason: expect.stringMatching(/^agencyCode: "H49 22" is not a code/) });
  });

  it('accept a form of codes.agencyPatterns only when configured', () => {
    const d = { ...fullDossier, code: 'HCM-H79-12-261015-0001', agency: 'HCM-H79-12' };
    const item = toRestItem(d, DEFAULT_REST_STATUS_NAMES);
    expect(normaliseRest(item, rest).ok).toBe(false);
    expect(normaliseRest(item, { ...rest, codes: new CodeForms([CUSTOM]) })).toEqual({ ok: true, dossier: d });
    const bare = { ...toDvcqgItem(d), DonViXuLy: '' };
    expect(normaliseDvcqg(bare, { statusMap: IDENTITY_STATUS_MAP })).toEqual({
      ok: false,
      reason: expect.stringMatching(/^DonViXuLy: no agency code/),
    });
    expect(normaliseDvcqg(bare, { statusMap: IDENTITY_STATUS_MAP, codes: new CodeForms([CUSTOM]) })).toEqual({
      ok: true,
      dossier: d,
    });
  });
});

describe('codes.agencyPatterns in the configuration', () => {
  const base = {
    sources: [
      {
        id: 'h49',
        province: 'H49',
        dialect: 'dvcqg',
        baseUrl: 'http://127.0.0.1:1',
        usernameEnv: 'U',
        passwordEnv: 'P',
      },
    ],
    national: { baseUrl: 'http://127.0.0.1:2', usernameEnv: 'U', passwordEnv: 'P' },
  };
  const issues = (codes: unknown) => {
    const r = configFile.safeParse({ ...base, codes });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts patterns with a province group, and defaults to none', () => {
    expect(issues({ agencyPatterns: [CUSTOM] })).toEqual([]);
    expect(configFile.parse(base).codes.agencyPatterns).toEqual([]);
  });

  it('names a pattern that does not compile or lacks the province group', () => {
    expect(issues({ agencyPatterns: [CUSTOM, 'H(\\d{2}'] })).toEqual([
      expect.stringMatching(/^codes\.agencyPatterns\.1: "H\(\\\\d\{2\}" does not compile/),
    ]);
    expect(issues({ agencyPatterns: ['(?<unit>H\\d{2})\\.\\d+'] })).toEqual([
      expect.stringMatching(/^codes\.agencyPatterns\.0: .* has no named group "province"/),
    ]);
    expect(issues({ agencyPattern: [] })).toEqual([expect.stringContaining('agencyPattern')]);
    expect(compileAgencyPattern(CUSTOM)).toBeInstanceOf(RegExp);
  });

  it("takes a source's madonvi or agency in a configured form, and names one in no form", () => {
    const withSource = (fields: Record<string, string>, codes: unknown) => {
      const r = configFile.safeParse({ ...base, sources: [{ ...base.sources[0], ...fields }], codes });
      return r.success ? r.data : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const parsed = withSource({ madonvi: 'HCM-H49-12' }, { agencyPatterns: [CUSTOM] });
    expect(Array.isArray(parsed) ? parsed : parsed.sources[0]).toMatchObject({ madonvi: 'HCM-H49-12' });
    expect(withSource({ madonvi: '000.00.12.H49' }, { agencyPatterns: [CUSTOM] })).not.toBeInstanceOf(Array);
    // the same code without the pattern, and a code in no form with it
    expect(withSource({ madonvi: 'HCM-H49-12' }, undefined)).toEqual([
      'sources.0.madonvi: "HCM-H49-12" is not an agency code: it fits neither 000.00.00.H49, H49.22 nor a form of codes.agencyPatterns',
    ]);
    expect(withSource({ madonvi: 'HCM-X49-12' }, { agencyPatterns: [CUSTOM] })).toEqual([
      expect.stringMatching(/^sources\.0\.madonvi: "HCM-X49-12" is not an agency code/),
    ]);
    const { usernameEnv: _u, passwordEnv: _p, ...common } = base.sources[0]!;
    const rest = {
      ...common,
      dialect: 'rest',
      tokenUrl: 'http://127.0.0.1:3/token',
      clientIdEnv: 'C',
      clientSecretEnv: 'S',
      statusMap: { done: 9 },
      agency: 'HCM-H49-7',
    };
    const restCfg = (codes: unknown) => {
      const r = configFile.safeParse({ ...base, sources: [rest], codes });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(restCfg({ agencyPatterns: [CUSTOM] })).toEqual([]);
    expect(restCfg(undefined)).toEqual([
      expect.stringMatching(/^sources\.0\.agency: "HCM-H49-7" is not an agency code/),
    ]);
  });
});
