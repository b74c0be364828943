/**
 * Where a stored dossier lives (README "Performance", the store's layout).
 *
 * A well-formed code (`<agency>-<YYMMDD>-<NNNN>`) names its bucket: the agency, the day and the
 * first two digits of the sequence, so a bucket holds at most 100 dossiers, under the last two
 * digits. Buckets that small stay listpack-encoded in Redis (about half the bytes of a big hash's
 * entry) and are read whole in one step, which is what makes counting a month cheap.
 *
 * A dossier sits in its bucket only while it can count in no period but those overlapping its
 * code's month and was received, if at all, in that month (`homeOnly`). Otherwise, once closed
 * (finished or returned with both dates, or never counting: submitted, refused) it sits in its
 * bucket's *closed twin*, listed under the last month it can count or was received in (`until`,
 * `closedAt`); while it can still count in every later month (open, withdrawn, stopped,
 * finished awaiting its return) in its bucket's *open twin*, listed among the province's open
 * buckets. A code of another shape is kept in one hash by code. Counting a period reads the open
 * buckets, that hash, the buckets of the months the period overlaps and the closed twins listed
 * under those months or later ones: a dossier closed before the period is not read again, so
 * what a count reads follows the period and what is still open, not the province's history.
 *
 * A code month also lists its *edge* buckets: those holding a dossier received on the month's
 * first or last day (`edge`), whatever the dossier's code day. The explanation of a period reads
 * the dossiers received a day either side of it too; in a month the period does not overlap,
 * that day is the month's first or last (`nearMonths`), so the edge buckets are all it reads of
 * that month, not the whole month. A month's edge list is complete once the month is listed
 * among the edge months: from its first bucket on, or once read whole (src/store/store.ts).
 */
import { STATUS, type CanonicalDossier } from '../../schemas/dossier.js';
import { DOSSIER_CODE } from '../domain/codes.js';
import { makePeriod, monthPeriod, type Period } from '../domain/period.js';
import { DAY_MS, formatDay } from '../domain/time.js';

export interface Place {
  /** `<agency>:<YYMMDD>:<first two digits>`, or null for a code of another shape (always open). */
  bucket: string | null;
  /** The dossier's field in its bucket: the sequence's last two digits. */
  field: string;
  /** The code's month, `YYMM`. */
  month: string;
  /**
   * Where it is kept: in its bucket (`b`), its bucket's open twin (`o`: it can count in every
   * later month; always for a code of another shape, kept in the hash by code) or closed twin (`c`).
   */
  kind: 'b' | 'o' | 'c';
  /** For `c`: the last month (`YYYYMM`) it can count or was received in (`closedAt`); '' otherwise. */
  until: string;
  /** Kept in its bucket and received on its code month's first or last day: the bucket is an edge bucket. */
  edge: boolean;
}

const months = new Map<string, Period | null>();
/** The Vietnam calendar month `YYMM` (20YY) as a period, cached; null when it is no month (`2613`). */
export function codeMonth(yymm: string): Period | null {
  let p = months.get(yymm);
  if (p === undefined) {
    const mm = Number(yymm.slice(2, 4));
    p = mm >= 1 && mm <= 12 ? monthPeriod(`20${yymm.slice(0, 2)}-${yymm.slice(2, 4)}`) : null;
    months.set(yymm, p);
  }
  return p;
}

/** The `YYMM` months a period overlaps, oldest first. */
export function monthsOf(p: Period): string[] {
  const out: string[] = [];
  for (let y = Number(p.from.slice(0, 4)), m = Number(p.from.slice(5, 7)); ;) {
    const yymm = `${String(y % 100).padStart(2, '0')}${String(m).padStart(2, '0')}`;
    out.push(yymm);
    if (yymm === `${p.to.slice(2, 4)}${p.to.slice(5, 7)}`) return out;
    if (++m === 13) [y, m] = [y + 1, 1];
  }
}

/**
 * The code months whose buckets the explanation of a period reads: `months`, those the period
 * overlaps (read whole), and `edges`, those only a day either side of it reaches (the month
 * before one starting on a month's first day, the month after one ending on a month's last):
 * their edge buckets are read.
 */
export function nearMonths(p: Period): { months: string[]; edges: string[] } {
  const months = monthsOf(p);
  const wider = monthsOf(makePeriod(formatDay(p.start - DAY_MS), formatDay(p.end)));
  return { months, edges: wider.filter((m) => !months.includes(m)) };
}

/** Whether a time falls on the first or the last day of a month. */
export function onEdge(t: number | null, month: Period): boolean {
  return t !== null && t >= month.start && t < month.end && (t < month.start + DAY_MS || t >= month.end - DAY_MS);
}

/**
 * Whether a dossier can count (`metricsOf`, under any counting rules) only in periods that
 * overlap this month, and was received, if at all, inside it: it never counts (submitted,
 * refused, not received), or it is finished or returned with its receipt, finish and return
 * all inside the month. Anything still open, or withdrawn (open unless withdrawn counts as
 * processed), can count in every later month. So the buckets of the months around a period,
 * with the open buckets and the closed twins listed under those months or later ones, hold
 * every dossier received near it (what the explanation reads, src/reconcile/gather.ts),
 * whether it counts or not.
 */
export function homeOnly(d: CanonicalDossier, month: Period): boolean {
  const inside = (t: number | null) => t !== null && t >= month.start && t < month.end;
  if (d.receivedAt === null) return true;
  if (d.status === STATUS.SUBMITTED || d.status === STATUS.REFUSED) return inside(d.receivedAt);
  if (d.status !== STATUS.FINISHED && d.status !== STATUS.RETURNED) return false;
  return inside(d.receivedAt) && inside(d.finishedAt) && inside(d.returnedAt);
}

/**
 * The last instant a dossier not kept in its bucket (`homeOnly` false) can count at, under any
 * counting rules, or was received at: its receipt for one that never counts (submitted,
 * refused), the latest of its receipt, finish and return for one finished or returned with
 * both dates (in any period starting after it, it was received before and closed before:
 * `metricsOf` gives nothing), or null for one that can count in every later month. The store
 * keeps no submission date (`receivedOn: submitted` counts by receipt there).
 */
export function closedAt(d: CanonicalDossier): number | null {
  if (d.receivedAt === null) return null;
  if (d.status === STATUS.SUBMITTED || d.status === STATUS.REFUSED) return d.receivedAt;
  if (d.status !== STATUS.FINISHED && d.status !== STATUS.RETURNED) return null;
  if (d.finishedAt === null || d.returnedAt === null) return null;
  return Math.max(d.receivedAt, d.finishedAt, d.returnedAt);
}

/**
 * The month (`YYYYMM`, Vietnam time) of an instant: what closed twins are listed under, always
 * six digits (the scripts read them so): a time before the year 0 as `000001` (before every
 * period), one after 9999 as `999912` (read by every count).
 */
export function untilMonth(t: number): string {
  const day = formatDay(t);
  const year = Number(day.slice(0, -6));
  if (!(year >= 0)) return '000001';
  if (year > 9999) return '999912';
  return day.slice(0, 4) + day.slice(5, 7);
}

/** A well-formed code's bucket, field and month (`Place`), or undefined for a code of another shape. */
export function slotOf(code: string): { bucket: string; field: string; month: string; period: Period } | undefined {
  const m = DOSSIER_CODE.exec(code);
  if (!m) return undefined;
  const [, agency, day, seq] = m as unknown as [string, string, string, string];
  const month = day.slice(0, 4);
  const period = codeMonth(month);
  return period ? { bucket: `${agency}:${day}:${seq.slice(0, 2)}`, field: seq.slice(2), month, period } : undefined;
}

export function placeOf(d: CanonicalDossier): Place {
  const slot = slotOf(d.code);
  if (!slot) return { bucket: null, field: d.code, month: '', kind: 'o', until: '', edge: false };
  const { bucket, field, month } = slot;
  if (homeOnly(d, slot.period))
    return { bucket, field, month, kind: 'b', until: '', edge: onEdge(d.receivedAt, slot.period) };
  const closed = closedAt(d);
  if (closed === null) return { bucket, field, month, kind: 'o', until: '', edge: false };
  return { bucket, field, month, kind: 'c', until: untilMonth(closed), edge: false };
}

/** The code of a bucket's field (the inverse of `placeOf`). */
export function codeIn(bucket: string, field: string): string {
  return codeHead(bucket) + field;
}

/** What the codes of a bucket's fields start with: `codeIn(bucket, field)` is it followed by the field. */
export function codeHead(bucket: string): string {
  const [agency, day, head] = bucket.split(':') as [string, string, string];
  return `${agency}-${day}-${head}`;
}

/** The code month (`YYMM`) of a bucket. */
export function monthOfBucket(bucket: string): string {
  const at = bucket.indexOf(':') + 1;
  return bucket.slice(at, at + 4);
}

/** The agency a bucket belongs to. */
export function agencyOfBucket(bucket: string): string {
  return bucket.slice(0, bucket.indexOf(':'));
}
