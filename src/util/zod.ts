import type { z } from 'zod';

/**
 * The first issue of a failed parse, as `path: message`: the reason an item is quarantined, a
 * reply refused or a payload rejected. `root` stands for the path of an issue about the whole value.
 */
export function firstIssue(error: z.ZodError, root = ''): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || root}: ${issue.message}`;
}
