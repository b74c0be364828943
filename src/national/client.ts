/** The national portal feed (docs/contracts.md, The national feed): statistics, look-up by code, and lists for the explanation pass. */
import type { NationalConfig } from '../../schemas/config.js';
import type { Figures } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import { dvcqgItemKey } from '../sources/dvcqg.js';
import { EnvelopeClient, type Credentials } from '../dialects/dvcqg/envelope.js';
import { NoProgressError, PullGuard } from '../sources/progress.js';
import type { HttpClient } from '../http/client.js';
import { dayParams, parseStatsRows, statsParams } from '../dialects/dvcqg/fields.js';
import type { NationalLoad } from '../domain/figures.js';

export type DateKind = 'TiepNhan' | 'KetThucXuLy' | 'CapNhat';

/** Dossiers per page of a national list: a shorter page is the last. */
export const LIST_PAGE = 1000;

export class NationalClient {
  readonly envelope: EnvelopeClient;
  /** Every request of this client (or of the metered view it is). */
  load: NationalLoad = { requests: 0, records: 0 };
  private parent: NationalClient | undefined;

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

  /**
   * The same client (same session) counting its requests into a load of its own as well:
   * one per province and run, so that each province's national load is known.
   */
  metered(): NationalClient {
    const view = Object.create(this) as NationalClient;
    view.load = { requests: 0, records: 0 };
    view.parent = this;
    return view;
  }

  /** One service call, counted; `dossiers` says whether its items are dossier records. */
  private async call(madonvi: string, service: string, params: Record<string, unknown>, dossiers: boolean) {
    const reply = await this.envelope.call(madonvi, service, params);
    const records = dossiers ? (reply.data?.length ?? 0) : 0;
    for (let c: NationalClient | undefined = this; c; c = c.parent) {
      c.load.requests++;
      c.load.records += records;
    }
    return reply;
  }

  async stats(madonvi: string, period: Period, by: { agency: boolean; procedure: boolean }): Promise<Figures[]> {
    const reply = await this.call(madonvi, 'ThongKeHoSo', statsParams(period, by), false);
    return parseStatsRows(reply.data ?? [], 'national');
  }

  /** The national copies of these dossiers (at most 100 per call); unknown codes are absent. */
  async lookup(madonvi: string, codes: string[]): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let i = 0; i < codes.length; i += 100) {
      const reply = await this.call(madonvi, 'TraCuuHoSo', { mahoso: codes.slice(i, i + 100) }, true);
      out.push(...(reply.data ?? []));
    }
    return out;
  }

  /** How many national dossiers of `madonvi` have a date of `kind` in the days. */
  async count(madonvi: string, days: Pick<Period, 'start' | 'end'>, kind: DateKind): Promise<number> {
    const reply = await this.call(
      madonvi,
      'DanhSachHoSo',
      { ...dayParams(days), loaiNgay: kind, trang: 1, soLuong: 1 },
      true,
    );
    return reply.tongSo ?? reply.data?.length ?? 0;
  }

  /**
   * Every national dossier of `madonvi` whose date of `kind` falls in the days, a page at a
   * time, in page order. A list that does not end within `maxListPages` pages or
   * `maxListRecords` records, or serves a full page it served before, is an error naming it
   * (see PullGuard).
   * With `ahead`, pages are asked for before the caller has read the one before: as soon as a
   * full page has come and `ahead()` says yes, up to `depth` pages are kept in flight (never
   * past the last page the first reply's `tongSo` announces, unless that page comes full):
   * the same requests, the portal answering while the caller reads. A caller that may stop
   * after a full page (the record cap) says no in `ahead`; at most `depth` pages asked before
   * it said no are then read for nothing.
   */
  async *list(
    madonvi: string,
    days: Pick<Period, 'start' | 'end'>,
    kind: DateKind,
    pageSize = LIST_PAGE,
    ahead?: () => boolean,
    depth = 1,
  ): AsyncGenerator<unknown[]> {
    const what = `national DanhSachHoSo ${madonvi}`;
    const guard = new PullGuard(what, this.maxListPages, 0, 'maxListPages');
    const inFlight: Promise<Awaited<ReturnType<NationalClient['call']>>>[] = [];
    let asked = 0;
    let last = Infinity; // the last page, once the first reply's tongSo says
    const ask = (upTo: number) => {
      while (inFlight.length < upTo && asked < last) {
        const page = ++asked;
        const reply = (async () => {
          guard.beforePage(null);
          return this.call(
            madonvi,
            'DanhSachHoSo',
            { ...dayParams(days), loaiNgay: kind, trang: page, soLuong: pageSize },
            true,
          );
        })();
        reply.catch(() => undefined); // awaited below; not a crash if the caller stops first
        inFlight.push(reply);
      }
    };
    let records = 0;
    ask(1);
    for (let page = 1; ; page++) {
      const reply = await inFlight.shift()!;
      const data = reply.data ?? [];
      if (page === 1 && typeof reply.tongSo === 'number') last = Math.max(1, Math.ceil(reply.tongSo / pageSize));
      guard.afterPage(data, data.length >= pageSize, dvcqgItemKey);
      records += data.length;
      if (records > this.maxListRecords)
        throw new NoProgressError(`${what}: more than ${this.maxListRecords} records (maxListRecords): stopped`);
      const more = data.length >= pageSize;
      if (more && inFlight.length === 0 && asked >= last) last = Infinity; // tongSo fell behind the list
      if (more && ahead !== undefined && ahead()) ask(Math.max(1, depth));
      if (data.length) yield data;
      if (!more) return;
      ask(1);
    }
  }
}
