import { z } from 'zod';

/**
 * The `rest` dialect (docs/contracts.md, The rest dialect): an OAuth2 client-credentials token, keyset-paged
 * camelCase dossier lists and numeric statistics rows. Field-level meaning (dates, codes,
 * statuses, channels) is checked by the normaliser (src/dialects/rest/normalise.ts), which names the
 * field that is wrong; these schemas fix the outline.
 */

/** `POST {tokenUrl}` reply (RFC 6749 §5.1). `expires_in` in seconds. */
export const restTokenReply = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().positive()),
  })
  .loose();
export type RestTokenReply = z.infer<typeof restTokenReply>;

/** `GET {baseUrl}/dossiers` reply: items are checked one by one (normalised or quarantined). */
export const restDossierList = z
  .object({
    items: z.array(z.unknown()),
    next: z.string().min(1).nullable(),
  })
  .loose();
export type RestDossierList = z.infer<typeof restDossierList>;

const instantText = z.string().nullable().optional();
const flag = z.boolean().nullable().optional();

/** One dossier of the list. */
export const restItem = z
  .object({
    code: z.string(),
    procedureCode: z.string(),
    agencyCode: z.string(),
    channel: z.string().nullable().optional(),
    /** A vendor string; numbers are read as text. */
    status: z.union([z.string(), z.number()]).transform((v) => String(v)),
    receivedAt: instantText,
    dueAt: instantText,
    finishedAt: instantText,
    returnedAt: instantText,
    updatedAt: z.string(),
    digitised: flag,
    paidOnline: flag,
  })
  .loose();
export type RestItem = z.input<typeof restItem>;

/** The channel names of the dialect, by national channel code (KenhThucHien). */
export const REST_CHANNELS = { DIRECT: 1, ONLINE: 2, POSTAL: 3 } as const;
export type RestChannel = keyof typeof REST_CHANNELS;

const count = z.number().int().nonnegative();

/** One row of `GET {baseUrl}/stats`. */
export const restStatsRow = z.object({
  agencyCode: z.string(),
  procedureCode: z.string().optional(),
  received: count,
  carriedOver: count,
  processed: count,
  onTime: count,
  late: count,
  unprocessed: count,
  overdue: count,
  online: count,
  postal: count,
  digitised: count,
});
export type RestStatsRow = z.infer<typeof restStatsRow>;

/** The metrics a `rest` statistics row carries (a subset of the counting rules' metrics). */
export const REST_STATS_METRICS = [
  'received',
  'carriedOver',
  'processed',
  'onTime',
  'late',
  'unprocessed',
  'overdue',
  'online',
  'postal',
  'digitised',
] as const satisfies readonly (keyof RestStatsRow)[];

export const restStatsReply = z.object({ rows: z.array(restStatsRow) });
export type RestStatsReply = z.infer<typeof restStatsReply>;
