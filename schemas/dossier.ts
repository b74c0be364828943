import { z } from 'zod';

/** National status codes (TrangThaiHoSo): docs/domain.md, Statuses. */
export const STATUS = {
  SUBMITTED: 1,
  ACCEPTED: 2,
  REFUSED: 3,
  IN_PROGRESS: 4,
  SUPPLEMENT: 5,
  PAYMENT: 6,
  WITHDRAWN: 7,
  STOPPED: 8,
  FINISHED: 9,
  RETURNED: 10,
} as const;

export const statusCode = z.number().int().min(1).max(10);

/** Channel (KenhThucHien): 1 in person, 2 online, 3 postal. */
export const channelCode = z.union([z.literal(1), z.literal(2), z.literal(3)]);

const instant = z.number().int().nullable(); // epoch milliseconds, or null when absent

/**
 * The canonical dossier: one shape for every dialect, as kept in the store.
 * Applicants' personal fields are deliberately absent: counting does not need them.
 */
export const canonicalDossier = z.object({
  code: z.string().min(1),
  agency: z.string().min(1),
  procedure: z.string().min(1),
  status: statusCode,
  channel: channelCode.nullable(),
  digitised: z.boolean(),
  paidOnline: z.boolean(),
  receivedAt: instant,
  dueAt: instant,
  finishedAt: instant,
  returnedAt: instant,
  updatedAt: z.number().int(),
});
export type CanonicalDossier = z.infer<typeof canonicalDossier>;
