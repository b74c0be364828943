/**
 * The operator's commands against a configured deployment: the simulators over loopback,
 * a private redis-server, and the executable with a configuration file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport, type RunReport } from '../../schemas/report.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');

let dir: string;
let redis: PrivateRedis;
let sim: Simulator;
let config: string;
const world = generateWorld({ seed: 5, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 600 });
const env = {
  ...process.env,
  REDIS_URL: '',
  SIM_USER: SIM_CREDENTIALS.username,
  SIM_PASSWORD: SIM_CREDENTIALS.password,
};

function cli(...args: string[]) {
  return exec(process.execPath, [BIN, ...args, '--config', config, '--log-level', 'warn'], {
    env,
    maxBuffer: 32 * 1024 * 1024,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-cmd-'));
  redis = await startPrivateRedis();
  sim = await startSimulator(world);
  config = join(dir, 'dossier-sync.json');
  await writeFile(
    config,
    JSON.stringify({
      redis: { url: redis.url },
      sources: ['H49', 'H56'].map((p) => ({
        id: `${p.toLowerCase()}-dvcqg`,
        province: p,
        dialect: 'dvcqg',
        baseUrl: sim.sourceUrl(p),
        usernameEnv: 'SIM_USER',
        passwordEnv: 'SIM_PASSWORD',
        initialFrom: '2026-09-01',
        procedureMap: world.procedureMap,
      })),
      // The simulated month lies weeks before the real clock that `reconcile` uses: no update
      // reaches the portal in the last days, which is not staleness here.
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', staleAfterDays: 0 },
    }),
  );
});

afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('sync --dry-run', () => {
  it('prints what a sync would pull, apply and quarantine, and writes nothing', async () => {
    const out = JSON.parse((await cli('sync', '--source', 'h49-dvcqg', '--dry-run')).stdout);
    const volume = world.provinces.find((p) => p.province === 'H49')!.local.length;
    expect(out).toMatchObject({
      dryRun: true,
      source: 'h49-dvcqg',
      pulled: volume,
      applied: volume,
      unchanged: 0,
      quarantined: 0,
      reasons: {},
    });
    expect(out.window.from).toBe('2026-08-31T17:00:00.000Z'); // initialFrom, Vietnam midnight
    const client = new Redis(redis.url);
    try {
      expect(await client.keys('dsync*')).toEqual([]); // no dossier, checkpoint or counter
    } finally {
      client.disconnect();
    }
  });
});

describe('reconcile, report, quarantine, replay', () => {
  let first: RunReport;
  it('reconcile runs the night and report prints the same run later', async () => {
    first = runReport.parse(JSON.parse((await cli('reconcile', '--month', '2026-10', '--format', 'json')).stdout));
    expect(first.status).toBe('complete');
    expect(first.provinces.map((p) => p.coverage.status)).toEqual(['complete', 'complete']);
    const found = first.provinces.flatMap((p) => p.findings.map((f) => `${f.dossierCode} ${f.kind}`)).sort();
    expect(found).toEqual(world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort());

    const again = runReport.parse(JSON.parse((await cli('report', '--format', 'json')).stdout));
    expect(again).toEqual(first);
    const table = (await cli('report', '--run', first.runId, '--lang', 'en')).stdout;
    expect(table).toContain(`Run ${first.runId}`);
    expect(table).toContain('not synced to the national portal');
    const vi = (await cli('report', '--run', first.runId)).stdout; // Vietnamese by default
    expect(vi).toContain(`Lượt đối soát ${first.runId}`);
    expect(vi).toContain('chưa đồng bộ lên Cổng quốc gia');
    // Each province opens with its account; per-procedure lines only with --detail.
    expect(table).toMatch(/^H49 Quảng Ninh: \d+ mismatch/m);
    expect(table).toContain('per-procedure line');
  });

  it('report --detail lists the per-procedure lines too', async () => {
    const procedures = first.provinces.flatMap((p) => p.mismatches.filter((m) => m.procedure !== null));
    expect(procedures.length).toBeGreaterThan(0);
    const detail = (await cli('report', '--run', first.runId, '--lang', 'en', '--detail')).stdout;
    expect(detail).toMatch(/AGENCY\s+PROCEDURE\s+METRIC/);
    expect(detail).toContain(procedures[0]!.procedure!);
    expect(detail).not.toContain('per-procedure line');
  });

  it('report --format xlsx writes a workbook to --out', async () => {
    const run = first;
    const file = join(dir, 'report.xlsx');
    expect((await cli('report', '--format', 'xlsx', '--lang', 'en', '--out', file)).stdout).toBe('');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(file)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Mismatches', 'Findings', 'Service index']);
    const count = (name: string) => wb.getWorksheet(name)!.actualRowCount - 1; // less the header
    expect(count('Mismatches')).toBe(run.provinces.reduce((n, p) => n + p.mismatches.length, 0));
    expect(count('Findings')).toBe(run.provinces.reduce((n, p) => n + p.findings.length, 0));
    // the service index: its title and note above the header, a row per province and indicator, one per stake
    const rows = run.provinces.reduce(
      (n, p) => n + (p.index ? 5 + p.index.byCause.length + p.index.byAgency.length : 0),
      0,
    );
    expect(rows).toBeGreaterThan(5);
    expect(count('Service index') - 2).toBe(rows); // less the two lines above the header (the blank one is not counted)
  });

  it('incidents lists what the night opened', async () => {
    const open = JSON.parse((await cli('incidents', '--status', 'open', '--format', 'json')).stdout) as {
      key: string;
      status: string;
    }[];
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((i) => i.status === 'open' && /^H(49|56)\/2026-10-01\.\.2026-10-31\//.test(i.key))).toBe(true);
    expect((await cli('incidents', '--province', 'H56')).stdout).toMatch(/^open +H56\//m);
    expect((await cli('incidents', '--status', 'resolved')).stdout).toBe('No incidents.\n');
  });

  it('report names an unknown run', async () => {
    const err = await cli('report', '--run', 'nope').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('no run "nope"');
  });

  it('quarantine lists per reason and reprocesses (none here), and replay --dry-run changes nothing', async () => {
    const q = JSON.parse((await cli('quarantine', '--source', 'h49-dvcqg', '--format', 'json')).stdout);
    expect(q).toEqual({ source: 'h49-dvcqg', reasons: {}, items: [] });
    const again = JSON.parse(
      (await cli('quarantine', '--source', 'h49-dvcqg', '--reprocess', '--format', 'json')).stdout,
    );
    expect(again).toEqual({
      source: 'h49-dvcqg',
      dryRun: false,
      examined: 0,
      released: 0,
      applied: 0,
      unchanged: 0,
      still: {},
    });
    const err = await cli('quarantine', '--source', 'h49-dvcqg', '--dry-run').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('--dry-run goes with --reprocess');
    expect((await cli('replay', '--dry-run')).stdout).toContain('No failed sync batches.');
  });
});

describe('bad input stops the worker before anything starts', () => {
  const good = () => ({
    sources: [
      {
        id: 'a',
        province: 'H49',
        dialect: 'dvcqg',
        baseUrl: 'http://127.0.0.1:9/p/H49',
        usernameEnv: 'BAD_U',
        passwordEnv: 'BAD_P',
      },
    ],
    national: { baseUrl: 'http://127.0.0.1:9/national', usernameEnv: 'BAD_U', passwordEnv: 'BAD_P' },
  });
  const cases: [string, (c: ReturnType<typeof good>) => unknown, Record<string, string>, string][] = [
    ['a malformed file', () => '{"sources": [', { BAD_U: 'u', BAD_P: 'p' }, 'not valid JSON'],
    [
      'an unknown dialect',
      (c) => ({ ...c, sources: [{ ...c.sources[0], dialect: 'soap' }] }),
      { BAD_U: 'u', BAD_P: 'p' },
      'sources[0].dialect',
    ],
    ['a missing secret', (c) => c, { BAD_U: 'u' }, 'sources[0].passwordEnv: environment variable BAD_P is not set'],
    [
      'a non-http URL',
      (c) => ({ ...c, national: { ...c.national, baseUrl: 'ftp://national' } }),
      { BAD_U: 'u', BAD_P: 'p' },
      'national.baseUrl',
    ],
    [
      'a misspelt key',
      (c) => ({ ...c, sources: [{ ...c.sources[0], pagesize: 100 }] }),
      { BAD_U: 'u', BAD_P: 'p' },
      'sources[0].pagesize: unknown key; did you mean pageSize?',
    ],
  ];
  for (const [what, make, secrets, names] of cases) {
    it(`${what}: exit 78, the field named, no connection attempted`, async () => {
      const file = join(dir, `bad-${what.replace(/\W+/g, '-')}.json`);
      const content = make(good());
      await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
      // REDIS_URL points at a port nobody listens on: a worker that got as far as Redis would say so (exit 1).
      const err = await exec(process.execPath, [BIN, 'worker', '--config', file], {
        env: { PATH: process.env.PATH, REDIS_URL: 'redis://127.0.0.1:9', ...secrets },
        timeout: 20_000,
      }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).toBe(78);
      expect(err?.stderr).toContain(names);
      expect(err?.stderr).not.toMatch(/ECONNREFUSED|worker started/);
    });
  }

  it('Redis unreachable: exit 1 at once, naming its URL without the password', async () => {
    const file = join(dir, 'no-redis.json');
    await writeFile(file, JSON.stringify(good()));
    const err = await exec(process.execPath, [BIN, 'worker', '--config', file], {
      env: { PATH: process.env.PATH, REDIS_URL: 'redis://:s3cret-pw@127.0.0.1:9', BAD_U: 'u', BAD_P: 'p' },
      timeout: 20_000,
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('cannot reach Redis at redis://:***@127.0.0.1:9');
    expect(err?.stderr).not.toContain('s3cret-pw');
    // refused at once, not waited out: the reason is the refusal, not a timeout
    expect(err?.stderr).toMatch(/ECONNREFUSED/);
    expect(err?.stderr).not.toMatch(/timed? ?out/i);
  });
});
