/** The national portal feed (CONTRACTS.md §3): statistics, look-up by code, and lists for drill-down. */
import type { NationalConfig } from '../../schemas/config.js';
import type { Figures, Period } from '../reconcile/counting.js';
import { dvcqgItemKey } from '../sources/dvcqg.js';
import { EnvelopeClient, type Credentials } from '../sources/envelope.js';
import { NoProgressError, PullGuard } from '../sources/progress.js';
import type { HttpClient } from '../sources/http.js';
import { dayParams, parseStatsRows, statsParams } from './fields.js';

export type DateKind = 'TiepNhan' | 'KetThucXuLy' | 'CapNhat';

export class NationalClient {
  readonly envelope: EnvelopeClient;

  private readonly maxListPages: number;
  private readonly maxListRecords: number;

  constructor(
    cfg: Pick<NationalConfig, 'baseUrl'> & Partial<Pick<NationalConfig, 'maxListPages' | 'maxListRecords'>>,
    http: HttpClient,
    credentials: Credentials,
  ) {
    this.maxListPages = cfg.maxListPages ?? 10_000;
    this.maxListRecords = cfg.maxListRecords ?? 2_000_000;
    this.envelope = new EnvelopeClient(http, 'national', cfg.baseUrl, credentials);
  }

  async stats(madonvi: string, period: Period, by: { agency: boolean; procedure: boolean }): Promise<Figures[]> {
    const reply = await this.envelope.call(madonvi, 'ThongKeHoSo', statsParams(period, by));
    return parseStatsRows(reply.data ?? [], 'national');
  }

  /** The national copies of these dossiers (at most 100 per call); unknown codes are absent. */
  async lookup(madonvi: string, codes: string[]): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < codes.length; i += 100) {
      const reply = await this.envelope.call(madonvi, 'TraCuuHoSo', { mahoso: codes.slice(i, i + 100) });
      out.push(...(reply.data ?? []));
    }
    return out;
  }

  /** How many national dossiers of `madonvi` have a date of `kind` in the days. */
  async count(madonvi: string, days: Pick<Period, 'start' | 'end'>, kind: DateKind): Promise<number> {
    const reply = await this.envelope.call(madonvi, 'DanhSachHoSo', { ...dayParams(days), loaiNgay: kind, trang: 1, soLuong: 1 });
    return reply.tongSo ?? reply.data?.length ?? 0;
  }

  /**
   * Every national dossier of `madonvi` whose date of `kind` falls in the days, a page at a
   * time. A list that does not end within `maxListPages` pages or `maxListRecords` records,
   * or serves a full page it served before, is an error naming it (see PullGuard).
   */
  async *list(madonvi: string, days: Pick<Period, 'start' | 'end'>, kind: DateKind, pageSize = 1000): AsyncGenerator<unknown[]> {
    const what = `national DanhSachHoSo ${madonvi}`;
    const guard = new PullGuard(what, this.maxListPages, 0, 'maxListPages');
    let records = 0;
    for (let page = 1; ; page++) {
      guard.beforePage(null);
      const reply = await this.envelope.call(madonvi, 'DanhSachHoSo', {
        ...dayParams(days),
        loaiNgay: kind,
        trang: page,
        soLuong: pageSize,
      });
      const data = reply.data ?? [];
      guard.afterPage(data, data.length >= pageSize, dvcqgItemKey);
      records += data.length;
      if (records > this.maxListRecords) throw new NoProgressError(`${what}: more than ${this.maxListRecords} records (maxListRecords): stopped`);
      if (data.length) yield data;
      if (data.length < pageSize) return;
    }
  }
}
