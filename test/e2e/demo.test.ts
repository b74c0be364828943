/**
 * The whole night through the real executable: simulators over loopback HTTP, a private
 * redis-server, BullMQ flow, report as JSON; the findings must equal the ground truth. By
 * default the demo injects faults (drift, duplicates, expiry, 429, 5xx, truncated bodies,
 * malformed items) into one `rest` source (the last province) and `dvcqg` sources (the
 * others), and checks per source that the store equals the source, that every malformed item
 * is quarantined with its reason, and that pulled = applied + unchanged + quarantined.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport, type RunReport } from '../../schemas/report.js';
import { REST_STATS_METRICS } from '../../schemas/rest.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');

/** Runs the executable; a non-zero exit is returned, not thrown, so that each check can say what failed. */
async function demo(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const out = await run(process.execPath, [BIN, 'demo', ...args], {
      env: { ...process.env, REDIS_URL: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ...out, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    if (typeof e.code !== 'number') throw err;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code };
  }
}

/** The per-source check line the demo prints, with its counters. */
function sourceLine(stderr: string, id: string) {
  const re = new RegExp(
    `^  (ok  |FAIL) ${id} +store (=|≠) source \\((\\d+) dossiers(?:, (\\d+) updated mid-sync)?\\); ` +
      `malformed quarantined with reason (\\d+) of (\\d+); pulled (\\d+) (=|≠) applied (\\d+) \\+ unchanged (\\d+) \\+ quarantined (\\d+)$`,
    'm',
  );
  const m = re.exec(stderr);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return {
    ok: m[1] === 'ok  ',
    storeEqual: m[2] === '=',
    dossiers: n(3),
    updated: n(4),
    quarantined: n(5),
    malformed: n(6),
    pulled: n(7),
    identity: m[8] === '=',
    applied: n(9),
    unchanged: n(10),
    quarantinedCount: n(11),
  };
}

describe('dossier-sync demo', () => {
  let dir: string;
  let report: RunReport;
  let truth: { truth: { province: string; agency: string; dossierCode: string; kind: string }[] };
  let stderr: string;
  let code: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dossier-sync-e2e-'));
    const out = await demo([
      '--month',
      '2026-10',
      '--seed',
      '11',
      '--volume',
      '1500',
      '--provinces',
      'H49,H56,H12,H01',
      '--format',
      'json',
      '--truth',
      join(dir, 'truth.json'),
    ]);
    stderr = out.stderr;
    code = out.code;
    report = runReport.parse(JSON.parse(out.stdout));
    truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
  }, 180_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 0: every check passed', () => {
    expect(code, stderr).toBe(0);
  });

  it('serves the last province in the rest dialect and the others in dvcqg, with faults on', () => {
    expect(stderr).toMatch(/\(dvcqg: H49, H56, H12\) and .* \(rest: H01\): .*faults on/);
    const ids = Object.fromEntries(report.provinces.map((p) => [p.province, p.sources.map((s) => s.id)]));
    expect(ids).toEqual({ H49: ['h49-dvcqg'], H56: ['h56-dvcqg'], H12: ['h12-dvcqg'], H01: ['h01-rest'] });
    const faults =
      /^Faults injected: (\d+) records updated mid-sync, (\d+) duplicated items, (\d+) expired sessions\/tokens, (\d+) × HTTP 429, (\d+) × HTTP 5xx, (\d+) truncated bodies, (\d+) malformed items\.$/m.exec(
        stderr,
      );
    expect(faults, stderr).not.toBeNull();
    const [updated, , expired, , , , malformed] = faults!.slice(1).map(Number) as number[];
    expect(updated).toBeGreaterThan(0);
    expect(expired).toBeGreaterThan(0);
    expect(malformed).toBe(4 * 6);
  });

  it('per source: the store equals the simulator, every malformed item is quarantined with its reason, counters add up', () => {
    expect(stderr).toContain('Sources against their simulators (4 of 4 ok):');
    for (const p of report.provinces) {
      const s = p.sources[0]!;
      const line = sourceLine(stderr, s.id);
      expect(line, `${s.id} in\n${stderr}`).toBeDefined();
      expect(line).toMatchObject({
        ok: true,
        storeEqual: true,
        dossiers: 1500,
        malformed: 6,
        quarantined: 6,
        identity: true,
      });
      expect(line!.updated).toBeGreaterThan(0); // records were updated while pages were read
      // the line's counters are the report's
      expect(line).toMatchObject({
        pulled: s.pulled,
        applied: s.applied,
        unchanged: s.unchanged,
        quarantinedCount: s.quarantined,
      });
    }
  });

  it('shows the service index on both sides and the points at stake per cause, as an estimate', () => {
    for (const p of report.provinces) {
      const x = p.index!;
      expect(x.estimate, p.province).toBe(true);
      expect(x.indicators.map((i) => i.id)).toEqual(['1.4', '2.1', '3.3', '4.3', '5.4']);
      // one stake per root cause found, with its dossiers, most points first
      const kinds = new Map<string, number>();
      for (const f of p.findings) if (f.kind !== 'unexplained') kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      expect(Object.fromEntries(x.byCause.map((s) => [s.cause, s.dossiers]))).toEqual(Object.fromEntries(kinds));
      expect(x.byCause.map((s) => s.points)).toEqual(x.byCause.map((s) => s.points).sort((a, b) => b - a));
      // dossiers never synced cost the province 1.4 points
      const missing = x.byCause.find((s) => s.cause === 'missing_national');
      if (missing) expect(missing.indicators.find((i) => i.id === '1.4')!.points).toBeGreaterThan(0);
    }
    expect(report.provinces.some((p) => p.index!.byCause.length > 0)).toBe(true);
  });

  it('reconciles every province completely for the month', () => {
    expect(report.period).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(report.status).toBe('complete');
    expect(report.provinces.map((p) => p.province).sort()).toEqual(['H01', 'H12', 'H49', 'H56']);
    for (const p of report.provinces) {
      expect(p.coverage).toEqual({ status: 'complete', why: null });
      expect(p.provincialStats).toEqual({ status: 'ok', why: null });
      const s = p.sources[0]!;
      expect(s.status).toBe('complete');
      expect(s.pulled).toBe(s.applied + s.unchanged + s.quarantined);
      expect(s.applied).toBeGreaterThanOrEqual(1500); // more: records updated mid-sync are applied again
      expect(s.quarantined).toBeGreaterThanOrEqual(6); // the malformed items (once more when duplicated)
      expect(p.mismatches.length).toBeGreaterThan(0);
    }
  });

  it('finds exactly the injected discrepancies, each with its kind', () => {
    const found = report.provinces
      .flatMap((p) => p.findings.map((f) => `${p.province} ${f.agency} ${f.dossierCode} ${f.kind}`))
      .sort();
    const injected = truth.truth.map((t) => `${t.province} ${t.agency} ${t.dossierCode} ${t.kind}`).sort();
    // generic: whatever the simulator injects (src/sim/world.ts), in every province
    expect(new Set(truth.truth.map((t) => t.province))).toEqual(new Set(['H01', 'H12', 'H49', 'H56']));
    expect(found).toEqual(injected);
    const n = injected.length;
    expect(stderr).toContain(
      `Injected discrepancies found: ${n} of ${n} (missed 0, wrong kind 0, unexpected findings 0).`,
    );
  });

  it('every mismatch names agency, metric and both figures, and is explained by a finding', () => {
    for (const p of report.provinces) {
      const agencyLevel = p.mismatches.filter((m) => m.procedure === null);
      expect(agencyLevel.length).toBeGreaterThan(0);
      expect(p.mismatches.some((m) => m.procedure !== null)).toBe(true); // per procedure too
      for (const m of p.mismatches) {
        expect(m.local).not.toBe(m.national);
        // Three-way: the simulated provinces report their own figures truthfully; a rest
        // source's /stats does not report every metric (toProcess, unprocessedNotDue).
        if (p.sources[0]!.id.endsWith('-rest') && !(REST_STATS_METRICS as readonly string[]).includes(m.metric)) {
          expect(m.provincial).toBeNull();
        } else {
          expect(m.provincial).toBe(m.local);
          expect(m.verdict).toBe(m.national < m.local ? 'national_behind' : 'national_ahead');
        }
        expect(m.residual).toBe(0); // every examined key accounted for to the last dossier
        // A replaced code is one finding under the local agency; nationally it counts under the agency its code names.
        const explained = p.findings.filter(
          (f) => (f.agency === m.agency || f.evidence.national?.agency === m.agency) && f.metrics.includes(m.metric),
        );
        expect(explained.length).toBeGreaterThan(0);
        if (m.procedure === null) expect(explained.length).toBeGreaterThanOrEqual(Math.abs(m.national - m.local));
      }
    }
  });
});

describe('dossier-sync demo --no-faults', () => {
  it('serves the sources as they are: nothing injected, nothing quarantined, the store equals each source', async () => {
    const out = await demo([
      '--no-faults',
      '--month',
      '2026-10',
      '--seed',
      '5',
      '--volume',
      '1000',
      '--provinces',
      'H49,H01',
      '--format',
      'json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/\(dvcqg: H49\) and .* \(rest: H01\): .*faults off/);
    expect(out.stderr).not.toContain('Faults injected');
    expect(out.stderr).toContain('Sources against their simulators (2 of 2 ok):');
    for (const id of ['h49-dvcqg', 'h01-rest']) {
      expect(sourceLine(out.stderr, id)).toEqual({
        ok: true,
        storeEqual: true,
        dossiers: 1000,
        updated: 0,
        quarantined: 0,
        malformed: 0,
        pulled: 1000,
        identity: true,
        applied: 1000,
        unchanged: 0,
        quarantinedCount: 0,
      });
    }
  }, 120_000);
});

describe('dossier-sync demo --repair', () => {
  it('repairs the night, runs the next one, and prints the findings before and after: the repairable kinds gone, the others still listed', async () => {
    const { stderr, code } = await demo([
      '--month',
      '2026-10',
      '--seed',
      '13',
      '--volume',
      '600',
      '--provinces',
      'H49,H12',
      '--repair',
    ]);
    expect(code, stderr).toBe(0);
    const before = /^  before: (.*)$/m.exec(stderr)?.[1];
    const after = /^  after:  (.*)$/m.exec(stderr)?.[1];
    const counts = (line: string | undefined) =>
      Object.fromEntries((line ?? '').split(', ').map((kv) => [kv.split(' ')[0], Number(kv.split(' ')[1])]));
    const b = counts(before);
    const a = counts(after);
    for (const kind of ['missing_national', 'status_lag', 'date_shift', 'definition_drift']) {
      expect(b[kind], kind).toBeGreaterThan(0);
      expect(a[kind], kind).toBe(0);
    }
    for (const kind of ['missing_local', 'code_divergence', 'duplicate_national']) {
      expect(b[kind], kind).toBeGreaterThan(0);
      expect(a[kind], kind).toBe(b[kind]);
    }
    const pushed = Number(/^Pushed (\d+): (\d+) stored/m.exec(stderr)?.[1]);
    expect(pushed).toBe(
      ['missing_national', 'status_lag', 'date_shift', 'definition_drift'].reduce((n, k) => n + b[k]!, 0),
    );
    expect(stderr).toMatch(new RegExp(`^Next night \\S+: ${pushed} push\\(es\\) verified, 0 repair_failed\\.$`, 'm'));
    expect(stderr).toMatch(/needs a person: \S+ duplicate_national: /);
  }, 180_000);
});

describe('dossier-sync --help', () => {
  it('lists the commands', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const c of ['demo', 'worker', 'sync', 'reconcile', 'report', 'replay', 'repair', 'simulate'])
      expect(stdout).toContain(c);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const { stdout } = await run(process.execPath, [BIN, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('names the field at fault in a bad configuration and exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dossier-sync-cfg-'));
    const file = join(dir, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(
        file,
        JSON.stringify({
          sources: [
            { id: 'a', province: 'H49', dialect: 'dvcqg', baseUrl: 'ftp://x', usernameEnv: 'U', passwordEnv: 'P' },
          ],
          national: { baseUrl: 'http://127.0.0.1:1', usernameEnv: 'U', passwordEnv: 'P' },
        }),
      ),
    );
    const err = await run(process.execPath, [BIN, 'report', '--config', file]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    await rm(dir, { recursive: true, force: true });
    expect(err?.code).toBe(78);
    expect(err?.stderr).toContain('sources[0].baseUrl');
  });
});
