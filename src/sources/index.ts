/** Builds the adapter for a configured source, by dialect. */
import type { Logger } from 'pino';
import type { SourceConfig } from '../../schemas/config.js';
import { credentials } from '../config/load.js';
import { codeForms } from '../domain/codes.js';
import { DEFAULT_DATE_LIMITS, type DateLimits } from '../../schemas/limits.js';
import { DateBounds } from '../normalise/fields.js';
import { DvcqgSource } from './dvcqg.js';
import { HttpClient } from '../http/client.js';
import { RestSource } from './rest.js';
import type { SourceAdapter } from './source.js';

export interface SourceDeps {
  logger?: Logger;
  signal?: AbortSignal;
  /** The configured date range (`dates`), default DEFAULT_DATE_LIMITS. */
  dates?: DateLimits;
  /** The clock the date range is read against (the runtime's), epoch ms. */
  now?: () => number;
  /** The configured agency-code forms (`codes.agencyPatterns`), besides the built-in ones. */
  agencyPatterns?: readonly string[];
}

export function createSource(cfg: SourceConfig, deps: SourceDeps): SourceAdapter {
  const now = deps.now ?? Date.now;
  const dates = new DateBounds(deps.dates ?? DEFAULT_DATE_LIMITS, now);
  const codes = codeForms(deps.agencyPatterns);
  const http = new HttpClient({
    name: cfg.id,
    timeoutMs: cfg.timeoutMs,
    deadlineMs: cfg.deadlineMs,
    retries: cfg.retries,
    maxBytes: cfg.maxResponseBytes,
    rateLimit: cfg.rateLimit,
    circuitBreaker: cfg.circuitBreaker,
    logger: deps.logger,
    signal: deps.signal,
  });
  switch (cfg.dialect) {
    case 'dvcqg':
      return new DvcqgSource(cfg, http, credentials(cfg.usernameEnv, cfg.passwordEnv), dates, codes);
    case 'rest':
      return new RestSource(
        cfg,
        http,
        {
          clientId: process.env[cfg.clientIdEnv],
          clientSecret: process.env[cfg.clientSecretEnv],
        },
        Date.now,
        dates,
        codes,
      );
  }
}
