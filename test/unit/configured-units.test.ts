import { afterEach, describe, expect, it } from 'vitest';
import { configFile } from '../../schemas/config.js';
import { formatReport } from '../../src/cli/format.js';
import { closedProvinceWarnings, parseConfig, unknownProvinceWarnings } from '../../src/config/load.js';
import { provinceLabel, unitRegistry, useUnits } from '../../src/normalise/units.js';
import { runPage } from '../../src/server/pages/run.js';
import { octoberRun } from '../helpers/fixtures.js';

// H80 is in no shipped record: an operator's unit.
const NEW = 'H80';
const NAME = 'Tỉnh Thử Nghiệm';
const env = { U: 'u', P: 'p' };

function raw(units?: unknown[], provinces: string[] = [NEW]): Record<string, unknown> {
  return {
    sources: provinces.map((p) => ({
      id: p.toLowerCase(),
      province: p,
      dialect: 'dvcqg',
      baseUrl: 'http://127.0.0.1:1',
      usernameEnv: 'U',
      passwordEnv: 'P',
    })),
    national: { baseUrl: 'http://127.0.0.1:2', usernameEnv: 'U', passwordEnv: 'P' },
    ...(units === undefined ? {} : { units }),
  };
}

const issues = (units: unknown[]) => {
  const r = configFile.safeParse(raw(units));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const report = octoberRun([
  {
    province: NEW,
    coverage: { status: 'complete', why: null },
    sources: [],
    agencies: 0,
    mismatches: [],
    findings: [],
    incidents: [],
  },
]);

afterEach(() => {
  useUnits([]);
});

describe('units in the configuration', () => {
  it('are not known before they are configured', () => {
    expect(unitRegistry.unitOf(NEW)).toBeUndefined();
    expect(provinceLabel(NEW)).toBe(NEW);
  });

  it('name a configured province in the table report and on the dashboard run page', () => {
    const cfg = parseConfig(raw([{ code: NEW, name: NAME }]), 'test.yaml', env);
    useUnits(cfg.units);
    expect(formatReport(report, 'table', 'en')).toContain(`${NEW} ${NAME}`);
    expect(runPage({ lang: 'en', defaultLang: 'en', path: '/runs/r1' }, report)).toContain(`${NEW} ${NAME}`);
    useUnits([]);
    expect(formatReport(report, 'table', 'en')).not.toContain(NAME);
  });

  it('override a shipped record by code', () => {
    const cfg = parseConfig(raw([{ code: 'H49', name: 'Quảng Ninh (cấu hình)' }], ['H49']), 'test.yaml', env);
    expect(useUnits(cfg.units).unitOf('H49')?.name).toBe('Quảng Ninh (cấu hình)');
    expect(provinceLabel('H49')).toBe('H49 Quảng Ninh (cấu hình)');
  });

  it('are a configuration error naming the field when they contradict the schema', () => {
    expect(issues([{ code: NEW, name: NAME, validFrom: '2026-01-02', validTo: '2026-01-01' }])).toEqual([
      'units.0.validTo: validTo is before validFrom',
    ]);
    expect(issues([{ code: NEW, name: NAME, validTo: '2026-01-01', mergedInto: 'H81' }])).toEqual([
      'units.0.mergedInto: H81 is neither in the shipped unit registry nor in units',
    ]);
    expect(issues([{ code: 'X80', name: NAME }])).toEqual([expect.stringMatching(/^units\.0\.code: /)]);
    expect(issues([{ code: NEW, name: NAME, successor: 'H49' }])).toEqual([expect.stringMatching(/^units\.0: /)]);
    expect(
      issues([
        { code: NEW, name: NAME },
        { code: NEW, name: NAME },
      ]),
    ).toEqual(['units.1.code: duplicate unit code H80']);
    expect(() =>
      parseConfig(raw([{ code: NEW, name: NAME, validFrom: '2026-01-02', validTo: '2026-01-01' }]), 'test.yaml', env),
    ).toThrow(/units\[0\]\.validTo: validTo is before validFrom/);
  });

  it('follow a configured merger into a shipped or configured unit', () => {
    const cfg = parseConfig(
      raw([{ code: NEW, name: NAME, validTo: '2025-06-30', mergedInto: 'H49' }]),
      'test.yaml',
      env,
    );
    const registry = useUnits(cfg.units);
    expect(registry.currentProvince(NEW, new Date('2026-01-01T00:00:00+07:00'))).toBe('H49');
    expect(closedProvinceWarnings(cfg, new Date('2026-01-01T00:00:00+07:00'))).toEqual([
      `source h80: province ${NEW} (${NAME}) closed on 2025-06-30; it is part of ${unitRegistry.unitOf('H49')!.name} (H49) since`,
    ]);
  });
});

describe('the start-up warning', () => {
  it('names a source whose province is in neither the shipped registry nor units', () => {
    const bare = parseConfig(raw(undefined, [NEW, 'H49']), 'test.yaml', env);
    expect(unknownProvinceWarnings(bare)).toEqual([
      `source h80: province ${NEW} is neither in the shipped unit registry (data/provincial-units.json) nor in units of the configuration`,
    ]);
    const named = parseConfig(raw([{ code: NEW, name: NAME }], [NEW, 'H49']), 'test.yaml', env);
    expect(unknownProvinceWarnings(named)).toEqual([]);
  });
});
