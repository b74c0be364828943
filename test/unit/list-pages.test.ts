/**
 * A national list page read in the store thread (`readAsColumns`: from its bytes, the kept
 * dossiers handed back as columns) gives what reading it here gives (`listPageReader`'s
 * `items`): the same records, digest, unreadable items, kept dossiers (strictly, field for
 * field) and the same "only if stored" marks; and what is kept follows the pass's rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { toDvcqgItem } from '../../src/dialects/dvcqg/normalise.js';
import { BUILT_IN_CODE_FORMS, CodeForms } from '../../src/domain/codes.js';
import { monthPeriod } from '../../src/domain/period.js';
import { DEFAULT_RULES, metricsOf } from '../../src/reconcile/counting.js';
import {
  keptAt,
  keptCode,
  listPageReader,
  readAsColumns,
  type KeptPage,
  type ListContext,
} from '../../src/reconcile/list-pages.js';
import { receivedIn } from '../../src/reconcile/read-local.js';
import { VariantCounter } from '../../src/reconcile/variants.js';
import { vn } from '../helpers/fixtures.js';

const DAY = 86_400_000;
const PERIOD = monthPeriod('2026-03');
const ROOT = '000.00.00.H49';
/** The last in a form of `codes.agencyPatterns` (PATTERN): with the built-in forms alone, its codes name no agency. */
const AGENCIES = [ROOT, '000.00.12.H49', '000.00.31.H49', 'HCM-H49-7'];
const PATTERN = String.raw`HCM-(?<province>H\d{2})-\d+`;
const T0 = vn('2026-03-01T00:00:00');
const yymmdd = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(2, 10).replaceAll('-', '');

/** Around the period: two months before it to a week after. */
const instant = fc.integer({ min: -60 * 24, max: 38 * 24 }).map((h) => T0 + h * 3_600_000);
const maybe = fc.option(instant, { nil: null });
const dossier: fc.Arbitrary<CanonicalDossier> = fc
  .record({
    agency: fc.constantFrom(...AGENCIES),
    day: fc.integer({ min: -60, max: 38 }),
    seq: fc.integer({ min: 0, max: 9999 }),
    odd: fc.integer({ min: 0, max: 9 }),
    procedure: fc.constantFrom('1.008429', '2.001234', '1.000001'),
    status: fc.integer({ min: 1, max: 10 }),
    channel: fc.constantFrom(null, 1, 2, 3),
    digitised: fc.boolean(),
    paidOnline: fc.boolean(),
    receivedAt: maybe,
    dueAt: maybe,
    finishedAt: maybe,
    returnedAt: maybe,
    submittedAt: fc.option(instant, { nil: undefined }),
    updatedAt: instant,
  })
  .map(({ day, seq, odd, submittedAt, ...d }) => ({
    ...d,
    // a code of the usual form, or one that names no agency
    code: odd === 0 ? `ODD-${seq}` : `${d.agency}-${yymmdd(T0 + day * DAY)}-${String(seq).padStart(4, '0')}`,
    channel: d.channel as CanonicalDossier['channel'],
    ...(submittedAt === undefined ? {} : { submittedAt }),
  }));
/** A list item: a dossier on the wire, or one that cannot be read. */
const item = fc.oneof(
  { weight: 12, arbitrary: dossier.map((d) => toDvcqgItem(d) as unknown) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ MaHoSo: 5 }, null, 'x', { MaHoSo: 'A-1', TrangThaiHoSo: '99' }) },
);

const context = (asked: string, patterns: readonly string[] = []): ListContext => ({
  asked,
  root: ROOT,
  period: PERIOD,
  rules: DEFAULT_RULES,
  near: { start: PERIOD.start - DAY, end: PERIOD.end + DAY },
  patterns,
});
const bytesOf = (items: unknown[]) => Buffer.from(JSON.stringify(items).slice(1, -1));
const rows = (page: KeptPage) => Array.from(page.onlyIfStored, (_, i) => keptAt(page, i));

describe('list pages', () => {
  it('read in the store thread give what they give read here, field for field', () => {
    const other = new CodeForms([PATTERN]);
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 60 }),
        fc.constantFrom(...AGENCIES),
        fc.boolean(),
        (items, asked, otherForms) => {
          const forms = otherForms ? other : BUILT_IN_CODE_FORMS;
          const c = context(asked, forms.patterns);
          const there = readAsColumns(bytesOf(items), c);
          const here = listPageReader(c).items(items);
          expect(there.records).toBe(items.length);
          expect(there.records).toBe(here.records);
          expect(there.digest).toBe(here.digest);
          expect(there.value.unreadable).toBe(here.value.unreadable);
          expect(there.value.onlyIfStored).toEqual(here.value.onlyIfStored);
          expect(rows(there.value)).toStrictEqual(rows(here.value));
          expect(Array.from(there.value.onlyIfStored, (_, i) => keptCode(there.value, i))).toEqual(
            rows(here.value).map((d) => d.code),
          );
          expect(here.value.onlyIfStored.length + here.value.unreadable).toBe(items.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keep without condition what counts, was received near the period, names no agency or a variant counts', () => {
    const variants = new VariantCounter(PERIOD, DEFAULT_RULES);
    fc.assert(
      fc.property(fc.array(dossier, { maxLength: 40 }), (ds) => {
        const c = context(ROOT);
        const page = listPageReader(c).items(ds.map(toDvcqgItem)).value;
        const kept = rows(page);
        expect(kept.length).toBe(ds.length);
        kept.forEach((d, i) => {
          const wanted =
            metricsOf(d, PERIOD, DEFAULT_RULES) !== 0 ||
            receivedIn(d, c.near) ||
            BUILT_IN_CODE_FORMS.agencyOfDossierCode(d.code) === undefined ||
            variants.sensitive(d);
          expect(page.onlyIfStored[i]).toBe(wanted ? 0 : 1);
        });
      }),
      { numRuns: 200 },
    );
    const old = toDvcqgItem({
      ...sample,
      receivedAt: T0 - 50 * DAY,
      finishedAt: T0 - 45 * DAY,
      returnedAt: T0 - 44 * DAY,
      status: 10,
    });
    const fresh = toDvcqgItem({ ...sample, receivedAt: T0 + 3 * DAY });
    const page = listPageReader(context(ROOT)).items([old, fresh]).value;
    expect([...page.onlyIfStored]).toEqual([1, 0]);
  });

  it('a page whose bytes are not items throws as JSON.parse does (the reply is then read whole)', () => {
    expect(() => readAsColumns(Buffer.from('{"MaHoSo":"A-1"}],"other":[1'), context(ROOT))).toThrow(SyntaxError);
  });
});

const sample: CanonicalDossier = {
  code: `${ROOT}-260101-0001`,
  agency: ROOT,
  procedure: '1.008429',
  status: 4,
  channel: 2,
  digitised: false,
  paidOnline: false,
  receivedAt: T0,
  dueAt: null,
  finishedAt: null,
  returnedAt: null,
  updatedAt: T0,
};
