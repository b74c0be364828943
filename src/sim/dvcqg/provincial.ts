/** The provincial services of the `dvcqg` simulator: `LayDanhSachHoSo` (with faults) and `ThongKeHoSo`. */
import { toDvcqgItem } from '../../dialects/dvcqg/normalise.js';
import { isMalformed, type Served } from '../faults.js';
import type { ProvinceFaults } from '../faults/province-faults.js';
import { lowerBound } from '../world/order.js';
import { page, pageParams, stampParam, ParamError, type Params } from './params.js';
import { RawReply, localOf, unitIn, type Reply, type Service, type Unit } from './state.js';
import { thongKeHoSo } from './statistics.js';

/** Provincial: dossiers updated in [capNhatTu, capNhatDen), by updatedAt then code. */
function layDanhSachHoSo(unit: Unit, params: Params): Reply {
  const from = stampParam(params, 'capNhatTu') ?? -Infinity;
  const to = stampParam(params, 'capNhatDen') ?? Infinity;
  if (from > to) throw new ParamError('capNhatTu is after capNhatDen');
  const p = pageParams(params);
  const faults = unit.index.faults;
  if (faults) return faultyList(unit, faults, from, to, p);
  const list = localOf(unit);
  const lo = lowerBound(list, from);
  const hi = lowerBound(list, to);
  const rendered = unit.agency === null ? unit.index.rendered : undefined;
  if (rendered) return new RawReply(hi - lo, page(rendered, lo, hi, p));
  return { error_code: 0, tongSo: hi - lo, data: page(list, lo, hi, p).map(toDvcqgItem) };
}

/** `layDanhSachHoSo` with faults: drift before serving, malformed items mixed in, duplicates. */
function faultyList(
  unit: Unit,
  faults: ProvinceFaults,
  from: number,
  to: number,
  p: { trang: number; soLuong: number },
): Reply {
  if (faults.beforeList()) unit.index.localByAgency.clear();
  const list = faults.served(localOf(unit), unit.agency);
  const lo = lowerBound(list, from);
  const hi = lowerBound(list, to);
  const items: Served[] = page(list, lo, hi, p);
  const start = lo + (p.trang - 1) * p.soLuong;
  if (faults.duplicate(items.length > 0 && start > 0)) items.unshift(list[start - 1]!);
  return { error_code: 0, tongSo: hi - lo, data: items.map((e) => (isMalformed(e) ? { ...e.item } : toDvcqgItem(e))) };
}

export const PROVINCIAL: Record<string, Service> = {
  LayDanhSachHoSo: (_s, params, index) => layDanhSachHoSo(unitIn(index!, params.madonvi), params),
  ThongKeHoSo: (_s, params, index) =>
    thongKeHoSo(index!.world.local, unitIn(index!, params.madonvi), params, index!.misreport),
};
