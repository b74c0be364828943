/**
 * What both normalisers check field by field: the shape of codes and the range of dates.
 * A check that fails throws `Reject`, whose message is the quarantine reason: it names the
 * field first, then what is wrong with it.
 */
import { formatDay, parseDay } from '../domain/time.js';
import { DEFAULT_DATE_LIMITS, type DateLimits } from '../../schemas/limits.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Normalised } from '../domain/normalised.js';

export class Reject extends Error {}

/**
 * The accepted shape of a dossier, procedure or agency code: letters (any script, with their
 * marks), digits and `.`, `_`, `-`, `/`, 1 to 80 characters (after Unicode NFC and
 * trimming). Anything else,
 * such as whitespace, control characters, `:`, `|`, `@` or quotes, could become syntax in a
 * key or an identifier further on, so such an item is quarantined instead.
 */
export const CODE_SHAPE = /^[\p{L}\p{M}\p{N}._\/-]{1,80}$/u;
/** The usual code: ASCII letters, digits and . _ - /, already in NFC and trimmed (a shortcut, same verdict as CODE_SHAPE). */
const ASCII_CODE = /^[A-Za-z0-9._\/-]{1,80}$/;

/** A code field, trimmed and in NFC; throws `Reject` naming the field when it is not a code. */
export function codeField(value: string, field: string): string {
  if (ASCII_CODE.test(value)) return value;
  const v = value.normalize('NFC').trim();
  if (v === '') throw new Reject(`${field}: empty`);
  if (!CODE_SHAPE.test(v)) {
    const why = v.length > 80 ? `longer than 80 characters` : `only letters, digits and . _ - / are accepted`;
    throw new Reject(`${field}: ${JSON.stringify(v.slice(0, 40))} is not a code (${why})`);
  }
  return v;
}

/** The quarantine reason (after the field's name) of a code that is in no accepted agency-code form. */
export function notAnAgency(code: string): string {
  return `${JSON.stringify(code.slice(0, 40))} is not an agency code (000.00.00.H49, H49.22 or a form of codes.agencyPatterns)`;
}

/**
 * The date range an item's dates must fall in: [earliest, now + skew] for times of things
 * that have happened, [earliest, dueBefore) for due dates. `now` is read for each item, so a
 * long pull keeps its bound current; tests pass their own clock.
 */
export class DateBounds {
  private readonly earliest: number;
  private readonly dueBefore: number;
  private readonly skewMs: number;

  constructor(
    private readonly limits: DateLimits = DEFAULT_DATE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    const earliest = parseDay(limits.earliest);
    const dueBefore = parseDay(limits.dueBefore);
    if (earliest === undefined || dueBefore === undefined)
      throw new RangeError(`dates: not YYYY-MM-DD days: ${limits.earliest}, ${limits.dueBefore}`);
    this.earliest = earliest;
    this.dueBefore = dueBefore;
    this.skewMs = limits.skewHours * 3600_000;
  }

  /**
   * The latest time (epoch ms) a thing may have happened: now + the clock skew. The store
   * reads a stored version after it as unreadable (`Store`, src/store/store.ts).
   */
  latest(): number {
    return this.now() + this.skewMs;
  }

  /**
   * Throws `Reject` naming the field and the bound when `ms` is out of range. `latest`: the
   * item's `latest()`, read once for all its dates.
   */
  check(field: string, ms: number, kind: 'past' | 'due', latest: number): number {
    if (ms < this.earliest)
      throw new Reject(
        `${field}: ${formatDay(ms)} is before the earliest accepted date ${this.limits.earliest} (dates.earliest)`,
      );
    if (kind === 'due') {
      if (ms >= this.dueBefore)
        throw new Reject(`${field}: ${formatDay(ms)} is not before ${this.limits.dueBefore} (dates.dueBefore)`);
    } else {
      if (ms > latest) {
        throw new Reject(
          `${field}: ${new Date(ms).toISOString()} is after now + ${this.limits.skewHours} h of clock skew (${new Date(latest).toISOString()}, dates.skewHours)`,
        );
      }
    }
    return ms;
  }
}

export const DEFAULT_DATE_BOUNDS = new DateBounds();

/**
 * A date field's value (`raw`, the item's `field`): null when absent or blank; `parse` reads
 * the dialect's form (`form` names it in the reason); the result must be within `bounds`
 * (`latest`: the item's `bounds.latest()`, read once for all its dates). Throws `Reject`.
 * The caller reads the field by name (`item.NgayTiepNhan`), not this function by a key: one
 * shared keyed read of every date field of every item was among the costliest steps of a
 * national list.
 */
export function dateField(
  raw: unknown,
  field: string,
  bounds: DateBounds,
  parse: (value: string) => number | undefined,
  form: string,
  kind: 'past' | 'due',
  latest: number,
): number | null {
  if (raw === undefined || raw === null) return null;
  const text = typeof raw === 'string' ? raw : String(raw);
  // the usual value needs no trimming: a value the form reads as it stands has nothing to trim
  let ms = parse(text);
  if (ms === undefined) {
    const value = text.trim();
    if (value === '') return null;
    ms = parse(value);
    if (ms === undefined) throw new Reject(`${field}: "${value.slice(0, 40)}" is not ${form}`);
  }
  return bounds.check(field, ms, kind, latest);
}

/**
 * A procedure code field (`codeField`) in its national form, when the source's map knows it
 * (the national form is a code too, checked as the field).
 */
export function procedureField(
  value: string,
  field: string,
  map: Readonly<Record<string, string>> | undefined,
): string {
  const local = codeField(value, field);
  const national = mapProcedure(local, map);
  return national === local ? local : codeField(national, field);
}

/** A local procedure code in its national form, when the source's map knows it. */
export function mapProcedure(local: string, map: Readonly<Record<string, string>> | undefined): string {
  return map && Object.hasOwn(map, local) ? map[local]! : local;
}

/** What a normaliser's checks make of an item: the dossier `build` returns, or the reason of the `Reject` it throws. */
export function normalisedBy(build: () => CanonicalDossier): Normalised {
  try {
    return { ok: true, dossier: build() };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, reason: err.message };
    throw err;
  }
}
