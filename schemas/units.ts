import { z } from 'zod';
import data from '../data/provincial-units.json' with { type: 'json' };

/**
 * The level-1 unit registry (`data/provincial-units.json`): provinces and centrally-run
 * cities with their QCVN 102:2016 agency-code segment (`H` + two digits) and validity dates.
 * Dates are Vietnam calendar days, `YYYY-MM-DD`, both ends inclusive.
 */

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A level-1 People's Committee segment, e.g. `H49`. */
export const unitCode = z.string().regex(/^H\d{2}$/, 'level-1 unit code: H + two digits');

/** A Vietnam calendar day, `YYYY-MM-DD`. */
export const isoDay = z.string().regex(DAY, 'date: YYYY-MM-DD');

/** Whether `v` is a calendar day `YYYY-MM-DD` that exists (a year from 100 on). */
export function isCalendarDay(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** A Vietnamese name, stored in Unicode NFC (the same text can be NFD elsewhere). */
export const nfcName = z
  .string()
  .min(1)
  .refine((s) => s === s.normalize('NFC'), 'name must be NFC-normalised');

export const unitKind = z.enum(['province', 'city']);

export const unitSource = z.object({
  id: z.string().min(1),
  kind: z.enum(['regulation', 'page', 'code']),
  title: z.string().min(1),
  url: z.string().nullable(),
  /** How much of it was read: the evidence behind the data, stated plainly. */
  read: z.string().min(1),
});
export type UnitSource = z.infer<typeof unitSource>;

export const unitRecord = z
  .object({
    code: unitCode,
    name: nfcName,
    kind: unitKind,
    /** First day the code is valid; null = valid since before this registry. */
    validFrom: isoDay.nullable(),
    /** Last day the code is valid; null = still valid. */
    validTo: isoDay.nullable(),
    /** The code of the unit this one is, or became part of, after its last day; itself when kept;
     * null when that code is not confirmed. */
    successor: unitCode.nullable(),
    /** The name of that unit (always known from the merger resolution). */
    successorName: nfcName,
    /** Ids into `sources` confirming the code. */
    sources: z.array(z.string()).min(1),
    note: z.string().optional(),
  })
  .refine((u) => u.validFrom === null || u.validTo === null || u.validFrom <= u.validTo, {
    message: 'validFrom after validTo',
  })
  .refine((u) => (u.validTo === null) === (u.successor === u.code), {
    message: 'a still-valid code is its own successor, a closed one is not',
  });
export type UnitRecord = z.infer<typeof unitRecord>;

/**
 * A unit the operator adds or overrides (`units` in the configuration), for codes the shipped
 * registry lacks. `mergedInto` is the unit it became part of after `validTo` (a code in the
 * shipped registry or in `units`; the configuration checks that).
 */
export const configuredUnit = z
  .strictObject({
    code: unitCode,
    name: nfcName,
    kind: unitKind.default('province'),
    validFrom: isoDay.nullable().default(null),
    validTo: isoDay.nullable().default(null),
    mergedInto: unitCode.nullable().default(null),
  })
  .refine((u) => u.validFrom === null || u.validTo === null || u.validFrom <= u.validTo, {
    message: 'validTo is before validFrom',
    path: ['validTo'],
  })
  .refine((u) => u.mergedInto === null || u.validTo !== null, {
    message: 'a unit merged into another has a last day (validTo)',
    path: ['mergedInto'],
  });
export type ConfiguredUnit = z.infer<typeof configuredUnit>;

export const merger = z.object({
  /** The unit valid from the merger date. */
  name: nfcName,
  kind: unitKind,
  /** Its code when confirmed (the code of the predecessor whose name it keeps). */
  code: unitCode.nullable(),
  /** The predecessor whose name (and code) it keeps, or null for a new name. */
  keepsCodeOf: nfcName.nullable(),
  predecessors: z.array(nfcName).min(1),
});
export type Merger = z.infer<typeof merger>;

export const unitRegistryFile = z
  .object({
    $comment: z.string().optional(),
    /** First day of the post-merger registry (Resolution 202/2025/QH15). */
    mergerDate: isoDay,
    sources: z.array(unitSource).min(1),
    units: z.array(unitRecord),
    /** Pre-merger units whose code no source read confirmed: names only. */
    unconfirmed: z.array(nfcName),
    mergers: z.array(merger),
  })
  .superRefine((file, ctx) => {
    const codes = new Set<string>();
    const sourceIds = new Set(file.sources.map((s) => s.id));
    for (const [i, u] of file.units.entries()) {
      if (codes.has(u.code))
        ctx.addIssue({ code: 'custom', path: ['units', i, 'code'], message: `duplicate code ${u.code}` });
      codes.add(u.code);
      for (const s of u.sources) {
        if (!sourceIds.has(s))
          ctx.addIssue({ code: 'custom', path: ['units', i, 'sources'], message: `unknown source ${s}` });
      }
    }
    const byCode = new Map(file.units.map((u) => [u.code, u]));
    for (const [i, u] of file.units.entries()) {
      if (u.successor === null || u.successor === u.code) continue;
      const next = byCode.get(u.successor);
      if (!next) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'successor'],
          message: `successor ${u.successor} is not in the registry`,
        });
      } else if (u.validTo !== null && next.validTo !== null && next.validTo <= u.validTo) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'successor'],
          message: `successor ${u.successor} closes before ${u.code}`,
        });
      }
    }
    const names = new Set(file.units.map((u) => u.name));
    for (const [i, n] of file.unconfirmed.entries()) {
      if (names.has(n))
        ctx.addIssue({ code: 'custom', path: ['unconfirmed', i], message: `${n} is both confirmed and unconfirmed` });
    }
    // The merger list and the units agree (Decision 09/2025/QĐ-TTg): a merged unit has the code
    // of the predecessor whose name it keeps; a predecessor keeps its code if and only if it
    // is that one, and otherwise closes into the merged unit.
    const codeOf = new Map(file.units.map((u) => [u.name, u.code]));
    const mergerOf = new Map(file.mergers.flatMap((m) => m.predecessors.map((p) => [p, m] as const)));
    for (const [i, m] of file.mergers.entries()) {
      const kept = m.keepsCodeOf === null ? null : (codeOf.get(m.keepsCodeOf) ?? null);
      if (m.code !== kept)
        ctx.addIssue({
          code: 'custom',
          path: ['mergers', i, 'code'],
          message: `${m.name} keeps the code of ${m.keepsCodeOf ?? 'no predecessor'}: ${kept ?? 'null'}, not ${m.code ?? 'null'}`,
        });
    }
    for (const [i, u] of file.units.entries()) {
      const m = mergerOf.get(u.name);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'name'],
          message: `${u.name} is not a predecessor of any merged unit`,
        });
        continue;
      }
      if (u.successorName !== m.name)
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'successorName'],
          message: `${u.name} became part of ${m.name}, not ${u.successorName}`,
        });
      const keeps = m.keepsCodeOf === u.name;
      if (keeps !== (u.validTo === null))
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'validTo'],
          message: keeps ? `${u.name} keeps its code` : `${u.name}'s code closes when it merges into ${m.name}`,
        });
      if (!keeps && u.successor !== m.code)
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'successor'],
          message: `${u.name} closes into ${m.name}, whose code is ${m.code ?? 'not confirmed (null)'}`,
        });
    }
  });
export type UnitRegistryFile = z.infer<typeof unitRegistryFile>;

/** The shipped registry (`data/provincial-units.json`), validated once at load: a broken file fails fast instead of mapping codes wrongly. */
export const SHIPPED_UNITS: UnitRegistryFile = unitRegistryFile.parse(data);
