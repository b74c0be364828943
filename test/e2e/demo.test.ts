/**
 * The whole night through the real executable: simulators over loopback HTTP, a private
 * redis-server, BullMQ flow, report as JSON; the findings must equal the ground truth.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport, type RunReport } from '../../schemas/report.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');

describe('dossier-sync demo', () => {
  let dir: string;
  let report: RunReport;
  let truth: { truth: { province: string; agency: string; dossierCode: string; kind: string }[] };
  let stderr: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dossier-sync-e2e-'));
    const out = await run(
      process.execPath,
      [BIN, 'demo', '--month', '2026-10', '--seed', '11', '--volume', '1500', '--provinces', 'H49,H56,H12,H01',
        '--format', 'json', '--truth', join(dir, 'truth.json')],
      { env: { ...process.env, REDIS_URL: '' }, maxBuffer: 64 * 1024 * 1024 },
    );
    report = runReport.parse(JSON.parse(out.stdout));
    truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
    stderr = out.stderr;
  }, 180_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reconciles every province completely for the month', () => {
    expect(report.period).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(report.status).toBe('complete');
    expect(report.provinces.map((p) => p.province).sort()).toEqual(['H01', 'H12', 'H49', 'H56']);
    for (const p of report.provinces) {
      expect(p.coverage).toEqual({ status: 'complete', why: null });
      const s = p.sources[0]!;
      expect(s.pulled).toBe(s.applied + s.unchanged + s.quarantined);
      expect(s.applied).toBe(1500);
      expect(p.mismatches.length).toBeGreaterThan(0);
    }
  });

  it('finds exactly the injected discrepancies, each with its kind', () => {
    const found = report.provinces.flatMap((p) => p.findings.map((f) => `${p.province} ${f.agency} ${f.dossierCode} ${f.kind}`)).sort();
    const injected = truth.truth.map((t) => `${t.province} ${t.agency} ${t.dossierCode} ${t.kind}`).sort();
    expect(injected.length).toBe(4 * 8);
    expect(new Set(truth.truth.map((t) => t.kind))).toEqual(new Set(['missing_national', 'status_lag', 'date_shift']));
    expect(found).toEqual(injected);
    expect(stderr).toContain('Injected discrepancies found: 32 of 32');
  });

  it('every mismatch names agency, metric and both figures, and is explained by a finding', () => {
    for (const p of report.provinces) {
      const agencyLevel = p.mismatches.filter((m) => m.procedure === null);
      expect(agencyLevel.length).toBeGreaterThan(0);
      expect(p.mismatches.some((m) => m.procedure !== null)).toBe(true); // per procedure too
      for (const m of p.mismatches) {
        expect(m.local).not.toBe(m.national);
        expect(m.provincial).toBeNull();
        const explained = p.findings.filter((f) => f.agency === m.agency && f.metrics.includes(m.metric));
        expect(explained.length).toBeGreaterThan(0);
        if (m.procedure === null) expect(explained.length).toBeGreaterThanOrEqual(Math.abs(m.national - m.local));
      }
    }
  });
});

describe('dossier-sync --help', () => {
  it('lists the commands', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const c of ['demo', 'worker', 'sync', 'reconcile', 'report', 'replay', 'simulate']) expect(stdout).toContain(c);
  });

  it('names the field at fault in a bad configuration and exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dossier-sync-cfg-'));
    const file = join(dir, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, JSON.stringify({ sources: [{ id: 'a', province: 'H49', dialect: 'dvcqg', baseUrl: 'ftp://x', usernameEnv: 'U', passwordEnv: 'P' }], national: { baseUrl: 'http://127.0.0.1:1', usernameEnv: 'U', passwordEnv: 'P' } })),
    );
    const err = await run(process.execPath, [BIN, 'report', '--config', file]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    await rm(dir, { recursive: true, force: true });
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain('sources[0].baseUrl');
  });
});
