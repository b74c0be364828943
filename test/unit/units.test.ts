import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitRegistryFile } from '../../schemas/units.js';
import { activeUnits, createUnitRegistry, currentProvince, unitOf, unitRegistry, unitSegment } from '../../src/normalise/units.js';

const raw = JSON.parse(readFileSync(new URL('../../data/provincial-units.json', import.meta.url), 'utf8')) as Record<string, unknown>;

// Instants in Vietnam time (UTC+7): the merger takes effect at local midnight of 2025-07-01.
const BEFORE = new Date('2025-06-30T23:59:59+07:00');
const AFTER = new Date('2025-07-01T00:00:00+07:00');

/** Confirmed codes in the data file (see its `sources`); the rest are in `unconfirmed`. */
const CONFIRMED_BEFORE = 5; // H29, H49, H54, H56, H57
const CONFIRMED_AFTER = 4; // H54 (Thái Bình) closed on 2025-06-30

describe('unit registry data', () => {
  it('validates against its schema and accounts for all 63 pre-merger units and 34 post-merger ones', () => {
    const file = unitRegistryFile.parse(raw);
    expect(file.units.length + file.unconfirmed.length).toBe(63);
    expect(file.mergers).toHaveLength(34);
    expect(file.mergers.filter((m) => m.kind === 'city')).toHaveLength(6);
    expect(file.mergers.flatMap((m) => m.predecessors)).toHaveLength(63);
    expect(file.sources.length).toBeGreaterThan(0);
  });

  it('stores every name in NFC', () => {
    const file = unitRegistryFile.parse(raw);
    const names = [
      ...file.units.flatMap((u) => [u.name, u.successorName]),
      ...file.unconfirmed,
      ...file.mergers.flatMap((m) => [m.name, ...m.predecessors]),
    ];
    for (const n of names) expect(n).toBe(n.normalize('NFC'));
    expect(unitOf('H49')?.name).toBe('Quảng Ninh'.normalize('NFC'));
  });

  it('rejects an NFD name', () => {
    const file = unitRegistryFile.parse(raw);
    const bad = { ...file, units: file.units.map((u) => (u.code === 'H49' ? { ...u, name: u.name.normalize('NFD') } : u)) };
    expect(unitRegistryFile.safeParse(bad).success).toBe(false);
  });

  it('rejects a successor that is not in the registry', () => {
    const file = unitRegistryFile.parse(raw);
    const bad = { ...file, units: file.units.map((u) => (u.code === 'H54' ? { ...u, successor: 'H99' } : u)) };
    expect(unitRegistryFile.safeParse(bad).success).toBe(false);
  });
});

describe('activeUnits', () => {
  it('counts the confirmed units valid before and after 2025-07-01', () => {
    expect(activeUnits(BEFORE)).toHaveLength(CONFIRMED_BEFORE);
    expect(activeUnits(AFTER)).toHaveLength(CONFIRMED_AFTER);
    expect(activeUnits(AFTER).map((u) => u.code)).not.toContain('H54');
    // With every code confirmed these would be 63 and 34.
    expect(CONFIRMED_BEFORE + unitRegistry.unconfirmed.length).toBe(63);
  });

  it('places an instant on its Vietnam calendar day', () => {
    // 2025-06-30T17:00Z is already 2025-07-01 in Vietnam.
    expect(activeUnits(new Date('2025-06-30T17:00:00Z'))).toHaveLength(CONFIRMED_AFTER);
    expect(activeUnits(new Date('2025-06-30T16:59:59Z'))).toHaveLength(CONFIRMED_BEFORE);
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

describe('currentProvince on a registry whose successor is known', () => {
  // A fixture built from the real file: H54 is pointed at H49 only to exercise the resolution
  // path; it is not a claim about the real merger (see the data file for that).
  const file = unitRegistryFile.parse(raw);
  const fixture = createUnitRegistry({
    ...file,
    units: file.units.map((u) => (u.code === 'H54' ? { ...u, successor: 'H49' } : u)),
  });

  it('resolves a closed code to its successor from 2025-07-01 and to itself before', () => {
    expect(fixture.currentProvince('000.00.00.H54', BEFORE)).toBe('H54');
    expect(fixture.currentProvince('000.00.00.H54', AFTER)).toBe('H49');
    expect(fixture.currentProvince('H54', new Date('2030-01-01T00:00:00+07:00'))).toBe('H49');
  });

  it('is undefined before a code was valid', () => {
    const later = createUnitRegistry({
      ...file,
      units: file.units.map((u) => (u.code === 'H49' ? { ...u, validFrom: '2020-01-01' } : u)),
    });
    expect(later.currentProvince('H49', new Date('2019-12-31T12:00:00+07:00'))).toBeUndefined();
    expect(later.currentProvince('H49', new Date('2020-01-01T00:00:00+07:00'))).toBe('H49');
  });
});
