/**
 * A source down all night: its province is reported failed with why, the others complete;
 * next morning the failed batch is listed, a dry run changes nothing, and the replay
 * completes it, reconciles the province again and finishes the run again for it: its
 * incidents open as on a night, the other province's stay as they were. Replaying twice
 * counts nothing twice and moves no incident twice.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../src/queue/nightly.js';
import { parseConfig } from '../../src/config/load.js';
import { failedBatches, replayBatches } from '../../src/queue/replay.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const world = generateWorld({ seed: 12, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 400 });
let sim: Simulator;
let gate: Server; // stands between the worker and H56's system: down at night, up in the morning
let down = true;
let rt: Runtime;
let hook: Server; // the team's webhook
const alerts: {
  type: string;
  group?: { province: string | null };
  provinces?: { province: string; coverage: string }[];
}[] = [];

beforeAll(async () => {
  sim = await startSimulator(world);
  gate = createServer(async (req, res) => {
    if (down) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const upstream = await fetch(`${sim.sourceUrl('H56')}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? Buffer.concat(body) : undefined,
    });
    res
      .writeHead(upstream.status, { 'content-type': 'application/json' })
      .end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
  const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
  hook = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    alerts.push(JSON.parse(body));
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  Object.assign(process.env, { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password });
  const source = (p: string, baseUrl: string) => ({
    id: p.toLowerCase(),
    province: p,
    dialect: 'dvcqg',
    baseUrl,
    usernameEnv: 'SIM_USER',
    passwordEnv: 'SIM_PASSWORD',
    initialFrom: '2026-09-01',
    retries: 1,
    procedureMap: world.procedureMap,
  });
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [source('H49', sim.sourceUrl('H49')), source('H56', gateUrl)],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      worker: { attempts: 2, backoffMs: 10 },
      alerts: { webhooks: [{ name: 'ops', url: hookUrl }] },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now) });
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  await new Promise((r) => gate.close(r));
  await new Promise((r) => hook.close(r));
  await sim.close();
});

/** Waits until no job is waiting, running or delayed (the alerts a finished run enqueued are sent). */
async function idle(): Promise<void> {
  for (;;) {
    const counts = await rt.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sent = (from: number) =>
  alerts
    .slice(from)
    .map((a) =>
      a.type === 'summary'
        ? `summary ${a.provinces!.map((p) => `${p.province}:${p.coverage}`).join(',')}`
        : `${a.type} ${a.group!.province}`,
    );

describe('a source down all night', () => {
  it('is failed with why, then replayed next morning into a complete province', async () => {
    const progress: number[] = [];
    const night = await runNightly(
      rt,
      { runId: 'night-1', period: { from: world.period.from, to: world.period.to }, windowTo: world.now },
      undefined,
      (n) => progress.push(n),
    );
    const [h49, h56] = night.provinces;
    expect(h49!.coverage).toEqual({ status: 'complete', why: null });
    expect(h56!.coverage.status).toBe('failed');
    expect(h56!.coverage.why).toMatch(/source h56: .*HTTP 503/);
    expect(h56!.mismatches).toEqual([]); // a province not synced is never compared
    expect(h49!.findings.length).toBeGreaterThan(0);
    // Progress on the way: pages applied by the run's syncs, rising to what the report says.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(h49!.sources[0]!.pages);

    const failed = await failedBatches(rt, { source: 'h56' });
    expect(failed.map((b) => [b.jobId, b.runId, b.attempts])).toEqual([['sync@night-1@h56', 'night-1', 2]]);
    expect(await failedBatches(rt, { error: 'no such error' })).toEqual([]);
    expect(await failedBatches(rt, { until: failed[0]!.failedAt.getTime() })).toEqual([]);

    await idle();
    const nightAlerts = sent(0);
    expect(nightAlerts.filter((a) => a.startsWith('group'))).toEqual(['group H49']);
    expect(nightAlerts.filter((a) => a.startsWith('summary'))).toEqual(['summary H49:complete,H56:failed']);

    const period = { from: world.period.from, to: world.period.to };
    expect(await rt.incidents.forPeriod('H56', period)).toEqual([]);
    const h49Incidents = await rt.incidents.forPeriod('H49', period);
    expect(h49Incidents.length).toBeGreaterThan(0);

    down = false; // morning
    const events = await rt.events();
    const [root] = await replayBatches(rt, failed);
    // The root is the run's finish-run again: it waits for the province and its explanation pass.
    expect(root).toMatch(/^run@night-1@replay-/);
    await (await Job.fromId(rt.queue, root!))!.waitUntilFinished(events, 60_000);
    const morning = (await rt.runs.report('night-1'))!;
    const after = morning.provinces.find((p) => p.province === 'H56')!;
    expect(after.coverage).toEqual({ status: 'complete', why: null });
    expect(after.mismatches.length).toBeGreaterThan(0);
    expect(after.incidents.length).toBeGreaterThan(0);
    expect(after.incidents.every((i) => i.event === 'opened')).toBe(true);
    const opened = await rt.incidents.forPeriod('H56', period);
    expect(opened.map((i) => [i.status, i.history.map((h) => h.runId)])).toEqual(
      after.incidents.map(() => ['open', ['night-1']]),
    );
    expect(await rt.incidents.forPeriod('H49', period)).toEqual(h49Incidents);
    expect(morning.provinces.find((p) => p.province === 'H49')!.incidents).toEqual(night.provinces[0]!.incidents);
    // The team hears of the replayed province as after a night: its incidents, and a summary of it alone.
    await idle();
    const morningAlerts = sent(nightAlerts.length);
    expect(morningAlerts.filter((a) => a.startsWith('group'))).toEqual(['group H56']);
    expect(morningAlerts.filter((a) => !a.startsWith('group'))).toEqual(['summary H56:complete']);
    expect(after.sources[0]).toMatchObject({ status: 'complete', applied: 400, unchanged: 0 });
    const truth = world.truth
      .filter((t) => t.province === 'H56')
      .map((t) => `${t.dossierCode} ${t.kind}`)
      .sort();
    expect(after.findings.map((f) => `${f.dossierCode} ${f.kind}`).sort()).toEqual(truth);
    expect(await failedBatches(rt)).toEqual([]);

    // Replaying the same batch again pulls nothing more and counts nothing twice.
    const [again] = await replayBatches(rt, failed);
    await (await Job.fromId(rt.queue, again!))!.waitUntilFinished(events, 60_000);
    const twice = (await rt.runs.report('night-1'))!.provinces.find((p) => p.province === 'H56')!;
    expect(twice.sources[0]).toMatchObject({ applied: 400, pulled: after.sources[0]!.pulled });
    expect(await rt.incidents.forPeriod('H56', period)).toEqual(opened);
    expect(twice.incidents).toEqual(after.incidents);
    // its explanation is the replay's own job, not the first replay's (which BullMQ would not move under another parent)
    expect(twice.coverage).toEqual({ status: 'complete', why: null });
    await idle();
    expect(sent(nightAlerts.length + morningAlerts.length)).toEqual([]); // nothing moved, nothing sent
  });
});
