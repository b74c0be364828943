/**
 * No failure is silent. One run through the real queue (the executable's `reconcile` against
 * the simulators behind gates, a private Redis) where each province has one kind of job fail
 * for good: H49's sync (its system down), H56's reconciliation (the portal refuses its
 * statistics), H12's explanation (the portal's dossier lists unreachable for it). Each province is
 * failed or partial in the report with the job and the reason, the exit code is 2, and the
 * summary alert and the dashboard's run page say so. Before, a failed `reconcile-province`
 * left a "complete" province with no findings and exit 0. Then `replay` lists H49's batch with
 * H56's reconciliation and H12's explanation (`--dry-run` changes nothing), exits 1 naming each
 * while the systems are still down, and 0 once they are back, every province complete.
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
import { failedBatches } from '../../src/queue/replay.js';
import { failedPasses } from '../../src/queue/replay-passes.js';
import { createRuntime } from '../../jobs/runtime.js';
import { startServer } from '../../src/server/index.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');
const world = generateWorld({ seed: 9, month: '2026-10', provinces: ['H49', 'H56', 'H12'], dossiersPerProvince: 300 });
const env = {
  ...process.env,
  REDIS_URL: '',
  SIM_USER: SIM_CREDENTIALS.username,
  SIM_PASSWORD: SIM_CREDENTIALS.password,
};

/**
 * What the portal's gate does to a service for the agencies of a province: refuse it (an
 * error code inside HTTP 200), or answer 503 (unreachable: the explanation pass fails and
 * is tried again, where a refusal would only leave that agency unexplained).
 */
const REFUSED: Record<string, string[]> = { ThongKeHoSo: ['H56'] };
const UNREACHABLE: Record<string, string[]> = { DanhSachHoSo: ['H12'], TraCuuHoSo: ['H12'] };
/** Which job fails in each province, and why. */
const CASES = [
  { province: 'H49', kind: 'sync-source', status: 'failed', reason: /503/ },
  { province: 'H56', kind: 'reconcile-province', status: 'failed', reason: /ThongKeHoSo refused by the gate/ },
  // the pass that names the dossiers behind the mismatches lists and looks up national dossiers
  { province: 'H12', kind: 'explain-province', status: 'partial', reason: /national: .*HTTP 503/ },
] as const;

let dir: string;
let redis: PrivateRedis;
let sim: Simulator;
let config: string;
const servers: Server[] = [];
let h49Down = true;
let portalGated = true; // the portal's refusals and outages below, until the morning
const summaries: SummaryAlert[] = [];
/** Every alert the webhook received, of any type. */
let received = 0;
const summaryWaiters: (() => void)[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listen(
  handler: (req: IncomingMessage, text: Buffer) => Promise<{ status: number; body: string | Buffer }>,
): Promise<string> {
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

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-failed-'));
  redis = await startPrivateRedis();
  sim = await startSimulator(world);
  const h49Gate = await listen(async (req, text) =>
    h49Down
      ? { status: 503, body: '{"error_code":"503","message":"maintenance"}' }
      : forward(`${sim.sourceUrl('H49')}${req.url}`, text),
  );
  const nationalGate = await listen(async (req, text) => {
    const call = text.length ? (JSON.parse(text.toString()) as { service?: string; madonvi?: string }) : {};
    const hit = (rule: Record<string, string[]>) =>
      portalGated && call.service !== undefined && rule[call.service]?.some((p) => call.madonvi?.endsWith(p));
    if (hit(REFUSED))
      return {
        status: 200,
        body: JSON.stringify({ error_code: '500', message: `${call.service} refused by the gate` }),
      };
    if (hit(UNREACHABLE)) return { status: 503, body: '{"error_code":"503","message":"maintenance"}' };
    return forward(`${sim.nationalUrl}${req.url}`, text);
  });
  const hook = await listen(async (_req, text) => {
    const alert = JSON.parse(text.toString()) as { type: string };
    received++;
    if (alert.type === 'summary') {
      summaries.push(summaryAlert.parse(alert));
      for (const w of summaryWaiters.splice(0)) w();
    }
    return { status: 200, body: 'ok' };
  });
  config = join(dir, 'dossier-sync.json');
  await writeFile(
    config,
    JSON.stringify({
      redis: { url: redis.url },
      sources: world.provinces.map(({ province }) => ({
        id: province.toLowerCase(),
        province,
        dialect: 'dvcqg',
        baseUrl: province === 'H49' ? h49Gate : sim.sourceUrl(province),
        usernameEnv: 'SIM_USER',
        passwordEnv: 'SIM_PASSWORD',
        initialFrom: '2026-09-01',
        retries: 0,
        procedureMap: world.procedureMap,
      })),
      // the simulated month lies weeks before the real clock that `reconcile` uses: not staleness here
      national: { baseUrl: nationalGate, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', staleAfterDays: 0 },
      worker: { attempts: 2, backoffMs: 10 },
      alerts: { webhooks: [{ name: 'ops', url: `${hook}/hook` }] },
    }),
  );
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await sim?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A command of the executable: its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [BIN, ...args, '--config', config, '--log-level', 'error'], {
    env,
    maxBuffer: 32 * 1024 * 1024,
  }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/**
 * The run's summary alert (a worker delivers the alerts the run enqueued, if the command
 * had not yet), and its run page on the dashboard.
 */
async function afterwards(runId: string): Promise<{ summary: SummaryAlert; page: string }> {
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

describe('jobs of a run that fail for good', () => {
  let report: RunReport;

  it('sync-source, reconcile-province, explain-province: each province failed or partial with the job and reason, exit 2, in the summary alert and on the run page', async () => {
    const r = await cli('reconcile', '--month', '2026-10', '--format', 'json');
    expect(r.code).toBe(2);
    report = runReport.parse(JSON.parse(r.stdout));
    const { summary, page } = await afterwards(report.runId);
    for (const c of CASES) {
      const p = report.provinces.find((x) => x.province === c.province)!;
      expect([c.province, p.coverage.status]).toEqual([c.province, c.status]);
      const failed = p.coverage.failedJobs ?? [];
      expect(failed.length).toBeGreaterThan(0);
      expect(new Set(failed.map((j) => j.job))).toEqual(new Set([c.kind]));
      for (const j of failed) expect(j.reason).toMatch(c.reason);
      expect(p.coverage.why).toMatch(c.reason);

      expect(summary.provinces.find((x) => x.province === c.province)).toMatchObject({
        coverage: c.status,
        failedJobs: failed,
      });
      for (const j of failed) {
        expect(page).toContain(`data-job="${j.job}"`);
        expect(page).toContain(j.id);
      }
    }
  });

  it('replay of a batch, a reconciliation and an explanation that fail again: exit 1, naming each and why; once they pass, exit 0', async () => {
    const run = report.runId;
    const dry = await cli('replay', '--dry-run');
    expect(dry.code).toBe(0);
    expect(
      dry.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ').slice(0, 3))
        .sort(),
    ).toEqual(
      [
        ['would replay', `sync@${run}@h49`, 'source=h49'],
        ['would replay', `reconcile@${run}@H56`, 'job=reconcile-province'],
        ['would replay', `explain@${run}@H12`, 'job=explain-province'],
      ].sort(),
    );

    const again = await cli('replay');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Replayed 1 batch(es) and 2 pass(es): 3 failed again.');
    expect(again.stdout).toMatch(
      new RegExp(`failed again  sync@${run}@h49@replay-\\w+  source=h49  run=${run}  error=.*503`),
    );
    expect(again.stdout).toMatch(
      new RegExp(
        `failed again  reconcile@${run}@H56@replay-\\w+  job=reconcile-province  province=H56  run=${run}  error=.*refused`,
      ),
    );
    expect(again.stdout).toMatch(
      new RegExp(
        `failed again  explain@${run}@H12@replay-\\w+  job=explain-province  province=H12  run=${run}  error=.*503`,
      ),
    );
    for (const [p, status] of [
      ['H49', 'failed'],
      ['H56', 'failed'],
      ['H12', 'partial'],
    ])
      expect(again.stdout).toContain(`still ${status}  run=${run}  province=${p}`);

    h49Down = false;
    portalGated = false;
    const before = received;
    const ok = await cli('replay');
    expect({ code: ok.code, stdout: ok.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(/Replayed 1 batch\(es\) and 2 pass\(es\)\.\n$/),
    });
    // the replays' alerts went out before the command exited, and it said so
    const sent = Number(/alerts: (\d+) sent, 0 failed/.exec(ok.stderr)?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(received).toBeGreaterThan(before);
    // ... among them, for each province, a new summary saying it is complete (not taken for the
    // failed replay's summary, which named the same province)
    const latest = (province: string) =>
      summaries
        .filter((s) => s.runId === run)
        .flatMap((s) => s.provinces)
        .filter((p) => p.province === province)
        .at(-1)?.coverage;
    expect(['H12', 'H49', 'H56'].map(latest)).toEqual(['complete', 'complete', 'complete']);
    const rt = createRuntime(await loadConfig(config, env), pino({ level: 'silent' }));
    try {
      expect(await failedBatches(rt)).toEqual([]);
      expect(await failedPasses(rt)).toEqual([]);
      const replayed = (await rt.runs.report(run))!;
      for (const p of replayed.provinces)
        expect([p.province, p.coverage]).toEqual([p.province, { status: 'complete', why: null }]);
      expect(replayed.provinces.find((p) => p.province === 'H12')!.findings.length).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
    expect((await cli('replay', '--dry-run')).stdout).toContain('No failed sync batches.');
  });
});
