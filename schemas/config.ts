import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { AGENCY_CODE_SHAPE, agencyCodeForms, compileAgencyPattern } from './codes.js';
import { configuredUnit, isCalendarDay, SHIPPED_UNITS } from './units.js';
import { DEFAULT_DATE_LIMITS, DEFAULT_ITEM_LIMITS } from './limits.js';
import { METRICS } from './metrics.js';
import { indexConfig } from './index-points.js';

import { envName, httpUrl } from './config-fields.js';
import { alertsConfig } from './alerts-config.js';
export {
  jsonChannel,
  slackChannel,
  telegramChannel,
  emailChannel,
  channelConfig,
  channelSecretFields,
  ALERT_GROUPS,
  SUMMARY_MODES,
  alertsConfig,
} from './alerts-config.js';
export type { ChannelConfig, WebhookChannel, TelegramChannel, EmailChannel, AlertsConfig } from './alerts-config.js';
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL');
/** A sentinel's address: `host:port` (an IPv6 host in brackets). */
export const SENTINEL_ADDRESS = /^[^\s:@,]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;
const hostPort = z.string().regex(SENTINEL_ADDRESS, 'must be host:port, such as 10.0.0.5:26379');
/** An agency code: its form (built-in or of `codes.agencyPatterns`) is checked with the whole configuration (`agencyFields`). */
const agencyCode = z.string().regex(AGENCY_CODE_SHAPE, 'must be an agency code such as 000.00.00.H49 or H49.22');

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  province: z.string().regex(/^[A-Z]\d{2}$/, 'must be a province unit code such as H49'),
  baseUrl: httpUrl,
  /** Vendor status value → national status code (1..10). Defaults to the identity map for `dvcqg`. */
  statusMap: z.record(z.string(), z.number().int().min(1).max(10)).optional(),
  /** Local procedure code → national code (MaTTHC); unmapped codes are kept as they are. */
  procedureMap: z.record(z.string(), z.string()).optional(),
  pageSize: z.number().int().min(1).max(1000).default(500),
  timeoutMs: z.number().int().positive().default(15_000),
  /** Retries of one HTTP call on a transient failure (network, timeout, 408, 429, 5xx). */
  retries: z.number().int().min(0).max(10).default(5),
  /** Largest response body accepted, in bytes. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** At most this many requests a second to the source (0: no limit). */
  rateLimit: z.number().min(0).default(0),
  /** Consecutive failed calls that open the circuit, and how long it stays open. */
  circuitBreaker: z
    .strictObject({ failures: z.number().int().min(1).default(5), cooldownMs: z.number().int().min(0).default(30_000) })
    .default({ failures: 5, cooldownMs: 30_000 }),
  /** Total deadline of one HTTP attempt, to the last byte of the reply (`timeoutMs` is the idle timeout). */
  deadlineMs: z.number().int().positive().default(60_000),
  /** The most pages one sync window may take; a source that never says "done" is stopped there. */
  maxPages: z.number().int().min(1).default(20_000),
  /** An item nested deeper than this (objects and arrays) is quarantined. */
  maxItemDepth: z.number().int().min(2).max(1000).default(DEFAULT_ITEM_LIMITS.maxDepth),
  /** An item larger than this (characters of JSON) is quarantined. */
  maxItemBytes: z.number().int().min(1024).default(DEFAULT_ITEM_LIMITS.maxBytes),
  /** Start of the first sync window when no checkpoint exists (YYYY-MM-DD). */
  initialFrom: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .default('2025-01-01'),
};

export const dvcqgSourceConfig = z.strictObject({
  ...common,
  dialect: z.literal('dvcqg'),
  /** The agency code sent as `madonvi`, in a built-in or configured form; defaults to the province's root agency. */
  madonvi: agencyCode.optional(),
  usernameEnv: envName,
  passwordEnv: envName,
});

export const restSourceConfig = z.strictObject({
  ...common,
  dialect: z.literal('rest'),
  /** OAuth2 client-credentials token endpoint. */
  tokenUrl: httpUrl,
  /** The agency code sent as `agency`, in a built-in or configured form; defaults to the province's root agency. */
  agency: agencyCode.optional(),
  clientIdEnv: envName,
  clientSecretEnv: envName,
  /** A REST export sends vendor status strings: the map to national codes is required. */
  statusMap: z
    .record(z.string(), z.number().int().min(1).max(10))
    .refine((m) => Object.keys(m).length > 0, 'map at least one vendor status to a national code (1..10)'),
});

export const sourceConfig = z.discriminatedUnion('dialect', [dvcqgSourceConfig, restSourceConfig], {
  error: (issue) => (issue.code === 'invalid_union' ? 'must be "dvcqg" or "rest"' : undefined),
});
export type SourceConfig = z.infer<typeof sourceConfig>;
export type DvcqgSourceConfig = z.infer<typeof dvcqgSourceConfig>;
export type RestSourceConfig = z.infer<typeof restSourceConfig>;

/** The environment variables a source's secrets are read from, by field name. */
export function secretFields(s: SourceConfig): [field: string, env: string][] {
  return s.dialect === 'dvcqg'
    ? [
        ['usernameEnv', s.usernameEnv],
        ['passwordEnv', s.passwordEnv],
      ]
    : [
        ['clientIdEnv', s.clientIdEnv],
        ['clientSecretEnv', s.clientSecretEnv],
      ];
}

export const nationalConfig = z.strictObject({
  baseUrl: httpUrl,
  usernameEnv: envName,
  passwordEnv: envName,
  timeoutMs: z.number().int().positive().default(30_000),
  /** Total deadline of one HTTP attempt, to the last byte of the reply (`timeoutMs` is the idle timeout). */
  deadlineMs: z.number().int().positive().default(120_000),
  /** One national listing (DanhSachHoSo of an agency) stops with an error past this many pages… */
  maxListPages: z.number().int().min(1).default(10_000),
  /** …or this many records. */
  maxListRecords: z.number().int().min(1).default(2_000_000),
  /** At most this many requests a second to the portal, retries included (0: no limit). */
  rateLimit: z.number().min(0).default(0),
  /**
   * National dossier records (lists and look-ups) a run may fetch, all provinces together
   * (0: no cap). Once reached, the keys still to explain are reported unexplained, with why.
   */
  maxRecordsPerRun: z.number().int().min(0).default(0),
  /** How far before a period the explanation looks for dossiers still open (carried over). */
  lookbackDays: z.number().int().min(0).max(3660).default(366),
  /**
   * The national feed is stale for a province when none of its dossiers was updated on the
   * portal in this many days before the window's end while the province's own system had
   * updates: its figures are then not compared. 0 turns the check off.
   */
  staleAfterDays: z.number().int().min(0).max(60).default(2),
  /**
   * The account that pushes repairs (`DongBoHoSoMC`), when the portal gave the province one
   * apart from the reading account; absent: the reading account pushes too.
   */
  push: z.strictObject({ usernameEnv: envName, passwordEnv: envName }).optional(),
});
export type NationalConfig = z.infer<typeof nationalConfig>;

const tolerance = z.strictObject({
  /** Differences up to this many dossiers are not mismatches. */
  absolute: z.number().int().min(0).default(0),
  /** Differences up to this share of the larger figure (0..100) are not mismatches. */
  percent: z.number().min(0).max(100).default(0),
});
export type Tolerance = z.infer<typeof tolerance>;

export const toleranceConfig = z
  .strictObject({
    default: tolerance.default({ absolute: 0, percent: 0 }),
    /** Per metric (received, processed, …), overriding the default. */
    metrics: z.partialRecord(z.enum(METRICS), tolerance).default({}),
  })
  .default({ default: { absolute: 0, percent: 0 }, metrics: {} });

const day = z.string().refine((v) => isCalendarDay(v), 'must be a day YYYY-MM-DD');

/** The range every date of an item must fall in; items outside it are quarantined (src/normalise/fields.ts). */
export const datesConfig = z
  .strictObject({
    /** No date of any field before this day. */
    earliest: day.default(DEFAULT_DATE_LIMITS.earliest),
    /** Update, receipt, finish and return times at most this many hours after now (clock skew). */
    skewHours: z
      .number()
      .min(0)
      .max(24 * 31)
      .default(DEFAULT_DATE_LIMITS.skewHours),
    /** Due dates before this day. */
    dueBefore: day.default(DEFAULT_DATE_LIMITS.dueBefore),
  })
  .refine((d) => d.earliest < d.dueBefore, { message: 'earliest must be before dueBefore', path: ['earliest'] })
  .default(DEFAULT_DATE_LIMITS);

export const configFile = z
  .strictObject({
    redis: z
      .strictObject({
        /** One Redis. Overridden by REDIS_URL (or REDIS_CLUSTER, REDIS_SENTINEL) when set. */
        url: redisUrl.optional(),
        /** Redis Cluster: URLs of some of its nodes (the others are discovered). Overridden by REDIS_CLUSTER. */
        cluster: z.array(redisUrl).min(1, 'name at least one node').optional(),
        /** Redis Sentinel: the monitored master's name and the sentinels' addresses. */
        sentinel: z
          .strictObject({
            name: z.string().min(1, 'the master name the sentinels monitor'),
            sentinels: z.array(hostPort).min(1, 'name at least one sentinel'),
            /** The environment variable holding the password of the master and its replicas, if any. */
            passwordEnv: envName.optional(),
            /** The environment variable holding the sentinels' own password, if any. */
            sentinelPasswordEnv: envName.optional(),
          })
          .optional(),
        prefix: z
          .string()
          .regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes')
          .default('dsync'),
      })
      .refine((r) => [r.url, r.cluster, r.sentinel].filter((x) => x !== undefined).length <= 1, {
        message: 'give at most one of url, cluster and sentinel',
      })
      .default({ prefix: 'dsync' }),
    sources: z.array(sourceConfig).min(1, 'name at least one source'),
    national: nationalConfig,
    counting: z
      .strictObject({
        withdrawnIsProcessed: z.boolean().default(false),
        processedOn: z.enum(['finished', 'returned']).default('finished'),
        /** On time by calendar day (default) or with the due time of day: the portal's way, when a province adopts it. */
        dueCompare: z.enum(['day', 'time']).optional(),
        /** Whether the period's last day counts (default) or the period ends where it starts. */
        periodEnd: z.enum(['inclusive', 'exclusive']).optional(),
        /** Received on intake only: the store does not keep the submission date a portal may count by. */
        receivedOn: z
          .literal('received', {
            error: 'only "received" (the intake date): the store does not keep the submission date (NgayNopHoSo)',
          })
          .optional(),
      })
      .default({ withdrawnIsProcessed: false, processedOn: 'finished' }),
    tolerances: toleranceConfig,
    /** The national service index: weights, thresholds and scales of its indicators (an estimate). */
    index: indexConfig,
    schedule: z
      .strictObject({
        /** When the nightly run starts (cron, 5 or 6 fields). */
        cron: z.string().min(9).default('0 1 * * *'),
        timezone: z.string().default('Asia/Ho_Chi_Minh'),
        /** Nights missed while no worker ran: run each of them in turn, or one merged window. */
        catchUp: z.enum(['each', 'merged']).default('each'),
      })
      .superRefine((s, ctx) => {
        try {
          CronExpressionParser.parse(s.cron, { tz: s.timezone }).next();
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            path: ['cron'],
            message: `"${s.cron}" in ${s.timezone} is not a valid schedule: ${(err as Error).message}`,
          });
        }
      })
      .default({ cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh', catchUp: 'each' }),
    reconcile: z
      .strictObject({
        /** During these first days of a month the previous month is reconciled again too. */
        previousMonthDays: z.number().int().min(0).max(27).default(5),
      })
      .default({ previousMonthDays: 5 }),
    repair: z
      .strictObject({
        /** The most dossiers one repair of a run pushes (the rest are listed as left for a later repair). */
        maxDossiers: z.number().int().min(1).default(1000),
        /** Dossiers per `DongBoHoSoMC` call and per repair job (the portal takes at most 100). */
        batchSize: z.number().int().min(1).max(100).default(100),
      })
      .default({ maxDossiers: 1000, batchSize: 100 }),
    worker: z
      .strictObject({
        concurrency: z.number().int().min(1).max(64).default(4),
        /** Attempts of a job before it fails for good (a failed sync batch then waits for replay). */
        attempts: z.number().int().min(1).max(20).default(3),
        /** First delay between attempts, doubled each time. */
        backoffMs: z.number().int().min(0).default(5_000),
        /**
         * Times a job may be found stalled (its worker died: killed, out of memory, the host
         * gone) and be run again before it fails. A sync resumes from its checkpoint, so a
         * restart costs nothing; a job that keeps killing its worker still fails in the end.
         */
        maxStalledCount: z.number().int().min(0).max(20).default(3),
      })
      .default({ concurrency: 4, attempts: 3, backoffMs: 5_000, maxStalledCount: 3 }),
    alerts: alertsConfig,
    /**
     * Which source supplies each province's own figures (its statistics, for the three-way
     * comparison): a source id of the province, or null for none. Required for a province
     * with more than one source (their figures are not the province's twice over); a
     * province with one source defaults to it.
     */
    provincialFigures: z.record(z.string(), z.string().nullable()).default({}),
    dates: datesConfig,
    codes: z
      .strictObject({
        /**
         * Agency-code forms besides `000.00.00.H49` and `H49.22`: regular expressions matched
         * against the whole code, each with a named group `province` giving the unit code.
         */
        agencyPatterns: z
          .array(
            z.string().superRefine((p, ctx) => {
              const re = compileAgencyPattern(p);
              if (typeof re === 'string') ctx.addIssue({ code: 'custom', message: `${JSON.stringify(p)} ${re}` });
            }),
          )
          .default([]),
      })
      .default({ agencyPatterns: [] }),
    /** Level-1 units added to or overriding the shipped registry (data/provincial-units.json), by code. */
    units: z.array(configuredUnit).default([]),
  })
  .superRefine((cfg, ctx) => {
    const unitCodes = new Set(SHIPPED_UNITS.units.map((u) => u.code));
    const configured = new Set<string>();
    cfg.units.forEach((u, i) => {
      if (configured.has(u.code))
        ctx.addIssue({ code: 'custom', path: ['units', i, 'code'], message: `duplicate unit code ${u.code}` });
      configured.add(u.code);
      unitCodes.add(u.code);
    });
    cfg.units.forEach((u, i) => {
      if (u.mergedInto !== null && !unitCodes.has(u.mergedInto))
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'mergedInto'],
          message: `${u.mergedInto} is neither in the shipped unit registry nor in units`,
        });
    });
    const seen = new Set<string>();
    const channels = new Set<string>();
    cfg.alerts.channels.forEach((c, i) => {
      if (channels.has(c.name))
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', 'channels', i, 'name'],
          message: `duplicate channel name "${c.name}"`,
        });
      channels.add(c.name);
    });
    agencyFields(cfg, ctx);
    cfg.sources.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
      seen.add(s.id);
    });
    const byProvince = new Map<string, string[]>();
    for (const s of cfg.sources) byProvince.set(s.province, [...(byProvince.get(s.province) ?? []), s.id]);
    for (const [province, ids] of byProvince) {
      if (ids.length > 1 && !Object.hasOwn(cfg.provincialFigures, province))
        ctx.addIssue({
          code: 'custom',
          path: ['provincialFigures', province],
          message: `province ${province} has ${ids.length} sources (${ids.join(', ')}): name the one that supplies its own figures, or null for none`,
        });
    }
    for (const [province, id] of Object.entries(cfg.provincialFigures)) {
      const ids = byProvince.get(province);
      if (!ids)
        ctx.addIssue({
          code: 'custom',
          path: ['provincialFigures', province],
          message: `no source is configured for province ${province}`,
        });
      else if (id !== null && !ids.includes(id))
        ctx.addIssue({
          code: 'custom',
          path: ['provincialFigures', province],
          message: `"${id}" is not a source of ${province} (its sources: ${ids.join(', ')})`,
        });
    }
  });
export type ConfigFile = z.infer<typeof configFile>;

/**
 * Each source's agency code (`madonvi`, `agency`) in a built-in form or one of
 * `codes.agencyPatterns` (docs/domain.md, Agency codes): one in no form is an error naming
 * the field and the value.
 */
function agencyFields(
  cfg: Pick<ConfigFile, 'sources' | 'codes'>,
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
): void {
  const forms = agencyCodeForms(cfg.codes.agencyPatterns);
  cfg.sources.forEach((s, i) => {
    const [field, code] = s.dialect === 'dvcqg' ? ['madonvi', s.madonvi] : ['agency', s.agency];
    if (code === undefined || forms.some((re) => re.test(code))) return;
    ctx.addIssue({
      code: 'custom',
      path: ['sources', i, field],
      message: `${JSON.stringify(code)} is not an agency code: it fits neither 000.00.00.H49, H49.22 nor a form of codes.agencyPatterns`,
    });
  });
}
