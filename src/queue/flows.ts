/** Every job id, and every flow tree of a night, built in one place. */

/**
 * One component of a job id, encoded: codes come from the sources and the national feed and
 * may hold ':' (which BullMQ refuses in ids) or '@' (our separator). Every character outside
 * [A-Za-z0-9._-] becomes `%` and its UTF-16 code unit in four hex digits, '%' included, so
 * the encoding is one-to-one and leaves the usual codes as they are.
 */
export function idPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const jobId = (kind: string, ...parts: string[]) => [kind, ...parts.map(idPart)].join('@');

/** Job ids: deterministic where a duplicate would be wrong; every component encoded (`idPart`). */
export const jobIds = {
  run: (runId: string) => jobId('run', runId),
  sync: (runId: string, source: string) => jobId('sync', runId, source),
  reconcile: (runId: string, province: string) => jobId('reconcile', runId, province),
  explain: (runId: string, province: string) => jobId('explain', runId, province),
  alert: (runId: string, webhook: string, what: string) => jobId('alert', runId, webhook, what),
};
