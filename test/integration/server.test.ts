/**
 * The HTTP side against a real private Redis and a real run produced with the simulators:
 * JSON and pages, Prometheus metrics checked by promtool, health, the token off loopback,
 * and the replay of a sync batch that failed for real.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentKey } from '../../src/reconcile/incidents.js';
import type { RunReport } from '../../schemas/report.js';
import { runNightly } from '../../src/queue/nightly.js';
import { httpSettings } from '../../src/cli/http-options.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { isLoopback, replayJobId, startServer, type RunningServer } from '../../src/server/index.js';
import { escapeHtml } from '../../src/server/html.js';
import { dossierPage } from '../../src/server/pages/dossier.js';
import { incidentPage } from '../../src/server/pages/incidents.js';
import { runPage } from '../../src/server/pages/run.js';
import { incidentDossiers } from '../../src/server/trace.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { freePort, startPrivateRedis } from '../../src/util/redis-server.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const world = generateWorld({ seed: 7, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 300 });
const TOKEN = 'test-token-0123456789abcdef';
const LAG_S = 3600;
const silent = pino({ level: 'silent' });

let sim: Simulator;
let rt: Runtime;
let report: RunReport;
let server: RunningServer;
const closers: (() => Promise<void>)[] = [];

Object.assign(process.env, { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password });

/** A unit of the configuration (`units`) overriding the shipped record's name: the dashboard shows it. */
const CONFIGURED_H56 = { code: 'H56', name: 'Thanh Hóa (cấu hình)' };

function configFor(url: string, sources: unknown[], nationalUrl: string): Config {
  return parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources,
      national: { baseUrl: nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      units: [CONFIGURED_H56],
    },
    'test',
    { ...process.env, REDIS_URL: url },
  );
}
const simSource = (id: string, province: string) => ({
  id,
  province,
  dialect: 'dvcqg',
  baseUrl: sim.sourceUrl(province),
  usernameEnv: 'SIM_USER',
  passwordEnv: 'SIM_PASSWORD',
  initialFrom: '2026-09-01',
});

/** Closes within a bound even when Redis is gone (BullMQ may wait for a connection). */
async function closeSoon(p: Promise<unknown>, ms = 5000): Promise<void> {
  await Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
}

beforeAll(async () => {
  sim = await startSimulator(world);
  rt = createRuntime(
    configFor(redis.url, [simSource('h49', 'H49'), simSource('h56', 'H56')], sim.nationalUrl),
    silent,
    { clock: () => new Date(world.now) },
  );
  const worker = rt.startWorker();
  report = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
  await worker.close();
  server = await startServer({ runtime: rt, port: 0, clock: () => world.now + LAG_S * 1000 });
});
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await server?.close();
  await rt?.close();
  await sim?.close();
});

const get = (path: string, headers: Record<string, string> = {}, base = server.url) =>
  fetch(`${base}${path}`, { headers, redirect: 'manual' });

function promtool(text: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(text);
  });
}

/** The value of one series in Prometheus text, by name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (got === want) return Number(m[3]);
  }
  return undefined;
}

describe('the run', () => {
  it('has mismatches and findings to show', () => {
    expect(report.status).toBe('complete');
    expect(report.provinces.map((p) => p.coverage.status)).toEqual(['complete', 'complete']);
    expect(report.provinces.flatMap((p) => p.findings).length).toBeGreaterThan(0);
  });
});

describe('JSON endpoints', () => {
  it('/api/runs lists the run, /api/runs/:id returns its report', async () => {
    const runs = (await (await get('/api/runs')).json()) as {
      runs: {
        runId: string;
        status: string;
        provinces: { province: string; findings: number; unexplained: number }[];
      }[];
    };
    expect(runs.runs[0]!.runId).toBe(report.runId);
    expect(runs.runs[0]!.status).toBe('complete');
    expect(runs.runs[0]!.provinces.map((p) => p.findings)).toEqual(report.provinces.map((p) => p.findings.length));
    expect(runs.runs[0]!.provinces.map((p) => p.unexplained)).toEqual(
      report.provinces.map(
        (p) => p.mismatches.filter((m) => typeof m.residual === 'number' && m.residual !== 0).length,
      ),
    );
    const one = await get(`/api/runs/${encodeURIComponent(report.runId)}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(JSON.parse(JSON.stringify(report)));
    expect((await get('/api/runs/nope')).status).toBe(404);
  });

  it('/api/incidents lists the incidents the run opened, open first', async () => {
    const { incidents } = (await (await get('/api/incidents')).json()) as {
      incidents: { key: string; status: string }[];
    };
    const opened = report.provinces.flatMap((p) => p.incidents.filter((i) => i.event === 'opened').map((i) => i.key));
    expect(opened.length).toBeGreaterThan(0);
    expect(new Set(incidents.map((i) => i.key))).toEqual(new Set(opened));
    expect(incidents.every((i) => i.status === 'open')).toBe(true);
  });
});

describe('pages', () => {
  it('/ lists the run with a link to it (Vietnamese by default)', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const body = await res.text();
    expect(body).toContain(`href="/runs/${encodeURIComponent(report.runId)}"`);
    expect(body).toContain('Các lượt đối soát gần nhất');
    const en = await (await get('/?lang=en')).text();
    expect(en).toContain('Latest reconciliation runs');
    expect(en).toContain(`href="/runs/${encodeURIComponent(report.runId)}?lang=en"`);
  });

  it('/runs/:id shows the heat map, the findings by kind with their dossier codes, and the incident changes', async () => {
    const body = await (await get(`/runs/${encodeURIComponent(report.runId)}`)).text();
    expect(body).toContain('id="heatmap"');
    for (const p of report.provinces) {
      const agencyRows = p.mismatches.filter((m) => m.procedure === null);
      for (const metric of new Set(agencyRows.map((m) => m.metric))) {
        const rows = agencyRows.filter((m) => m.metric === metric);
        const gap = rows.reduce((n, m) => n + Math.abs(m.national - m.local), 0);
        expect(body).toContain(`data-metric="${metric}" data-count="${rows.length}" data-gap="${gap}"`);
      }
      for (const f of p.findings) expect(body).toContain(f.dossierCode);
      for (const i of p.incidents) expect(body).toContain(i.key);
    }
    expect(body).toContain('id="findings"');
    for (const kind of new Set(report.provinces.flatMap((p) => p.findings.map((f) => f.kind))))
      expect(body).toContain(`data-kind="${kind}"`);
    expect(body).toContain('chưa đồng bộ lên Cổng quốc gia');
    expect(body).toContain('<strong>H49 Quảng Ninh</strong>'); // named from the unit registry
    expect(body).toContain(`<strong>H56 ${CONFIGURED_H56.name}</strong>`); // and from units in the configuration
    expect((await get('/runs/nope')).status).toBe(404);
  });

  it("/runs/:id shows the service index: each province's indicators on both sides and the points at stake by cause, as an estimate", async () => {
    const body = await (await get(`/runs/${encodeURIComponent(report.runId)}`)).text();
    expect(body).toContain('id="index"');
    expect(body).toContain('ước tính'); // an estimate, said in the page's language
    for (const p of report.provinces.filter((x) => x.index)) {
      const card = body.slice(body.indexOf(`<div class="card index" data-province="${p.province}">`));
      // a row's cells, whatever the white space between tags
      const cells = (attr: string) => {
        const from = card.slice(card.indexOf(attr));
        return [...from.slice(0, from.indexOf('</tr>')).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
          m[1]!.replace(/<[^>]+>/g, '').trim(),
        );
      };
      for (const i of p.index!.indicators) {
        const row = cells(`<tr data-indicator="${i.id}">`);
        expect([row[3], row[5]]).toEqual([i.local.points.toFixed(2), i.national.points.toFixed(2)]);
      }
      for (const s of p.index!.byCause)
        expect(cells(`<tr data-cause="${s.cause}">`).slice(0, 2)).toEqual([s.cause, String(s.dossiers)]);
    }
    expect(report.provinces.some((p) => (p.index?.byCause.length ?? 0) > 0)).toBe(true);
  });

  it('/incidents and /failed render', async () => {
    const inc = await get('/incidents?lang=en');
    expect(inc.status).toBe(200);
    expect(await inc.text()).toContain('Incident history');
    expect((await get('/failed')).status).toBe(200);
  });

  it("/quarantine shows each source's items by reason, and how to release them once mapped", async () => {
    expect(await (await get('/quarantine')).text()).toContain('Không có bản ghi nào bị cách ly.');
    const entry = (code: string, reason: string) => ({
      key: code,
      entry: {
        source: 'h49',
        runId: 'night-q',
        page: 3,
        reason,
        at: world.now,
        raw: { MaHoSo: code, ChuHoSo: '[redacted]' },
      },
    });
    const unknown = 'TrangThaiHoSo: unknown status "42"';
    const keys = [rt.store.keys.quarantine('H49', 'h49'), rt.store.keys.quarantineReasons('H49', 'h49')];
    await rt.store.applyPage({
      province: 'H49',
      source: 'h49',
      runId: 'night-q',
      dossiers: [],
      backfill: 'quarantine-test', // its own checkpoint: the source's is left alone
      quarantined: [
        entry('000.00.12.H49-261002-9001', unknown),
        entry('000.00.12.H49-261002-9002', unknown),
        entry('000.00.12.H49-261003-9003', 'NgayHenTra: not a date "2026-13-45"'),
      ],
      checkpoint: { syncedTo: null, pending: null },
    });
    try {
      const body = await (await get('/quarantine?lang=en')).text();
      expect(body).toContain('h49 · H49 Quảng Ninh · 3');
      expect(body).toContain(
        `<td class="mono">TrangThaiHoSo: unknown status &quot;42&quot;</td><td class="num">2</td>`,
      );
      expect(body).toContain('000.00.12.H49-261003-9003');
      expect(body).toContain('--reprocess');
      expect(body).not.toContain('data-source="h56"'); // nothing quarantined there
      const api = (await (await get('/api/quarantine')).json()) as {
        sources: { source: string; reasons: Record<string, number>; items: unknown[] }[];
      };
      expect(api.sources.map((q) => [q.source, q.reasons[unknown] ?? 0, q.items.length])).toEqual([
        ['h49', 2, 3],
        ['h56', 0, 0],
      ]);
    } finally {
      await rt.redis.del(...keys); // the metrics below count the night's quarantine only
    }
  });

  it('/ draws the trend of the latest runs: mismatches, dossiers found and unexplained figures per night', async () => {
    const body = await (await get('/')).text();
    expect(body).toContain('<svg id="trend"');
    expect(body).not.toMatch(/<script/i);
    const values = (series: string) => new RegExp(`data-series="${series}" data-values="([^"]*)"`).exec(body)?.[1];
    // One run so far: one night.
    expect(values('mismatches')).toBe(String(report.provinces.reduce((n, p) => n + p.mismatches.length, 0)));
    expect(values('findings')).toBe(
      String(
        new Set(
          report.provinces.flatMap((p) =>
            p.findings.filter((f) => f.kind !== 'unexplained').map((f) => `${p.province} ${f.dossierCode}`),
          ),
        ).size,
      ),
    );
    expect(values('unexplained')).toBe(
      String(
        report.provinces.flatMap((p) => p.mismatches).filter((m) => typeof m.residual === 'number' && m.residual !== 0)
          .length,
      ),
    );
  });

  it("/dossiers/:code shows both sides' evidence with the differing fields marked, the runs that found it and its incidents", async () => {
    const p = report.provinces.find((x) => x.findings.some((f) => f.evidence.local && f.evidence.national))!;
    const f = p.findings.find((x) => x.evidence.local && x.evidence.national)!;
    const res = await get(`/dossiers/${encodeURIComponent(f.dossierCode)}?lang=en`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('id="evidence"');
    const differing = (
      ['status', 'receivedAt', 'dueAt', 'finishedAt', 'returnedAt', 'updatedAt', 'procedure', 'code', 'agency'] as const
    ).filter(
      (k) =>
        f.evidence.local![k] !== undefined &&
        f.evidence.national![k] !== undefined &&
        f.evidence.local![k] !== f.evidence.national![k],
    );
    expect(differing.length).toBeGreaterThan(0); // a finding with both sides differs somewhere
    for (const k of differing) expect(body).toMatch(new RegExp(`<tr data-field="${k}" class="diff">`));
    expect(body.match(/<tr data-field="\w+" class="diff">/g)).toHaveLength(differing.length);
    expect(body).toContain(`href="/runs/${encodeURIComponent(report.runId)}?lang=en"`);
    // Its incident: its agency's, for its root cause.
    const mine = p.incidents.filter((i) => i.key === incidentKey(p.province, report.period, f.agency, f.kind));
    expect(mine.length).toBeGreaterThan(0);
    for (const i of mine) expect(body).toContain(`href="/incidents/${encodeURIComponent(i.key)}?lang=en"`);
    // Finding codes link here from the run page.
    expect(await (await get(`/runs/${encodeURIComponent(report.runId)}`)).text()).toContain(
      `href="/dossiers/${encodeURIComponent(f.dossierCode)}"`,
    );
    expect((await get(`/dossiers/${encodeURIComponent('000.00.00.H49-000000-0000')}`)).status).toBe(404);
  });

  it('/incidents/:key lists the dossiers behind the incident and its history', async () => {
    const p = report.provinces.find((x) => x.incidents.length && x.findings.length)!;
    const first = p.findings.find((f) => f.kind !== 'unexplained')!;
    const key = incidentKey(p.province, report.period, first.agency, first.kind);
    expect(p.incidents.map((i) => i.key)).toContain(key);
    const expected = p.findings
      .filter((f) => f.agency === first.agency && f.kind === first.kind)
      .map((f) => f.dossierCode);
    expect(expected.length).toBeGreaterThan(0);
    const body = await (await get(`/incidents/${encodeURIComponent(key)}`)).text();
    const links = [...body.matchAll(/class="mono dossier-link" href="\/dossiers\/([^"]+)"/g)].map((m) =>
      decodeURIComponent(m[1]!),
    );
    expect(links.sort()).toEqual(expected.sort());
    expect(body).toContain('id="incident-history"');
    expect(body).toContain(`href="/runs/${encodeURIComponent(report.runId)}"`);
    // The incident list and the run page link to it.
    expect(await (await get('/incidents')).text()).toContain(`href="/incidents/${encodeURIComponent(key)}"`);
    expect(await (await get(`/runs/${encodeURIComponent(report.runId)}`)).text()).toContain(
      `href="/incidents/${encodeURIComponent(key)}"`,
    );
    expect((await get('/incidents/nope')).status).toBe(404);
  });

  it('a dossier code holding "/", "<" and quotes is encoded in links and escaped in pages', async () => {
    const code = 'a/b<i>"x\'&?#%';
    const runId = 'r<odd>';
    const f = structuredClone(report.provinces[0]!.findings[0]!);
    Object.assign(f, {
      dossierCode: code,
      evidence: { local: { ...(f.evidence.local ?? f.evidence.national)!, code }, national: null },
    });
    const at = new Date(Date.parse(report.startedAt) - 86_400_000).toISOString(); // older than the night: the latest run stays the night's
    await rt.runs.create({
      runId,
      period: report.period,
      window: report.window,
      startedAt: at,
      finishedAt: at,
      provinces: ['H49'],
    });
    const summary = {
      province: 'H49',
      coverage: { status: 'complete' as const, why: null },
      sources: [],
      agencies: 1,
      mismatches: [],
    };
    await rt.runs.setExplanation(runId, summary, [f], { requests: 0, records: 0 });
    try {
      const run = await (await get(`/runs/${encodeURIComponent(runId)}`)).text();
      expect(run).toContain(`href="/dossiers/${escapeHtml(encodeURIComponent(code))}"`); // encodeURIComponent leaves ' alone
      expect(run).not.toContain('<i>"x');
      const res = await get(`/dossiers/${encodeURIComponent(code)}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('a/b&lt;i&gt;&quot;x&#39;&amp;?#%');
      expect(body).not.toContain('<i>');
      expect(body).toContain(`href="/runs/${escapeHtml(encodeURIComponent(runId))}"`);
    } finally {
      const k = rt.runs.keys;
      await rt.redis.del(k.run(runId), k.runProvince(runId, 'H49'), k.runFindings(runId, 'H49'));
      await rt.redis.zrem(k.runs(), runId);
    }
  });

  it('the run page shows the keys left unexplained: the account line, the residual on the mismatch, the key among the findings', () => {
    const r = structuredClone(report);
    const p = r.provinces[0]!;
    const target = p.mismatches.find((m) => m.procedure === null)!;
    for (const m of p.mismatches) Object.assign(m, { residual: 0, explainedBy: { count: 1, codes: [] } });
    target.residual = -3;
    p.findings.push({
      dossierCode: '',
      agency: target.agency,
      kind: 'unexplained',
      metrics: [target.metric],
      evidence: { local: null, national: null },
      key: { procedure: null, metric: target.metric, residual: -3, examined: 'listed 12' },
    });
    const out = runPage({ lang: 'en', defaultLang: 'vi', path: '/runs/x' }, r);
    expect(out).toContain(`${p.mismatches.length} mismatches, 1 unexplained (residual −3), the others explained by`);
    expect(out).toMatch(
      new RegExp(
        `<tr class="unexplained"><td class="mono">${target.agency.replace(/\./g, '\\.')}</td>.*?<td class="num">−3</td>`,
      ),
    );
    expect(out).toContain('data-kind="unexplained"');
    expect(out).toContain('residual −3</small>');
  });

  it('escapes every value', () => {
    const evil = structuredClone(report);
    evil.runId = '<script>alert(1)</script>';
    evil.provinces[0]!.findings[0]!.dossierCode = '"><img src=x onerror=alert(1)>';
    const out = runPage({ lang: 'vi', defaultLang: 'vi', path: '/runs/x' }, evil);
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('<img src=x');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const ctx = { lang: 'en' as const, defaultLang: 'vi' as const, path: '/x' };
    const f = evil.provinces[0]!.findings[0]!;
    const dossier = dossierPage(
      ctx,
      f.dossierCode,
      [{ runId: evil.runId, period: evil.period, startedAt: evil.startedAt, province: 'H49', finding: f }],
      [],
      30,
    );
    expect(dossier).not.toContain('<img src=x');
    expect(dossier).not.toContain('<script>alert');
    const incident = {
      key: '<b>k',
      province: 'H49',
      period: evil.period,
      agency: '"><svg onload=x>',
      cause: f.kind,
      dossiers: [f.dossierCode],
      lines: [{ procedure: '<i>p', metric: 'received' }],
      residual: 0,
      status: 'open' as const,
      openedAt: evil.startedAt,
      updatedAt: evil.startedAt,
      history: [
        { runId: evil.runId, at: evil.startedAt, event: 'opened' as const, dossiers: 1, residual: 0, note: '<u>n' },
      ],
    };
    const page = incidentPage(ctx, incident, incidentDossiers([incident], [evil]).get(incident.key) ?? []);
    expect(page).not.toMatch(/<b>k|<svg onload|<script>alert|<i>p|<u>n/);
  });
});

describe('/metrics', () => {
  it("passes promtool and holds the run's figures", async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = await promtool(text);
    expect(check.stderr).toBe('');
    expect(check.stdout).toBe('');
    expect(check.code).toBe(0);

    for (const p of report.provinces) {
      for (const s of p.sources) {
        const l = { source: s.id, province: p.province };
        expect(sample(text, 'dossier_sync_last_run_records_pulled', l)).toBe(s.pulled);
        expect(sample(text, 'dossier_sync_last_run_records_applied', l)).toBe(s.applied);
        expect(sample(text, 'dossier_sync_last_run_records_unchanged', l)).toBe(s.unchanged);
        expect(sample(text, 'dossier_sync_last_run_records_quarantined', l)).toBe(s.quarantined);
        expect(sample(text, 'dossier_sync_quarantined_items', l)).toBe(s.quarantined); // one run only
        expect(sample(text, 'dossier_sync_sync_lag_seconds', l)).toBe(LAG_S);
      }
      expect(s0(p.sources).pulled).toBe(300);
      expect(sample(text, 'dossier_sync_open_incidents', { province: p.province })).toBe(
        p.incidents.filter((i) => i.event === 'opened').length,
      );
      // one run so far: the counters are its national load
      expect(p.nationalRequests).toBeGreaterThan(0);
      expect(sample(text, 'dossier_sync_national_requests_total', { province: p.province })).toBe(p.nationalRequests);
      expect(sample(text, 'dossier_sync_national_records_total', { province: p.province })).toBe(p.nationalRecords);
    }
    expect(text).toMatch(/^# TYPE dossier_sync_national_records_total counter$/m);
    // the service index (an estimate), per province, indicator and side
    const indexed = report.provinces.filter((p) => p.index);
    expect(indexed.length).toBeGreaterThan(0);
    for (const p of indexed) {
      for (const i of p.index!.indicators) {
        expect(
          sample(text, 'dossier_sync_index_points', { province: p.province, indicator: i.id, side: 'local' }),
        ).toBe(i.local.points);
        expect(
          sample(text, 'dossier_sync_index_points', { province: p.province, indicator: i.id, side: 'national' }),
        ).toBe(i.national.points);
      }
      expect(
        sample(text, 'dossier_sync_index_points', { province: p.province, indicator: 'total', side: 'national' }),
      ).toBe(p.index!.total.national);
    }
    expect(text).toMatch(/^# HELP dossier_sync_index_points .*estimate.*$/m);
    expect(sample(text, 'dossier_sync_failed_jobs', { name: 'sync-source' })).toBe(0);
    expect(sample(text, 'dossier_sync_queue_jobs', { state: 'failed' })).toBe(0);
    expect(sample(text, 'dossier_sync_queue_jobs', { state: 'completed' })).toBeGreaterThan(0);
    expect(sample(text, 'dossier_sync_last_run_start_time_seconds')).toBe(Date.parse(report.startedAt) / 1000);
    expect(text).toMatch(/^# HELP dossier_sync_sync_lag_seconds .+$/m);
    expect(text).toMatch(/^# TYPE dossier_sync_sync_lag_seconds gauge$/m);
  });
});
const s0 = <T>(list: T[]): T => list[0]!;

describe('health', () => {
  it('/healthz and /readyz answer 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('/readyz answers 503 with the reason once Redis is gone', async () => {
    const own = await startPrivateRedis();
    const rt2 = createRuntime(configFor(own.url, [simSource('h49', 'H49')], sim.nationalUrl), silent);
    const s2 = await startServer({ runtime: rt2, port: 0, readyTimeoutMs: 500 });
    try {
      await rt2.redis.ping();
      expect((await get('/readyz', {}, s2.url)).status).toBe(200);
      expect((await get('/healthz', {}, s2.url)).status).toBe(200);
      await own.stop();
      const res = await get('/readyz', {}, s2.url);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; reason: string };
      expect(body.status).toBe('unavailable');
      expect(body.reason).toMatch(/Redis/);
      expect((await get('/healthz', {}, s2.url)).status).toBe(200);
    } finally {
      await s2.close();
      await closeSoon(rt2.close());
      await own.stop();
    }
  });
});

describe('off loopback', () => {
  it('refuses to start without a token, naming the option', async () => {
    await expect(startServer({ runtime: rt, host: '0.0.0.0', port: 0 })).rejects.toThrow(/"token" option/);
    expect(() => httpSettings({ host: '0.0.0.0', port: '0', lang: 'vi' })).toThrow(/--token-env/);
    expect(() =>
      httpSettings({ host: '0.0.0.0', port: '0', lang: 'vi', tokenEnv: 'DOSSIER_SYNC_TEST_UNSET' }, {}),
    ).toThrow(/DOSSIER_SYNC_TEST_UNSET is not set/);
    expect(httpSettings({ host: '0.0.0.0', port: '9', lang: 'en', tokenEnv: 'T' }, { T: TOKEN })).toEqual({
      host: '0.0.0.0',
      port: 9,
      token: TOKEN,
      lang: 'en',
      allowHosts: [],
    });
    expect(
      ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'].every(isLoopback),
    ).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.org', '::2', '128.0.0.1'].some(isLoopback)).toBe(
      false,
    );
  });

  it('answers 401 on every route without the token and 200 with it', async () => {
    const guarded = await startServer({ runtime: rt, host: '0.0.0.0', port: 0, token: TOKEN });
    closers.push(() => guarded.close());
    const routes = [
      '/',
      `/runs/${encodeURIComponent(report.runId)}`,
      '/incidents',
      '/failed',
      '/queues',
      '/queues/api/queues',
      `/dossiers/${encodeURIComponent(report.provinces[0]!.findings[0]!.dossierCode)}`,
      `/incidents/${encodeURIComponent(report.provinces[0]!.incidents[0]!.key)}`,
      '/metrics',
      '/healthz',
      '/readyz',
      '/api/runs',
      `/api/runs/${encodeURIComponent(report.runId)}`,
      '/api/incidents',
      '/api/failed',
    ];
    for (const path of routes) {
      const none = await get(path, {}, guarded.url);
      expect([path, none.status]).toEqual([path, 401]);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await get(path, { authorization: 'Bearer wrong-token-0123456789' }, guarded.url)).status).toBe(401);
      const ok = await get(path, { authorization: `Bearer ${TOKEN}` }, guarded.url);
      expect([path, ok.status]).toEqual([path, 200]);
    }
    const post = await fetch(`${guarded.url}/api/replay/anything`, { method: 'POST' });
    expect(post.status).toBe(401);

    // A browser: ?token= once sets an HttpOnly cookie and drops the token from the address.
    const first = await get('/?lang=en&token=' + TOKEN, {}, guarded.url);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/?lang=en');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const viaCookie = await get('/queues', { cookie: cookie.split(';')[0]! }, guarded.url);
    expect(viaCookie.status).toBe(200);
    expect((await get('/?token=nope', {}, guarded.url)).status).toBe(401);
  });
});

/** A request with the Host header a browser would send for another site's name (fetch does not let one set it). */
function withHost(
  base: string,
  path: string,
  host: string | undefined,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: u.port,
        path: u.pathname + u.search,
        method,
        setHost: false,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Host check (DNS rebinding)', () => {
  it('answers only to the loopback names by default, any port; another name gets 421 saying which it answers to', async () => {
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST:1', '127.0.0.1']) {
      expect([host, (await withHost(server.url, '/healthz', host)).status]).toEqual([host, 200]);
    }
    expect((await withHost(server.url, '/', undefined)).status).toBe(400); // no Host at all: Node refuses it before us
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      '127.0.0.1.evil.example',
      `localhost.evil.example:${port}`,
    ]) {
      const r = await withHost(server.url, '/', host);
      expect([host, r.status]).toEqual([host, 421]);
      expect(r.body).toContain('this server answers to localhost, 127.0.0.1, [::1]');
      expect(r.body).toContain('--allow-host');
    }
    // what a rebinding page would do: replay a batch, pause the queue through bull-board
    expect((await withHost(server.url, '/api/replay/anything', `evil.example:${port}`, 'POST')).status).toBe(421);
    expect((await withHost(server.url, '/queues/api/queues/pause', `evil.example:${port}`, 'PUT')).status).toBe(421);
  });

  it('answers to the names added with --allow-host, and only those', async () => {
    const settings = httpSettings({
      host: '127.0.0.1',
      port: '0',
      lang: 'en',
      allowHost: ['Dash.Example', '10.1.2.3'],
    });
    expect(settings.allowHosts).toEqual(['dash.example', '10.1.2.3']);
    expect(() => httpSettings({ host: '127.0.0.1', port: '0', lang: 'en', allowHost: ['bad name/'] })).toThrow(
      /--allow-host: "bad name\/" is not a host name/,
    );
    const s = await startServer({ runtime: rt, port: 0, allowHosts: settings.allowHosts });
    closers.push(() => s.close());
    expect((await withHost(s.url, '/healthz', 'dash.example:8080')).status).toBe(200);
    expect((await withHost(s.url, '/healthz', '10.1.2.3')).status).toBe(200);
    expect((await withHost(s.url, '/healthz', 'localhost:8080')).status).toBe(200);
    const other = await withHost(s.url, '/healthz', 'other.example:8080');
    expect(other.status).toBe(421);
    expect(other.body).toContain(
      'this server answers to localhost, 127.0.0.1, [::1], dash.example, 10.1.2.3, not Host "other.example:8080"',
    );
  });
});

describe('replay', () => {
  it('re-adds a failed sync batch under a new id and removes the failed one', async () => {
    const closed = await freePort(); // nothing listens there
    const rt3 = createRuntime(
      configFor(
        redis.url,
        [{ ...simSource('dead', 'H12'), baseUrl: `http://127.0.0.1:${closed}/p/H12` }],
        sim.nationalUrl,
      ),
      silent,
    );
    const s3 = await startServer({ runtime: rt3, port: 0 });
    try {
      const worker = rt3.startWorker();
      const failed = new Promise<Job>((resolve) => worker.once('failed', (job) => resolve(job!)));
      await rt3.runs.create({
        runId: 'r1',
        period: { from: world.period.from, to: world.period.to },
        window: { to: new Date(world.now).toISOString() },
        startedAt: new Date(world.now).toISOString(),
        finishedAt: null,
        provinces: ['H12'],
      });
      await rt3.queue.add(
        'sync-source',
        { runId: 'r1', source: 'dead', windowTo: world.now },
        { jobId: 'sync@r1@dead', attempts: 1 },
      );
      const job = await failed;
      await worker.close();
      expect(job.failedReason).toMatch(/ECONNREFUSED|connect/i);

      const list = (await (await get('/api/failed', {}, s3.url)).json()) as {
        failed: { jobId: string; source: string }[];
      };
      expect(list.failed.map((j) => [j.jobId, j.source])).toEqual([['sync@r1@dead', 'dead']]);
      const page = await (await get('/failed', {}, s3.url)).text();
      expect(page).toContain('action="/api/replay/sync%40r1%40dead"');
      const metrics = await (await get('/metrics', {}, s3.url)).text();
      expect(sample(metrics, 'dossier_sync_failed_jobs', { name: 'sync-source' })).toBe(1);

      const before = Date.now();
      const res = await fetch(`${s3.url}/api/replay/${encodeURIComponent('sync@r1@dead')}`, {
        method: 'POST',
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { replayed: string; jobId: string; rootJobId: string };
      expect(body.replayed).toBe('sync@r1@dead');
      expect(body.jobId).toMatch(/^sync@r1@dead@replay-[0-9a-z]+$/);
      const at = parseInt(body.jobId.split('@replay-')[1]!, 36);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(body.jobId).toBe(replayJobId('sync@r1@dead', new Date(at)));
      // As the `replay` command does: the province of that run is reconciled, and the run finished, again once the batch is done.
      expect(body.rootJobId).toBe(replayJobId('run@r1', new Date(at)));
      expect((await rt3.queue.getJob(body.rootJobId))?.name).toBe('finish-run');

      const again = await rt3.queue.getJob(body.jobId);
      expect(again?.name).toBe('sync-source');
      expect(again?.data).toEqual({ runId: 'r1', source: 'dead', windowTo: world.now });
      expect(await rt3.queue.getJob('sync@r1@dead')).toBeUndefined();
      expect(
        (await fetch(`${s3.url}/api/replay/${encodeURIComponent('sync@r1@dead')}`, { method: 'POST' })).status,
      ).toBe(404);

      // A cross-site form post is refused.
      const csrf = await fetch(`${s3.url}/api/replay/${encodeURIComponent(body.jobId)}`, {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
      });
      expect(csrf.status).toBe(403);
      // A job that is not failed is not replayed.
      expect((await fetch(`${s3.url}/api/replay/${encodeURIComponent(body.jobId)}`, { method: 'POST' })).status).toBe(
        409,
      );
    } finally {
      await s3.close();
      await rt3.queue.obliterate({ force: true });
      await rt3.close();
    }
  });
});
