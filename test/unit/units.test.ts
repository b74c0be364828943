import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitRegistryFile } from '../../schemas/units.js';
import {
  activeUnits,
  createUnitRegistry,
  currentProvince,
  unitOf,
  unitRegistry,
  unitSegment,
} from '../../src/normalise/units.js';

const raw = JSON.parse(readFileSync(new URL('../../data/provincial-units.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

// Instants in Vietnam time (UTC+7): the merger takes effect at local midnight of 2025-07-01.
const BEFORE = new Date('2025-06-30T23:59:59+07:00');
const AFTER = new Date('2025-07-01T00:00:00+07:00');

const file = unitRegistryFile.parse(raw);
/** Units whose code a source confirms; the rest are named in `unconfirmed` (see the file's `sources`). */
const confirmed = file.units.map((u) => u.code);

describe('unit registry data', () => {
  it('validates against its schema and accounts for all 63 pre-merger units and 34 post-merger ones', () => {
    expect(file.units.length + file.unconfirmed.length).toBe(63);
    expect(file.mergers).toHaveLength(34);
    expect(file.mergers.filter((m) => m.kind === 'city')).toHaveLength(6);
    expect(file.mergers.flatMap((m) => m.predecessors)).toHaveLength(63);
    expect(file.sources.length).toBeGreaterThan(0);
  });

  it('stores every name in NFC', () => {
    const names = [
      ...file.units.flatMap((u) => [u.name, u.successorName]),
      ...file.unconfirmed,
      ...file.mergers.flatMap((m) => [m.name, ...m.predecessors]),
    ];
    for (const n of names) expect(n).toBe(n.normalize('NFC'));
    expect(unitOf('H49')?.name).toBe('Quảng Ninh'.normalize('NFC'));
  });

  it('rejects an NFD name', () => {
    const bad = {
      ...file,
      units: file.units.map((u) => (u.code === 'H49' ? { ...u, name: u.name.normalize('NFD') } : u)),
    };
    expect(unitRegistryFile.safeParse(bad).success).toBe(false);
  });

  it('rejects a successor that is not in the registry', () => {
    const bad = { ...file, units: file.units.map((u) => (u.code === 'H54' ? { ...u, successor: 'H99' } : u)) };
    expect(unitRegistryFile.safeParse(bad).success).toBe(false);
  });

  it('rejects units and mergers that disagree (Decision 09/2025: the merged unit keeps the code of its namesake)', () => {
    const issues = (f: unknown) => (unitRegistryFile.safeParse(f).error?.issues ?? []).map((i) => i.message);
    // Đắk Nông closed into Lâm Đồng (H36), not into Đà Nẵng (H17).
    expect(
      issues({ ...file, units: file.units.map((u) => (u.code === 'H16' ? { ...u, successor: 'H17' } : u)) }),
    ).toContain('Đắk Nông closes into Lâm Đồng, whose code is H36');
    // Lâm Đồng keeps its own code.
    expect(
      issues({ ...file, mergers: file.mergers.map((m) => (m.name === 'Lâm Đồng' ? { ...m, code: 'H16' } : m)) }),
    ).toContain('Lâm Đồng keeps the code of Lâm Đồng: H36, not H16');
    // A predecessor that keeps its code does not close; one that does not, closes.
    expect(
      issues({
        ...file,
        units: file.units.map((u) => (u.code === 'H36' ? { ...u, validTo: '2025-06-30', successor: null } : u)),
      }),
    ).toContain('Lâm Đồng keeps its code');
    expect(
      issues({
        ...file,
        units: file.units.map((u) => (u.code === 'H16' ? { ...u, validTo: null, successor: 'H16' } : u)),
      }),
    ).toContain("Đắk Nông's code closes when it merges into Lâm Đồng");
  });
});

describe('activeUnits', () => {
  const mergedCodes = file.mergers.flatMap((m) => (m.code === null ? [] : [m.code])).sort();

  it('is every confirmed unit before 2025-07-01 and exactly the merged units with a confirmed code after', () => {
    expect(activeUnits(BEFORE).map((u) => u.code)).toEqual([...confirmed].sort());
    expect(activeUnits(AFTER).map((u) => u.code)).toEqual(mergedCodes);
    expect(activeUnits(AFTER).map((u) => u.code)).not.toContain('H54'); // Thái Bình, into Hưng Yên
    expect(activeUnits(AFTER).map((u) => u.code)).not.toContain('H16'); // Đắk Nông, into Lâm Đồng
    // With every code confirmed these would be 63 and 34.
    expect(confirmed.length + unitRegistry.unconfirmed.length).toBe(63);
    expect(mergedCodes.length + file.mergers.filter((m) => m.code === null).length).toBe(34);
  });

  it('places an instant on its Vietnam calendar day', () => {
    // 2025-06-30T17:00Z is already 2025-07-01 in Vietnam.
    expect(activeUnits(new Date('2025-06-30T17:00:00Z'))).toHaveLength(mergedCodes.length);
    expect(activeUnits(new Date('2025-06-30T16:59:59Z'))).toHaveLength(confirmed.length);
  });
});

describe('unitOf', () => {
  it('accepts a unit code, an agency code or a dossier code', () => {
    expect(unitOf('H49')?.code).toBe('H49');
    expect(unitOf('000.00.00.H49')?.code).toBe('H49');
    expect(unitOf('000.00.14.H56-200203-0118')?.code).toBe('H56');
    expect(unitSegment('000.00.23.H12')).toBe('H12');
  });

  it('is undefined for an unknown or malformed code', () => {
    expect(unitOf('H99')).toBeUndefined();
    expect(unitOf('000.00.00.H99')).toBeUndefined();
    expect(unitOf('Quảng Ninh')).toBeUndefined();
    expect(unitOf('')).toBeUndefined();
  });
});

describe('currentProvince', () => {
  it('resolves a kept code (H49, Quảng Ninh) to itself on both sides of the merger', () => {
    expect(currentProvince('H49', BEFORE)).toBe('H49');
    expect(currentProvince('000.00.00.H49', AFTER)).toBe('H49');
    expect(currentProvince('000.00.00.H49')).toBe('H49');
  });

  it('resolves a closed code to itself before the merger date', () => {
    expect(currentProvince('000.00.00.H54', BEFORE)).toBe('H54');
  });

  it('resolves a pre-merger agency code to the province it is part of now', () => {
    // Đắk Nông (H16) became part of Lâm Đồng (H36); Quảng Nam (H47) of Đà Nẵng (H17).
    expect(currentProvince('000.00.00.H16', BEFORE)).toBe('H16');
    expect(currentProvince('000.00.00.H16', AFTER)).toBe('H36');
    expect(currentProvince('000.00.14.H47-250630-0001', AFTER)).toBe('H17');
    expect(currentProvince('H47', new Date('2030-01-01T00:00:00+07:00'))).toBe('H17');
    expect(unitOf('H16')).toMatchObject({
      name: 'Đắk Nông',
      validTo: '2025-06-30',
      successor: 'H36',
      successorName: 'Lâm Đồng',
    });
  });

  it('is undefined after the merger for a closed code whose successor code is unconfirmed', () => {
    // Thái Bình became part of Hưng Yên; Hưng Yên's code is not confirmed by any source read.
    expect(unitOf('H54')?.successorName).toBe('Hưng Yên');
    expect(currentProvince('H54', AFTER)).toBeUndefined();
  });

  it('is undefined for an unknown code or an invalid date', () => {
    expect(currentProvince('H99', AFTER)).toBeUndefined();
    expect(currentProvince('H49', new Date(Number.NaN))).toBeUndefined();
  });
});

describe('currentProvince on a registry with validity dates of its own', () => {
  it('is undefined before a code was valid', () => {
    const later = createUnitRegistry({
      ...file,
      units: file.units.map((u) => (u.code === 'H49' ? { ...u, validFrom: '2020-01-01' } : u)),
    });
    expect(later.currentProvince('H49', new Date('2019-12-31T12:00:00+07:00'))).toBeUndefined();
    expect(later.currentProvince('H49', new Date('2020-01-01T00:00:00+07:00'))).toBe('H49');
  });
});
