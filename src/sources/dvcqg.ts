/**
 * The `dvcqg` dialect (docs/contracts.md, The dvcqg dialect). Its paging is by page number over live data, so
 * the adapter does not walk page numbers across the window: after each page it moves the
 * window's start to the last item's update time (`capNhatTu`, inclusive) and asks for page
 * 1 again, skipping what it has already seen at that instant. Only when a whole page shares
 * one update time does it go on to the next page number.
 */
import { z } from 'zod';
import type { DvcqgSourceConfig } from '../../schemas/config.js';
import { BUILT_IN_CODE_FORMS, rootAgency, type CodeForms } from '../domain/codes.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg } from '../dialects/dvcqg/normalise.js';
import { type Normalised } from '../domain/normalised.js';
import { DEFAULT_DATE_BOUNDS, type DateBounds } from '../normalise/fields.js';
import { parseStatsRows, statsParams } from '../dialects/dvcqg/fields.js';
import { formatCompact, parseCompact } from '../domain/time.js';
import { METRICS } from '../../schemas/metrics.js';
import { withAgencyTotals } from '../domain/figures.js';
import { type Period } from '../domain/period.js';
import { EnvelopeClient, type Credentials } from '../dialects/dvcqg/envelope.js';
import type { ServiceReply } from '../../schemas/dvcqg.js';
import type { HttpClient } from '../http/client.js';
import {
  pullLimitsOf,
  rawField,
  fieldsOf,
  itemKeyOf,
  type PageResult,
  type PullLimits,
  type ReportedStats,
  type SourceAdapter,
  type Window,
} from './source.js';

const cursorSchema = z.object({ ts: z.string(), code: z.string(), page: z.number().int().min(1) });
type Cursor = z.infer<typeof cursorSchema>;
const STAMP = /^\d{14}$/;

/** An item of the national sync shape named by its code and update time, when it has a code. */
export function dvcqgItemKey(raw: unknown): string | undefined {
  const fields = fieldsOf(raw);
  return fields && itemKeyOf(fields.MaHoSo, fields.NgayCapNhat); // rawItemKey(raw, 'MaHoSo', 'NgayCapNhat'), read by name
}

export class DvcqgSource implements SourceAdapter {
  readonly id: string;
  readonly limits: PullLimits;
  private readonly client: EnvelopeClient;
  private readonly madonvi: string;
  private readonly statusMap: Record<string, number>;

  constructor(
    private readonly cfg: DvcqgSourceConfig,
    private readonly http: HttpClient,
    credentials: Credentials,
    private readonly dates: DateBounds = DEFAULT_DATE_BOUNDS,
    private readonly codes: CodeForms = BUILT_IN_CODE_FORMS,
  ) {
    this.id = cfg.id;
    this.limits = pullLimitsOf(cfg);
    this.client = new EnvelopeClient(http, cfg.id, cfg.baseUrl, credentials);
    this.madonvi = cfg.madonvi ?? rootAgency(cfg.province);
    this.statusMap = { ...IDENTITY_STATUS_MAP, ...cfg.statusMap };
  }

  retries(): number {
    return this.http.stats.retries;
  }

  /**
   * The next page's request, sent as soon as a page is read so that the source prepares it
   * while this page is validated and applied (`fetchPage` asks for it with the same window and
   * cursor, which it then is). Any other request drops it; an error it meets surfaces when it
   * is used, never otherwise.
   */
  private ahead: { key: string; reply: Promise<ServiceReply> } | undefined;

  private request(window: Window, cursor: Cursor): { key: string; reply: () => Promise<ServiceReply> } {
    const params = {
      capNhatTu: cursor.ts,
      capNhatDen: formatCompact(window.to),
      trang: cursor.page,
      soLuong: this.cfg.pageSize,
    };
    return { key: JSON.stringify(params), reply: () => this.client.call(this.madonvi, 'LayDanhSachHoSo', params) };
  }

  async fetchPage(window: Window, cursorIn: unknown | null): Promise<PageResult> {
    const cursor: Cursor = cursorIn
      ? cursorSchema.parse(cursorIn)
      : { ts: formatCompact(window.from), code: '', page: 1 };
    const size = this.cfg.pageSize;
    const req = this.request(window, cursor);
    const ahead = this.ahead;
    this.ahead = undefined;
    const reply = await (ahead?.key === req.key ? ahead.reply : req.reply());
    const data = reply.data ?? [];
    // Items at the cursor's instant up to its code were applied with an earlier page.
    const items = data.filter(
      (raw) => !(rawField(raw, 'NgayCapNhat') === cursor.ts && (rawField(raw, 'MaHoSo') ?? '') <= cursor.code),
    );
    const done = data.length < size;
    // The next start is the last item whose update time can be sent back as `capNhatTu`: a
    // malformed NgayCapNhat (quarantined), an item from before the start (a duplicate of an
    // earlier page) or one from the window's end on (a date in the future, quarantined) cannot
    // move the window: only a time within [start, window.to) moves it, never backwards.
    let last: unknown;
    let lastTs: string | undefined;
    for (let i = data.length - 1; i >= 0; i--) {
      const ts = rawField(data[i], 'NgayCapNhat');
      const at = ts !== undefined && STAMP.test(ts) ? parseCompact(ts) : undefined;
      if (at !== undefined && at < window.to && ts! >= cursor.ts) {
        last = data[i];
        lastTs = ts;
        break;
      }
    }
    let next: Cursor;
    if (last === undefined || lastTs === undefined) next = { ...cursor, page: cursor.page + 1 };
    else if (lastTs === cursor.ts)
      next = { ts: cursor.ts, code: rawField(last, 'MaHoSo') ?? cursor.code, page: cursor.page + 1 };
    else next = { ts: lastTs, code: rawField(last, 'MaHoSo') ?? '', page: 1 };
    if (!done) {
      const following = this.request(window, next);
      const reply = following.reply();
      reply.catch(() => undefined); // surfaced when fetchPage uses it
      this.ahead = { key: following.key, reply };
    }
    return { items, next, done };
  }

  normalise(raw: unknown): Normalised {
    return normaliseDvcqg(raw, {
      statusMap: this.statusMap,
      procedureMap: this.cfg.procedureMap,
      dates: this.dates,
      codes: this.codes,
    });
  }

  itemKey(raw: unknown): string | undefined {
    return dvcqgItemKey(raw);
  }

  /**
   * The province's own `ThongKeHoSo` (docs/contracts.md, ThongKeHoSo at a source: the national service's parameters and
   * rows), one row per agency under `madonvi`; split by procedure, the agency rows are the
   * sums of their procedure rows. The dialect reports every metric.
   */
  async stats(period: Period, by: { procedure: boolean }): Promise<ReportedStats> {
    const reply = await this.client.call(
      this.madonvi,
      'ThongKeHoSo',
      statsParams(period, { agency: true, procedure: by.procedure }),
    );
    const rows = parseStatsRows(reply.data ?? [], this.id);
    return { figures: by.procedure ? withAgencyTotals(rows) : rows, reported: METRICS };
  }
}
