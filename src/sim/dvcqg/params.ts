/** The request parameters of the `dvcqg` services (provincial and national), checked. */
import { parseCompact, parseDay } from '../../domain/time.js';
import { makePeriod, type Period } from '../../domain/period.js';

export type Params = Record<string, unknown>;

/** A parameter the service refuses: `"400"` with the message. */
export class ParamError extends Error {}

const MAX_PAGE = 1000;

export function intParam(params: Params, name: string, min: number, max: number, fallback: number): number {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(v)) throw new ParamError(`${name}: ${JSON.stringify(raw)} is not an integer`);
  if (v < min || v > max) throw new ParamError(`${name}: ${v} is out of range ${min}..${max}`);
  return v;
}

export function boolParam(params: Params, name: string): boolean {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === false || raw === 0 || raw === '0' || raw === 'false') return false;
  if (raw === true || raw === 1 || raw === '1' || raw === 'true') return true;
  throw new ParamError(`${name}: ${JSON.stringify(raw)} is not a boolean`);
}

export function stampParam(params: Params, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const ms = typeof raw === 'string' ? parseCompact(raw) : undefined;
  if (ms === undefined) throw new ParamError(`${name}: ${JSON.stringify(raw)} is not a time yyyyMMddHHmmss`);
  return ms;
}

export function dayParam(params: Params, name: string): string {
  const raw = params[name];
  if (typeof raw !== 'string' || !/^\d{8}$/.test(raw) || parseDay(raw) === undefined)
    throw new ParamError(`${name}: ${JSON.stringify(raw ?? null)} is not a day yyyyMMdd`);
  return raw;
}

export function periodParams(params: Params): Period {
  const from = dayParam(params, 'tuNgay');
  const to = dayParam(params, 'denNgay');
  if (to < from) throw new ParamError(`denNgay ${to} is before tuNgay ${from}`);
  return makePeriod(from, to);
}

export function pageParams(params: Params): { trang: number; soLuong: number } {
  return {
    trang: intParam(params, 'trang', 1, Number.MAX_SAFE_INTEGER, 1),
    soLuong: intParam(params, 'soLuong', 1, MAX_PAGE, 100),
  };
}

export function page<T>(items: readonly T[], lo: number, hi: number, p: { trang: number; soLuong: number }): T[] {
  const from = lo + (p.trang - 1) * p.soLuong;
  return from >= hi ? [] : items.slice(from, Math.min(hi, from + p.soLuong));
}
