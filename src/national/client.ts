/** The national portal feed (docs/contracts.md, The national feed): statistics, look-up by code, and lists for the explanation pass. */
import type { NationalConfig } from '../../schemas/config.js';
import type { Figures } from '../domain/figures.js';
import type { Period } from '../domain/period.js';
import { dvcqgItemKey } from '../sources/dvcqg.js';
import { EnvelopeClient, type Credentials } from '../dialects/dvcqg/envelope.js';
import { NoProgressError, PullGuard, pageDigest } from '../sources/progress.js';
import { parseItems, parseJsonBody, splitDataArray } from '../http/json-body.js';
import type { HttpClient } from '../http/client.js';
import { dayParams, parseStatsRows, statsParams } from '../dialects/dvcqg/fields.js';
import type { NationalLoad } from '../domain/figures.js';

export type DateKind = 'TiepNhan' | 'KetThucXuLy' | 'CapNhat';

/** A list page's items as a `PageReader` read them: how many, their digest (`pageDigest`), and what it made of them. */
export interface PageRead<T> {
  records: number;
  digest: string;
  value: T;
}

/** How `NationalClient.readList` reads each page's items. */
export interface PageReader<T> {
  /** The bytes of a page's items (between its data array's brackets, `splitDataArray`): read here or elsewhere. */
  bytes(items: Buffer): PageRead<T> | Promise<PageRead<T>>;
  /** A page's items already parsed (a reply that is not an envelope around its data array). */
  items(items: unknown[]): PageRead<T>;
}

/** A page of these items, read as `value`. */
export function pageRead<T>(items: readonly unknown[], value: T): PageRead<T> {
  return { records: items.length, digest: pageDigest(items, dvcqgItemKey), value };
}

/** A page read as its items, as they came. */
const RAW_ITEMS: PageReader<unknown[]> = {
  bytes: (items) => RAW_ITEMS.items(parseItems(items)),
  items: (items) => pageRead(items, items),
};

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
    this.meter(dossiers ? (reply.data?.length ?? 0) : 0);
    return reply;
  }

  /** A request answered with `records` dossier records, counted in this load and its parents'. */
  private meter(records: number): void {
    for (let c: NationalClient | undefined = this; c; c = c.parent) {
      c.load.requests++;
      c.load.records += records;
    }
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
   * time, in page order (`readList` with the items as they came).
   */
  async *list(
    madonvi: string,
    days: Pick<Period, 'start' | 'end'>,
    kind: DateKind,
    pageSize = LIST_PAGE,
    ahead?: () => boolean,
    depth = 1,
  ): AsyncGenerator<unknown[]> {
    for await (const page of this.readList(madonvi, days, kind, RAW_ITEMS, pageSize, ahead, depth)) yield page.value;
  }

  /**
   * Every national dossier of `madonvi` whose date of `kind` falls in the days, a page at a
   * time, in page order, each page as `reader` reads it (`PageRead`). A list that does not end within
   * `maxListPages` pages or `maxListRecords` records, or serves a full page it served before,
   * is an error naming it (see PullGuard).
   * With `ahead`, pages are asked for before the caller has read the one before: as soon as a
   * full page has come and `ahead()` says yes, up to `depth` pages are kept in flight (never
   * past the last page the first reply's `tongSo` announces, unless that page comes full):
   * the same requests, the portal answering while the caller reads (and the reader reading
   * each page as it comes). A caller that may stop after a full page (the record cap) says no
   * in `ahead`; at most `depth` pages asked before it said no are then read for nothing.
   */
  async *readList<T>(
    madonvi: string,
    days: Pick<Period, 'start' | 'end'>,
    kind: DateKind,
    reader: PageReader<T>,
    pageSize = LIST_PAGE,
    ahead?: () => boolean,
    depth = 1,
  ): AsyncGenerator<PageRead<T>> {
    const what = `national DanhSachHoSo ${madonvi}`;
    const guard = new PullGuard(what, this.maxListPages, 0, 'maxListPages');
    const inFlight: Promise<{ tongSo?: number; page: PageRead<T> }>[] = [];
    let asked = 0;
    let last = Infinity; // the last page, once the first reply's tongSo says
    const ask = (upTo: number) => {
      while (inFlight.length < upTo && asked < last) {
        const page = ++asked;
        const reply = (async () => {
          guard.beforePage(null);
          return this.readPage(madonvi, { ...dayParams(days), loaiNgay: kind, trang: page, soLuong: pageSize }, reader);
        })();
        reply.catch(() => undefined); // awaited below; not a crash if the caller stops first
        inFlight.push(reply);
      }
    };
    let records = 0;
    ask(1);
    for (let page = 1; ; page++) {
      const { tongSo, page: read } = await inFlight.shift()!;
      if (page === 1 && typeof tongSo === 'number') last = Math.max(1, Math.ceil(tongSo / pageSize));
      const more = read.records >= pageSize;
      if (more) guard.afterPageRead(read.digest, read.records);
      records += read.records;
      if (records > this.maxListRecords)
        throw new NoProgressError(`${what}: more than ${this.maxListRecords} records (maxListRecords): stopped`);
      if (more && inFlight.length === 0 && asked >= last) last = Infinity; // tongSo fell behind the list
      if (more && ahead !== undefined && ahead()) ask(Math.max(1, depth));
      if (read.records) yield read;
      if (!more) return;
      ask(1);
    }
  }

  /** One page of a list (DanhSachHoSo), its items read by `reader`; counted as `call` counts. */
  private async readPage<T>(
    madonvi: string,
    params: Record<string, unknown>,
    reader: PageReader<T>,
  ): Promise<{ tongSo?: number; page: PageRead<T> }> {
    let page: PageRead<T> | undefined;
    const read = async (body: Buffer): Promise<unknown> => {
      const split = splitDataArray(body);
      if (split) {
        try {
          page = await reader.bytes(split.items);
          return split.envelope;
        } catch (err) {
          // not items after all (an array after `data` in the envelope, say): read as a whole below
          if (!(err instanceof SyntaxError)) throw err;
        }
      }
      const whole = parseJsonBody(body); // a reply of another shape: read as a whole
      const data = (whole as { data?: unknown } | null)?.data;
      page = reader.items(Array.isArray(data) ? data : []);
      return whole;
    };
    const reply = await this.envelope.call(madonvi, 'DanhSachHoSo', params, read);
    this.meter(page!.records);
    return { tongSo: reply.tongSo, page: page! };
  }
}
