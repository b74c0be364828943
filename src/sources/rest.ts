/**
 * The `rest` dialect (docs/contracts.md, The rest dialect). OAuth2 client credentials: one token at a time,
 * cached until shortly before it expires; a 401 gets a new token and the call is repeated
 * once. Paging is keyset: the source's opaque `next` cursor is the checkpoint cursor, so a
 * resumed sync goes on after the last applied page. Secrets and tokens are never logged
 * (HttpClient errors carry method, URL and status only).
 */
import { z } from 'zod';
import type { RestSourceConfig } from '../../schemas/config.js';
import {
  REST_STATS_METRICS,
  restDossierList,
  restStatsReply,
  restTokenReply,
  type RestStatsRow,
} from '../../schemas/rest.js';
import { BUILT_IN_CODE_FORMS, rootAgency, type CodeForms } from '../domain/codes.js';
import type { Normalised } from '../domain/normalised.js';
import { formatIsoVn, normaliseRest } from '../dialects/rest/normalise.js';
import { DEFAULT_DATE_LIMITS } from '../../schemas/limits.js';
import { DateBounds } from '../normalise/fields.js';
import { zeroCounts, type Figures } from '../domain/figures.js';
import { type Period } from '../domain/period.js';
import { AuthExpiredError, PermanentError, TransientError } from '../util/errors.js';
import { firstIssue } from '../util/zod.js';
import type { HttpClient } from '../http/client.js';
import {
  pullLimitsOf,
  rawItemKey,
  type PageResult,
  type PullLimits,
  type ReportedStats,
  type SourceAdapter,
  type Window,
} from './source.js';

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
}

interface Token {
  value: string;
  /** When to stop using it (epoch ms): a little before the server says it expires. */
  renewAt: number;
  /** The source answered 401 to it. */
  refused: boolean;
}

const cursorSchema = z.string().min(1).nullable();

/** Renew this long before expiry: a tenth of the lifetime, at most 30 s. */
function margin(lifetimeMs: number): number {
  return Math.min(30_000, lifetimeMs / 10);
}

export class RestSource implements SourceAdapter {
  readonly id: string;
  readonly limits: PullLimits;
  private readonly agency: string;
  private readonly statusMap: Record<string, number>;
  private token: Promise<Token> | undefined;
  /** Tokens obtained so far (for tests and diagnostics). */
  tokens = 0;

  constructor(
    private readonly cfg: RestSourceConfig,
    private readonly http: HttpClient,
    private readonly credentials: ClientCredentials,
    private readonly now: () => number = Date.now,
    private readonly dates: DateBounds = new DateBounds(DEFAULT_DATE_LIMITS, now),
    private readonly codes: CodeForms = BUILT_IN_CODE_FORMS,
  ) {
    this.id = cfg.id;
    this.limits = pullLimitsOf(cfg);
    this.agency = cfg.agency ?? rootAgency(cfg.province);
    this.statusMap = { ...cfg.statusMap };
  }

  /** The cached token while fresh; otherwise a new one (shared by concurrent callers). */
  private async getToken(): Promise<Token> {
    const cached = this.token;
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && !t.refused && this.now() < t.renewAt) return t;
    }
    return this.renew(cached);
  }

  /** Fetches a new token unless another caller already replaced `stale`. */
  private renew(stale: Promise<Token> | undefined): Promise<Token> {
    if (this.token !== stale && this.token !== undefined) return this.token;
    const { clientId, clientSecret } = this.credentials;
    if (!clientId || !clientSecret) {
      return Promise.reject(
        new PermanentError(
          `${this.id}: client credentials not set (environment ${this.cfg.clientIdEnv} / ${this.cfg.clientSecretEnv})`,
        ),
      );
    }
    const pending = (async (): Promise<Token> => {
      const started = this.now();
      let raw: unknown;
      try {
        raw = await this.http.postForm(this.cfg.tokenUrl, {
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        });
      } catch (err) {
        // A refused client is configuration, not something a retry fixes.
        if (err instanceof AuthExpiredError)
          throw new PermanentError(`${this.id}: token request refused (HTTP 401): check the client credentials`);
        throw err;
      }
      const reply = restTokenReply.safeParse(raw);
      if (!reply.success) throw new TransientError(`${this.id}: token reply is not in the expected shape`);
      this.tokens++;
      const lifetime = reply.data.expires_in * 1000;
      return { value: reply.data.access_token, renewAt: started + lifetime - margin(lifetime), refused: false };
    })();
    this.token = pending;
    pending.catch(() => {
      if (this.token === pending) this.token = undefined;
    });
    return pending;
  }

  /** GET with a bearer token; on 401 one new token and one more try. */
  private async getAuthorised(url: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.getToken();
      try {
        return await this.http.getJson(url, { authorization: `Bearer ${token.value}` });
      } catch (err) {
        if (!(err instanceof AuthExpiredError) || attempt > 0) throw err;
        token.refused = true;
      }
    }
  }

  retries(): number {
    return this.http.stats.retries;
  }

  async fetchPage(window: Window, cursorIn: unknown | null): Promise<PageResult> {
    const parsedCursor = cursorSchema.safeParse(cursorIn ?? null);
    if (!parsedCursor.success) throw new PermanentError(`${this.id}: checkpoint cursor is not a rest cursor`);
    const cursor = parsedCursor.data;
    const query = new URLSearchParams({
      agency: this.agency,
      updatedFrom: formatIsoVn(window.from),
      updatedTo: formatIsoVn(window.to),
      limit: String(this.cfg.pageSize),
    });
    if (cursor !== null) query.set('after', cursor);
    const raw = await this.getAuthorised(`${this.cfg.baseUrl}/dossiers?${query.toString()}`);
    const reply = restDossierList.safeParse(raw);
    if (!reply.success) throw new TransientError(`${this.id}: dossier list reply is not in the expected shape`);
    const { items, next } = reply.data;
    if (next !== null && next === cursor)
      throw new PermanentError(`${this.id}: the source returned the same cursor again`);
    return { items, next, done: next === null };
  }

  normalise(raw: unknown): Normalised {
    return normaliseRest(raw, {
      statusMap: this.statusMap,
      procedureMap: this.cfg.procedureMap,
      dates: this.dates,
      codes: this.codes,
    });
  }

  itemKey(raw: unknown): string | undefined {
    return rawItemKey(raw, 'code', 'updatedAt');
  }

  /**
   * The source's own statistics (docs/contracts.md, Statistics: `GET /stats`): one `by=agency` call for the
   * configured agency (the province's root: every agency), then, split by procedure, one
   * `by=procedure` call per agency so each procedure row belongs to one agency. The dialect
   * reports 10 metrics (REST_STATS_METRICS): `toProcess` and `unprocessedNotDue` are not
   * reported, and are left out of `reported` (never derived, never taken as 0).
   *
   * The root code (`000.00.00.Hxx`) is also an agency of its own (the provincial office),
   * but as `agency=` it names the whole province: its own procedure rows are the whole
   * province's (`agency=<root>&by=procedure`) less the other agencies' (counts add up across
   * agencies). A source that already splits that reply by agency is taken as it is.
   */
  async stats(period: Period, by: { procedure: boolean }): Promise<ReportedStats> {
    const agencyRows = await this.statsRows(period, this.agency, 'agency');
    const figures: Figures[] = agencyRows
      .filter((r) => r.procedureCode === undefined)
      .map((r) => this.figuresOf(r, null));
    if (!by.procedure) return { figures, reported: REST_STATS_METRICS };
    const agencies = [...new Set(figures.map((f) => f.agency))];
    const root = rootAgency(this.cfg.province);
    const procedureFigures = async (agency: string) =>
      (await this.statsRows(period, agency, 'procedure'))
        .filter((r) => r.procedureCode !== undefined)
        .map((r) => this.figuresOf(r, r.procedureCode!));
    for (const agency of agencies.filter((a) => a !== root)) figures.push(...(await procedureFigures(agency)));
    if (agencies.includes(root)) {
      const whole = await procedureFigures(root);
      if (whole.some((f) => f.agency !== root)) {
        figures.push(...whole.filter((f) => !agencies.includes(f.agency) || f.agency === root));
      } else {
        const others = new Map<string, Figures['counts']>();
        for (const f of figures) {
          if (f.procedure === null) continue;
          const sum = others.get(f.procedure) ?? zeroCounts();
          for (const m of REST_STATS_METRICS) sum[m] += f.counts[m];
          others.set(f.procedure, sum);
        }
        for (const f of whole) {
          const less = others.get(f.procedure!);
          if (less) for (const m of REST_STATS_METRICS) f.counts[m] -= less[m];
          if (REST_STATS_METRICS.some((m) => f.counts[m] !== 0)) figures.push(f);
        }
      }
    }
    return { figures, reported: REST_STATS_METRICS };
  }

  private async statsRows(period: Period, agency: string, by: 'agency' | 'procedure'): Promise<RestStatsRow[]> {
    const query = new URLSearchParams({ agency, from: period.from, to: period.to, by });
    const raw = await this.getAuthorised(`${this.cfg.baseUrl}/stats?${query.toString()}`);
    const reply = restStatsReply.safeParse(raw);
    if (!reply.success)
      throw new TransientError(`${this.id}: stats reply is not in the expected shape (${firstIssue(reply.error)})`);
    return reply.data.rows;
  }

  /** A stats row as figures: unreported metrics are 0 placeholders (see ReportedStats). */
  private figuresOf(row: RestStatsRow, procedure: string | null): Figures {
    const counts = zeroCounts();
    for (const m of REST_STATS_METRICS) counts[m] = row[m];
    return { agency: row.agencyCode, procedure, counts };
  }
}
