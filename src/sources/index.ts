/** Builds the adapter for a configured source, by dialect. */
import type { Logger } from 'pino';
import type { SourceConfig } from '../../schemas/config.js';
import { credentials } from '../config/load.js';
import { DvcqgSource } from './dvcqg.js';
import { HttpClient } from './http.js';
import { RestSource } from './rest.js';
import type { SourceAdapter } from './source.js';

export function createSource(cfg: SourceConfig, deps: { logger?: Logger; signal?: AbortSignal }): SourceAdapter {
  const http = new HttpClient({ name: cfg.id, timeoutMs: cfg.timeoutMs, retries: cfg.retries, maxBytes: cfg.maxResponseBytes, rateLimit: cfg.rateLimit, circuitBreaker: cfg.circuitBreaker, logger: deps.logger, signal: deps.signal });
  switch (cfg.dialect) {
    case 'dvcqg':
      return new DvcqgSource(cfg, http, credentials(cfg.usernameEnv, cfg.passwordEnv));
    case 'rest':
      return new RestSource(cfg, http, {
        clientId: process.env[cfg.clientIdEnv],
        clientSecret: process.env[cfg.clientSecretEnv],
      });
  }
}
