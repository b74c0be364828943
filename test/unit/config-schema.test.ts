import { describe, expect, it } from 'vitest';
import { configFile } from '../../schemas/config.js';

function minimal(): Record<string, any> {
  return {
    sources: [
      {
        id: 'quang-ninh',
        province: 'H49',
        dialect: 'dvcqg',
        baseUrl: 'https://dvc.quangninh.example/api/',
        usernameEnv: 'QN_USER',
        passwordEnv: 'QN_PASS',
      },
    ],
    national: {
      baseUrl: 'https://national.example',
      usernameEnv: 'NATIONAL_USER',
      passwordEnv: 'NATIONAL_PASS',
    },
  };
}

function secondSource(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'gia-lai',
    province: 'H39',
    dialect: 'dvcqg',
    baseUrl: 'http://10.0.0.5:8080',
    usernameEnv: 'GL_USER',
    passwordEnv: 'GL_PASS',
    ...fields,
  };
}

/** A copy of the minimal config with one value replaced at a dotted path. */
function withValue(path: string, value: unknown): Record<string, any> {
  const cfg = minimal();
  const keys = path.split('.');
  let node: any = cfg;
  for (const k of keys.slice(0, -1)) node = node[k] ??= {};
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return cfg;
}

/** The distinct dotted paths of the issues of a failed parse. */
function errorPaths(input: unknown): string[] {
  const r = configFile.safeParse(input);
  if (r.success) throw new Error(`expected the config to be rejected: ${JSON.stringify(r.data)}`);
  return [...new Set(r.error.issues.map((i) => i.path.join('.')))];
}

function messages(input: unknown): string[] {
  const r = configFile.safeParse(input);
  if (r.success) throw new Error('expected the config to be rejected');
  return r.error.issues.map((i) => i.message);
}

describe('configFile: valid', () => {
  it('parses a minimal config and fills every default', () => {
    expect(configFile.parse(minimal())).toStrictEqual({
      redis: { prefix: 'dsync' },
      sources: [
        {
          id: 'quang-ninh',
          province: 'H49',
          dialect: 'dvcqg',
          baseUrl: 'https://dvc.quangninh.example/api',
          usernameEnv: 'QN_USER',
          passwordEnv: 'QN_PASS',
          pageSize: 500,
          timeoutMs: 15_000,
          retries: 5,
          maxResponseBytes: 32 * 1024 * 1024,
          rateLimit: 0,
          circuitBreaker: { failures: 5, cooldownMs: 30_000 },
          deadlineMs: 60_000,
          maxPages: 20_000,
          maxItemDepth: 32,
          maxItemBytes: 65_536,
          initialFrom: '2025-01-01',
        },
      ],
      national: {
        baseUrl: 'https://national.example',
        usernameEnv: 'NATIONAL_USER',
        passwordEnv: 'NATIONAL_PASS',
        timeoutMs: 30_000,
        deadlineMs: 120_000,
        maxListPages: 10_000,
        maxListRecords: 2_000_000,
        rateLimit: 0,
        maxRecordsPerRun: 0,
        lookbackDays: 366,
        staleAfterDays: 2,
      },
      counting: { withdrawnIsProcessed: false, processedOn: 'finished' },
      tolerances: { default: { absolute: 0, percent: 0 }, metrics: {} },
      index: {
        enabled: true,
        indicators: {
          '1.4': { max: 6, fullAt: 100, scale: 'proportional' },
          '2.1': { max: 20, fullAt: 100, scale: 'proportional' },
          '3.3': { max: 2, fullAt: 50, scale: 'proportional' },
          '4.3': { max: 2, fullAt: 80, scale: 'proportional' },
          '5.4': { max: 6, fullAt: 90, scale: 'proportional' },
        },
      },
      schedule: { cron: '0 1 * * *', timezone: 'Asia/Ho_Chi_Minh', catchUp: 'each' },
      dates: { earliest: '2000-01-01', skewHours: 24, dueBefore: '2100-01-01' },
      codes: { agencyPatterns: [] },
      units: [],
      reconcile: { previousMonthDays: 5 },
      repair: { maxDossiers: 1000, batchSize: 100 },
      worker: { concurrency: 4, attempts: 3, backoffMs: 5_000, maxStalledCount: 3 },
      alerts: { channels: [], groupBy: 'province', repeatHours: 0, summary: 'changes', lang: 'vi' },
      provincialFigures: {},
    });
  });

  it("takes a push account apart from the reading one, and repair limits within the portal's 100 a push", () => {
    const cfg = configFile.parse({
      ...minimal(),
      national: { ...minimal().national, push: { usernameEnv: 'PUSH_USER', passwordEnv: 'PUSH_PASS' } },
      repair: { maxDossiers: 50 },
    });
    expect(cfg.national.push).toStrictEqual({ usernameEnv: 'PUSH_USER', passwordEnv: 'PUSH_PASS' });
    expect(cfg.repair).toStrictEqual({ maxDossiers: 50, batchSize: 100 });
    expect(configFile.safeParse({ ...minimal(), repair: { batchSize: 101 } }).success).toBe(false);
    expect(
      configFile.safeParse({ ...minimal(), national: { ...minimal().national, push: { usernameEnv: 'PUSH_USER' } } })
        .success,
    ).toBe(false);
    expect(configFile.safeParse({ ...minimal(), repair: { maxDossier: 5 } }).success).toBe(false); // strict: a misspelt key is refused
  });

  it('strips trailing slashes from URLs', () => {
    const cfg = configFile.parse(withValue('national.baseUrl', 'http://national.example:8443/v1///'));
    expect(cfg.national.baseUrl).toBe('http://national.example:8443/v1');
    expect(cfg.sources[0]!.baseUrl).toBe('https://dvc.quangninh.example/api');
  });

  it('fills defaults inside partly given sections', () => {
    const input = {
      ...minimal(),
      redis: { url: 'redis://localhost:6379' },
      counting: { processedOn: 'returned' },
      worker: {},
    };
    const cfg = configFile.parse(input);
    expect(cfg.redis).toStrictEqual({ url: 'redis://localhost:6379', prefix: 'dsync' });
    expect(cfg.counting).toStrictEqual({ withdrawnIsProcessed: false, processedOn: 'returned' });
    expect(cfg.worker).toStrictEqual({ concurrency: 4, attempts: 3, backoffMs: 5_000, maxStalledCount: 3 });
  });

  it('keeps every value given in a full config', () => {
    const input = {
      redis: { url: 'rediss://cache.example:6380/2', prefix: 'dsync-test' },
      sources: [
        {
          ...minimal().sources[0],
          madonvi: '000.00.23.H49',
          statusMap: { DA_XU_LY: 9, DANG_XU_LY: 4, '5': 9 },
          pageSize: 1000,
          timeoutMs: 5000,
          initialFrom: '2024-07-01',
        },
        secondSource(),
      ],
      national: { ...minimal().national, timeoutMs: 60_000, lookbackDays: 0 },
      counting: { withdrawnIsProcessed: true, processedOn: 'returned' },
      worker: { concurrency: 64 },
    };
    const cfg = configFile.parse(input);
    expect(cfg.redis).toStrictEqual({ url: 'rediss://cache.example:6380/2', prefix: 'dsync-test' });
    expect(cfg.sources[0]).toStrictEqual({
      id: 'quang-ninh',
      province: 'H49',
      dialect: 'dvcqg',
      baseUrl: 'https://dvc.quangninh.example/api',
      madonvi: '000.00.23.H49',
      usernameEnv: 'QN_USER',
      passwordEnv: 'QN_PASS',
      statusMap: { DA_XU_LY: 9, DANG_XU_LY: 4, '5': 9 },
      pageSize: 1000,
      timeoutMs: 5000,
      retries: 5,
      maxResponseBytes: 32 * 1024 * 1024,
      rateLimit: 0,
      circuitBreaker: { failures: 5, cooldownMs: 30_000 },
      deadlineMs: 60_000,
      maxPages: 20_000,
      maxItemDepth: 32,
      maxItemBytes: 65_536,
      initialFrom: '2024-07-01',
    });
    expect(cfg.sources[1]!.baseUrl).toBe('http://10.0.0.5:8080');
    expect(cfg.national.timeoutMs).toBe(60_000);
    expect(cfg.national.lookbackDays).toBe(0);
    expect(cfg.counting).toStrictEqual({ withdrawnIsProcessed: true, processedOn: 'returned' });
    expect(cfg.worker.concurrency).toBe(64);
  });
});

describe('configFile: errors name the field at fault', () => {
  it.each([
    ['sources.0.baseUrl', 'ftp://x'],
    ['sources.0.baseUrl', 'not a url'],
    ['sources.0.baseUrl', ''],
    ['sources.0.baseUrl', undefined],
    ['sources.0.dialect', 'soap'],
    ['sources.0.dialect', 'DVCQG'],
    ['sources.0.dialect', undefined],
    ['sources.0.passwordEnv', 'qn_pass'],
    ['sources.0.passwordEnv', '1PASS'],
    ['sources.0.passwordEnv', 'QN-PASS'],
    ['sources.0.passwordEnv', undefined],
    ['sources.0.usernameEnv', 'Qn_User'],
    ['sources.0.id', 'Quang-Ninh'],
    ['sources.0.id', '-qn'],
    ['sources.0.id', ''],
    ['sources.0.province', 'h49'],
    ['sources.0.province', 'H4'],
    ['sources.0.province', '000.00.00.H49'],
    ['sources.0.madonvi', 'H49'],
    ['sources.0.madonvi', '000.00.00.h49'],
    ['sources.0.pageSize', 0],
    ['sources.0.pageSize', 1001],
    ['sources.0.pageSize', 10.5],
    ['sources.0.pageSize', '500'],
    ['sources.0.timeoutMs', 0],
    ['sources.0.initialFrom', '2025/01/01'],
    ['sources.0.initialFrom', '20250101'],
    ['national.baseUrl', 'ftp://national.example'],
    ['national.passwordEnv', 'national_pass'],
    ['national.lookbackDays', -1],
    ['national.lookbackDays', 3661],
    ['national.timeoutMs', -5],
    ['redis.url', 'http://localhost:6379'],
    ['redis.prefix', 'DSync'],
    ['counting.processedOn', 'submitted'],
    ['counting.withdrawnIsProcessed', 'yes'],
    ['counting.dueCompare', 'hour'],
    ['counting.periodEnd', 'open'],
    ['counting.receivedOn', 'submitted'],
    ['worker.concurrency', 0],
    ['worker.concurrency', 65],
  ])('%s = %j', (path, value) => {
    expect(errorPaths(withValue(path, value))).toStrictEqual([path]);
  });

  it("adopts a counting variant (the portal's way), and says why received cannot be keyed on submission", () => {
    const cfg = configFile.parse({
      ...minimal(),
      counting: { dueCompare: 'time', periodEnd: 'exclusive', withdrawnIsProcessed: true },
    });
    expect(cfg.counting).toStrictEqual({
      withdrawnIsProcessed: true,
      processedOn: 'finished',
      dueCompare: 'time',
      periodEnd: 'exclusive',
    });
    expect(messages(withValue('counting.receivedOn', 'submitted'))).toStrictEqual([
      'only "received" (the intake date): the store does not keep the submission date (NgayNopHoSo)',
    ]);
  });

  it('index: an unknown key, a weight or threshold out of range, an unknown scale, each named', () => {
    const index = (indicators: unknown) => ({ ...minimal(), index: { indicators } });
    expect(errorPaths(index({ '4.3': { fullat: 70 } }))).toStrictEqual(['index.indicators.4.3']);
    expect(errorPaths(index({ '4.3': { fullAt: 0 } }))).toStrictEqual(['index.indicators.4.3.fullAt']);
    expect(errorPaths(index({ '2.1': { max: -1 } }))).toStrictEqual(['index.indicators.2.1.max']);
    expect(errorPaths(index({ '5.4': { scale: 'log' } }))).toStrictEqual(['index.indicators.5.4.scale']);
    expect(errorPaths(index({ '9.9': { max: 1 } }))).toStrictEqual(['index.indicators']);
    expect(errorPaths({ ...minimal(), index: { enabled: 'yes' } })).toStrictEqual(['index.enabled']);
    expect(
      configFile.parse({ ...minimal(), index: { indicators: { '4.3': { fullAt: 70 } } } }).index.indicators['4.3'],
    ).toStrictEqual({
      max: 2,
      fullAt: 70,
      scale: 'proportional',
    });
  });

  it('says why a non-http URL is wrong', () => {
    expect(messages(withValue('sources.0.baseUrl', 'ftp://x'))).toContain('must be an http:// or https:// URL');
  });

  it('says why an environment variable name is wrong', () => {
    expect(messages(withValue('sources.0.passwordEnv', 'qn_pass'))).toStrictEqual([
      'must be an environment variable name (A-Z, 0-9, _)',
    ]);
  });

  it('names the status map entry at fault', () => {
    expect(errorPaths(withValue('sources.0.statusMap', { DA_XU_LY: 11 }))).toStrictEqual([
      'sources.0.statusMap.DA_XU_LY',
    ]);
    expect(errorPaths(withValue('sources.0.statusMap', { DA_XU_LY: 0 }))).toStrictEqual([
      'sources.0.statusMap.DA_XU_LY',
    ]);
    expect(errorPaths(withValue('sources.0.statusMap', { '4': '4' }))).toStrictEqual(['sources.0.statusMap.4']);
  });

  it('names the index of a faulty second source', () => {
    const cfg = minimal();
    cfg.sources.push(secondSource({ baseUrl: 'ftp://gl.example' }));
    expect(errorPaths(cfg)).toStrictEqual(['sources.1.baseUrl']);
  });

  it('rejects duplicate source ids at the later one', () => {
    const cfg = minimal();
    cfg.sources.push(secondSource(), secondSource({ id: 'quang-ninh', province: 'H12' }));
    expect(errorPaths(cfg)).toStrictEqual(['sources.2.id']);
    expect(messages(cfg)).toStrictEqual(['duplicate source id "quang-ninh"']);
  });

  it('requires at least one source', () => {
    expect(errorPaths(withValue('sources', []))).toStrictEqual(['sources']);
    expect(messages(withValue('sources', []))).toStrictEqual(['name at least one source']);
    expect(errorPaths(withValue('sources', undefined))).toStrictEqual(['sources']);
  });

  it('requires the national feed', () => {
    expect(errorPaths(withValue('national', undefined))).toStrictEqual(['national']);
  });

  it('rejects something that is not an object at the root', () => {
    expect(errorPaths(null)).toStrictEqual(['']);
    expect(errorPaths([minimal()])).toStrictEqual(['']);
  });

  it('reports every faulty field at once', () => {
    const cfg = minimal();
    cfg.sources[0].baseUrl = 'ftp://x';
    cfg.sources[0].passwordEnv = 'lower';
    cfg.national.usernameEnv = 'x';
    expect(errorPaths(cfg).sort()).toStrictEqual([
      'national.usernameEnv',
      'sources.0.baseUrl',
      'sources.0.passwordEnv',
    ]);
  });
});
