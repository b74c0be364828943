/** The national portal feed (CONTRACTS.md §3): statistics, look-up by code, and lists for drill-down. */
import type { NationalConfig } from '../../schemas/config.js';
import type { Figures, Period } from '../reconcile/counting.js';
import { EnvelopeClient, type Credentials } from '../sources/envelope.js';
import type { HttpClient } from '../sources/http.js';
import { dayParams, parseStatsRows, statsParams } from './fields.js';

export type DateKind = 'TiepNhan' | 'KetThucXuLy' | 'CapNhat';

export class NationalClient {
  readonly envelope: EnvelopeClient;

  constructor(
    cfg: NationalConfig,
    http: HttpClient,
    credentials: Credentials,
  ) {
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

  /** Every national dossier of `madonvi` whose date of `kind` falls in the days, a page at a time. */
  async *list(madonvi: string, days: Pick<Period, 'start' | 'end'>, kind: DateKind, pageSize = 1000): AsyncGenerator<unknown[]> {
    for (let page = 1; ; page++) {
      const reply = await this.envelope.call(madonvi, 'DanhSachHoSo', {
        ...dayParams(days),
        loaiNgay: kind,
        trang: page,
        soLuong: pageSize,
      });
      const data = reply.data ?? [];
      if (data.length) yield data;
      if (data.length < pageSize) return;
    }
  }
}
