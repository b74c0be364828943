/**
 * No failure is silent: each kind of job of a run made to fail for good through the real
 * queue (the executable's `reconcile` against the simulators behind a gate, a private Redis)
 * makes its province failed or partial in the report with the job and the reason, the exit
 * code 2, and the summary alert and the dashboard's run page say so. Before, a failed
 * `reconcile-province` left a "complete" province with no findings and exit 0.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryAlert, type SummaryAlert } from '../../schemas/alert.js';
import { runReport, type RunReport } from '../../schemas/report.js';
import { loadConfig } from '../../src/config/load.js';
import { createRuntime } from '../../src/queue/runtime.js';
import { startServer } from '../../src/server/index.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/server.js';
import { generateWorld } from '../../src/sim/world.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');
const world = generateWorld({ seed: 9, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 300 });
const env = { ...process.env, REDIS_URL: '', SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

let dir: string;
let redis: PrivateRedis;
let sim: Simulator;
const servers: Server[] = [];
/** What the gates do: the province's system down, national services refused (an error reply) or down (HTTP 503). */
const gate = { sourceDown: false, refuse: new Set<string>(), down: new Set<string>() };
const summaries: SummaryAlert[] = [];
const summaryWaiters: (() => void)[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listen(handler: (req: IncomingMessage, text: Buffer) => Promise<{ status: number; body: string | Buffer }>): Promise<string> {
  const server = createServer(async (req, res) => {
    const r = await handler(req, await body(req));
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function forward(url: string, text: Buffer) {
  const upstream = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: upstream.status, body: Buffer.from(await upstream.arrayBuffer()) };
}

let sourceUrl = '';
let nationalUrl = '';
let hookUrl = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-failed-'));
  redis = await startPrivateRedis();
  sim = await startSimulator(world);
  sourceUrl = await listen(async (req, text) =>
    gate.sourceDown ? { status: 503, body: '{"error_code":"503","message":"maintenance"}' } : forward(`${sim.sourceUrl('H49')}${req.url}`, text),
  );
  nationalUrl = await listen(async (req, text) => {
    const service = text.length ? (JSON.parse(text.toString()) as { service?: string }).service : undefined;
    if (service && gate.refuse.has(service)) return { status: 200, body: JSON.stringify({ error_code: '500', message: `${service} refused by the gate` }) };
    if (service && gate.down.has(service)) return { status: 503, body: JSON.stringify({ error_code: '503', message: `${service} down behind the gate` }) };
    return forward(`${sim.nationalUrl}${req.url}`, text);
  });
  hookUrl = await listen(async (_req, text) => {
    const alert = JSON.parse(text.toString()) as { type: string };
    if (alert.type === 'summary') {
      summaries.push(summaryAlert.parse(alert));
      for (const w of summaryWaiters.splice(0)) w();
    }
    return { status: 200, body: 'ok' };
  });
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await sim?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(
    file,
    JSON.stringify({
      redis: { url: redis.url, prefix: `failed-${name}` },
      sources: [
        { id: 'h49', province: 'H49', dialect: 'dvcqg', baseUrl: sourceUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', initialFrom: '2026-09-01', retries: 0, procedureMap: world.procedureMap },
      ],
      national: { baseUrl: nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', staleAfterDays: 0 },
      worker: { attempts: 2, backoffMs: 10 },
      alerts: { webhooks: [{ name: 'ops', url: `${hookUrl}/hook` }] },
    }),
  );
  return file;
}

/** A command of the executable: its exit code and output. */
async function cli(config: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  return exec(process.execPath, [BIN, ...args, '--config', config, '--log-level', 'error'], { env, maxBuffer: 32 * 1024 * 1024 }).then(
    (ok) => ({ code: 0, stdout: ok.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

/** `reconcile` through the executable: its exit code and its report. */
async function reconcile(config: string): Promise<{ code: number; report: RunReport }> {
  const r = await cli(config, 'reconcile', '--month', '2026-10', '--format', 'json');
  return { code: r.code, report: runReport.parse(JSON.parse(r.stdout)) };
}

/**
 * The run's summary alert (a worker delivers the alerts the run enqueued, if the command
 * had not yet), and its run page on the dashboard.
 */
async function afterwards(config: string, runId: string): Promise<{ summary: SummaryAlert; page: string }> {
  const rt = createRuntime(await loadConfig(config, env), pino({ level: 'silent' }));
  const server = await startServer({ runtime: rt, port: 0 });
  try {
    const arrived = new Promise<void>((r) => summaryWaiters.push(r));
    rt.startWorker();
    while (!summaries.some((s) => s.runId === runId)) await arrived;
    const page = await (await fetch(`${server.url}/runs/${runId}?lang=en`)).text();
    return { summary: summaries.find((s) => s.runId === runId)!, page };
  } finally {
    await server.close();
    await rt.close();
  }
}

describe('a job of the run that fails for good', () => {
  const cases = [
    { kind: 'sync-source', set: () => (gate.sourceDown = true), status: 'failed', reason: /503/ },
    { kind: 'reconcile-province', set: () => gate.refuse.add('ThongKeHoSo'), status: 'failed', reason: /ThongKeHoSo refused by the gate/ },
    // the job that names the dossiers behind the mismatches lists national dossiers: a list the
    // portal refuses leaves its keys unexplained, one it cannot serve at all fails the job
    { kind: 'explanation', set: () => gate.down.add('DanhSachHoSo'), status: 'partial', reason: /503/ },
  ] as const;

  for (const c of cases) {
    it(`${c.kind}: the province ${c.status} with the job and reason, exit 2, in the summary alert and on the run page`, async () => {
      gate.sourceDown = false;
      gate.refuse.clear();
      gate.down.clear();
      c.set();
      const config = await configFile(c.kind);
      const { code, report } = await reconcile(config);
      expect(code).toBe(2);
      const [h49] = report.provinces;
      expect(h49!.coverage.status).toBe(c.status);
      const failed = h49!.coverage.failedJobs ?? [];
      expect(failed.length).toBeGreaterThan(0);
      for (const j of failed) expect(j.reason).toMatch(c.reason);
      const kinds = new Set(failed.map((j) => j.job));
      if (c.kind === 'explanation') expect([...kinds].some((k) => k !== 'sync-source' && k !== 'reconcile-province')).toBe(true);
      else expect(kinds).toEqual(new Set([c.kind]));
      expect(h49!.coverage.why).toMatch(c.reason);

      gate.sourceDown = false;
      gate.refuse.clear();
      gate.down.clear();
      const { summary, page } = await afterwards(config, report.runId);
      expect(summary.provinces[0]).toMatchObject({ province: 'H49', coverage: c.status, failedJobs: failed });
      for (const j of failed) {
        expect(page).toContain(`data-job="${j.job}"`);
        expect(page).toContain(j.id);
      }
      expect(page).toMatch(c.reason);
    });
  }
});

describe('replay', () => {
  it('of a batch that fails again: exit 1, naming the batch and why; once it passes, exit 0', async () => {
    gate.refuse.clear();
      gate.down.clear();
    gate.sourceDown = true;
    const config = await configFile('replay');
    const { code, report } = await reconcile(config);
    expect(code).toBe(2);

    const again = await cli(config, 'replay');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Replayed 1 batch(es): 1 failed again.');
    expect(again.stdout).toMatch(new RegExp(`failed again  sync@${report.runId}@h49@replay-\\w+  source=h49  run=${report.runId}  error=.*503`));
    expect(again.stdout).toContain(`still failed  run=${report.runId}  province=H49`);

    gate.sourceDown = false;
    const ok = await cli(config, 'replay');
    expect(ok).toEqual({ code: 0, stdout: expect.stringMatching(/Replayed 1 batch\(es\)\.\n$/) });
    expect((await cli(config, 'replay', '--dry-run')).stdout).toBe('No failed sync batches.\n');
  });
});
