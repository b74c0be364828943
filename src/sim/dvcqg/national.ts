/**
 * The national portal feed of the simulator (`/national`, dvcqg dialect): `ThongKeHoSo` of the
 * national copies (with the world's unexplained keys), `TraCuuHoSo` by code and `DanhSachHoSo`
 * by date, the push `DongBoHoSoMC` (src/sim/dvcqg/push.ts), and the counters of what it was asked.
 */
import type { CanonicalDossier } from '../../../schemas/dossier.js';
import { agencyOfDossierCode, provinceOfAgency } from '../../domain/codes.js';
import { toDvcqgItem } from '../../dialects/dvcqg/normalise.js';
import { page, pageParams, periodParams, ParamError, type Params } from './params.js';
import {
  RawReply,
  findByCode,
  nationalByCode,
  nationalOf,
  nationalUnit,
  type Unit,
  type Reply,
  type Service,
  type State,
} from './state.js';
import { dongBoHoSoMC } from './push.js';
import { thongKeHoSo } from './statistics.js';

const MAX_LOOKUP = 100;
const LIST_CACHE = 16;

/** National: the national copy of each known code among `mahoso` (at most 100). */
function traCuuHoSo(state: State, params: Params): Reply {
  nationalUnit(state, params.madonvi);
  const codes = params.mahoso;
  if (!Array.isArray(codes) || !codes.every((c) => typeof c === 'string'))
    throw new ParamError('mahoso: must be an array of dossier codes');
  if (codes.length > MAX_LOOKUP) throw new ParamError(`mahoso: at most ${MAX_LOOKUP} codes, got ${codes.length}`);
  const data: Record<string, string>[] = [];
  for (const code of new Set(codes as string[])) {
    // the province named by the code's agency, or every province for codes without one
    const agency = agencyOfDossierCode(code);
    const home = agency === undefined ? undefined : state.provinces.get(provinceOfAgency(agency) ?? '');
    for (const index of home ? [home] : state.provinces.values()) {
      const d = findByCode(nationalByCode(index), code);
      if (d) {
        data.push(toDvcqgItem(d));
        break;
      }
    }
  }
  return { error_code: 0, tongSo: data.length, data };
}

const DATE_KINDS = {
  TiepNhan: 'receivedAt',
  KetThucXuLy: 'finishedAt',
  CapNhat: 'updatedAt',
} as const satisfies Record<string, keyof CanonicalDossier>;

const DRILL_FIELDS = [
  'MaHoSo',
  'MaTTHC',
  'TrangThaiHoSo',
  'NgayTiepNhan',
  'NgayHenTra',
  'NgayKetThucXuLy',
  'NgayTra',
  'KenhThucHien',
  'HoSoCoThanhPhanSoHoa',
  'NgayCapNhat',
] as const;

function drillItem(d: CanonicalDossier): Record<string, string> {
  const item = toDvcqgItem(d);
  const out = Object.fromEntries(DRILL_FIELDS.map((f) => [f, item[f] ?? '']));
  if (item.NgayNopHoSo) out.NgayNopHoSo = item.NgayNopHoSo; // where the world knows it (WorldOptions.nationalRules)
  return out;
}

/** `drillItem` as JSON bytes, kept per dossier: the same national lists are read again and again. */
const renderedDrillItems = new WeakMap<CanonicalDossier, Buffer>();
function drillItemJson(d: CanonicalDossier): Buffer {
  let bytes = renderedDrillItems.get(d);
  if (bytes === undefined) renderedDrillItems.set(d, (bytes = Buffer.from(JSON.stringify(drillItem(d)))));
  return bytes;
}

/** National drill-down: national dossiers whose chosen date falls in the days, by code. */
function danhSachHoSo(state: State, params: Params): Reply {
  const unit = nationalUnit(state, params.madonvi);
  const period = periodParams(params);
  const kind = params.loaiNgay;
  if (typeof kind !== 'string' || !Object.hasOwn(DATE_KINDS, kind))
    throw new ParamError(
      `loaiNgay: ${JSON.stringify(kind ?? null)} is not one of ${Object.keys(DATE_KINDS).join(', ')}`,
    );
  const field = DATE_KINDS[kind as keyof typeof DATE_KINDS];
  const p = pageParams(params);
  return answeredOnce(state, unit, ['DanhSachHoSo', period.from, period.to, kind, p.trang, p.soLuong], () => {
    const key = [unit.code, period.from, period.to, kind].join('|');
    let list = state.lists.get(key);
    if (!list) {
      list = nationalOf(unit).filter((d) => {
        const t = d[field];
        return t !== null && t >= period.start && t < period.end;
      });
      if (state.lists.size >= LIST_CACHE) state.lists.delete(state.lists.keys().next().value!);
      state.lists.set(key, list);
    }
    const items = page(list, 0, list.length, p);
    return new RawReply(list.length, items.map(drillItemJson));
  });
}

/** `answer()`, kept by `key` once answered where the unit's province is pre-rendered (`State.answered`). */
function answeredOnce(state: State, unit: Unit, key: unknown[], answer: () => Reply): Reply {
  if (!unit.index.rendered) return answer();
  const k = JSON.stringify([unit.code, ...key]);
  let reply = state.answered.get(k);
  if (!reply) state.answered.set(k, (reply = answer()));
  return reply;
}

export const NATIONAL: Record<string, Service> = {
  ThongKeHoSo: (state, params) => {
    const unit = nationalUnit(state, params.madonvi);
    const answer = () =>
      thongKeHoSo(
        unit.index.world.national,
        unit,
        params,
        unit.index.world.nationalAlterations,
        unit.index.world.nationalRules,
      );
    return answeredOnce(
      state,
      unit,
      ['ThongKeHoSo', params.tuNgay, params.denNgay, params.theoDonVi, params.theoTTHC],
      answer,
    );
  },
  TraCuuHoSo: (state, params) => traCuuHoSo(state, params),
  DanhSachHoSo: (state, params) => danhSachHoSo(state, params),
  DongBoHoSoMC: (state, params) => dongBoHoSoMC(state, params),
};

/** Counts a national request and the items its reply returned (Simulator.nationalLoad). */
export function countNational(state: State, service: string, madonvi: unknown, reply: Reply): void {
  const key = `${service}|${String(madonvi)}`;
  let row = state.nationalLoad.get(key);
  if (!row) state.nationalLoad.set(key, (row = { service, madonvi: String(madonvi), requests: 0, records: 0 }));
  row.requests++;
  if (reply instanceof RawReply) row.records += reply.items;
  else row.records += Array.isArray(reply.data) ? reply.data.length : 0;
}
