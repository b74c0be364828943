/**
 * The national service index (docs/domain.md, The national service index): the indicators this
 * tool can compute from dossiers, their configuration (`index:`) and their place in the run
 * report. Points are an estimate: the portal's own formulas are not public.
 */
import { z } from 'zod';

/** The indicators computable from synced dossiers, by their number in the index. */
export const INDEX_INDICATORS = ['1.4', '2.1', '3.3', '4.3', '5.4'] as const;
export type IndicatorId = (typeof INDEX_INDICATORS)[number];

/** Short names, as the reports print them ("1.4 synced"). */
export const INDICATOR_NAMES: Record<IndicatorId, string> = {
  '1.4': 'synced',
  '2.1': 'on time',
  '3.3': 'online',
  '4.3': 'data reuse',
  '5.4': 'not overdue',
};

/** Said with every figure of points, in every output. */
export const INDEX_ESTIMATE_NOTE =
  "estimate: computed by this tool from dossier data with the configured weights (index:), not the portal's published score";

/**
 * One indicator's points: `max` points (its weight) at a share of `fullAt` percent or more
 * (its threshold); below it, `proportional` gives share × max ÷ fullAt, `all-or-nothing` gives 0.
 */
const indicatorConfig = (max: number, fullAt: number) =>
  z
    .strictObject({
      max: z.number().min(0).max(100).default(max),
      fullAt: z.number().gt(0, 'must be above 0 (a percentage)').max(100).default(fullAt),
      scale: z.enum(['proportional', 'all-or-nothing']).default('proportional'),
    })
    .default({ max, fullAt, scale: 'proportional' });

/**
 * Weights, thresholds and scales of the indicators. Defaults from docs/domain.md (The national
 * service index); 3.3's weight is not given there: 2 points is this project's choice.
 */
export const indexConfig = z
  .strictObject({
    /** Compute the indicators and the points at stake in each run. */
    enabled: z.boolean().default(true),
    indicators: z
      .strictObject({
        '1.4': indicatorConfig(6, 100),
        '2.1': indicatorConfig(20, 100),
        '3.3': indicatorConfig(2, 50),
        '4.3': indicatorConfig(2, 80),
        '5.4': indicatorConfig(6, 90),
      })
      .prefault({}),
  })
  .prefault({});
export type IndexConfig = z.infer<typeof indexConfig>;

/**
 * What the indicators are computed from, for one side of one province and period: counts of
 * the counting rules (docs/domain.md, Counting rules), and `waiting`: dossiers still in progress
 * at the period's end, past their due date, that wait for a supplement from the applicant
 * (status 5) — the index does not count that time against the province.
 */
export const indexTally = z.object({
  received: z.number().int(),
  online: z.number().int(),
  digitised: z.number().int(),
  toProcess: z.number().int(),
  onTime: z.number().int(),
  notDue: z.number().int(),
  overdue: z.number().int(),
  waiting: z.number().int(),
});
export type IndexTally = z.infer<typeof indexTally>;

const indexSide = z.object({
  /** The indicator's share (0..1); null when nothing counts in it (its points are then full). */
  share: z.number().nullable(),
  points: z.number(),
});

export const indexIndicator = z.object({
  id: z.enum(INDEX_INDICATORS),
  name: z.string(),
  max: z.number(),
  local: indexSide,
  national: indexSide,
});
export type IndexIndicator = z.infer<typeof indexIndicator>;

/** The points the province would regain were a group of findings fixed on the national side. */
export const indexStake = z.object({
  /** The root-cause kind, or the agency, of the group. */
  cause: z.string(),
  dossiers: z.number().int(),
  points: z.number(),
  /** The indicators that move, with their points. */
  indicators: z.array(z.object({ id: z.enum(INDEX_INDICATORS), points: z.number() })),
});
export type IndexStake = z.infer<typeof indexStake>;

export const provinceIndex = z.object({
  estimate: z.literal(true),
  note: z.string(),
  /**
   * Local: the store. National: the portal's statistics of the period, and for `waiting` (which
   * no statistic gives) the store's figure moved by the findings. `expected`: the dossiers that
   * should have been synced as the province reports them (its own figures, else the store's).
   */
  tallies: z.object({ local: indexTally, national: indexTally, expected: z.number().int() }),
  indicators: z.array(indexIndicator),
  total: z.object({ max: z.number(), local: z.number(), national: z.number() }),
  /** Points at stake per root-cause kind, most points first. */
  byCause: z.array(indexStake),
  /** Points at stake per agency (its findings of every kind), most points first. */
  byAgency: z.array(indexStake),
});
export type ProvinceIndex = z.infer<typeof provinceIndex>;
