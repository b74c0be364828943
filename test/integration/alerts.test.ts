/**
 * Incidents and alerts across nights, against the simulators, a real Redis, and a real
 * webhook receiver on loopback: the first night opens incidents and alerts each once, a
 * second night with the same discrepancies alerts nothing new, a worsened gap alerts again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage } from '../../schemas/alert.js';
import type { RunReport } from '../../schemas/report.js';
import { runNightly } from '../../src/cli/run.js';
import { parseConfig } from '../../src/config/load.js';
import { DAY_MS } from '../../src/normalise/time.js';
import { createRuntime, type Runtime } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/server.js';
import { generateWorld, type World } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
// Only discrepancies that lower the national figures, so one more lost dossier always widens a gap.
const opts = {
  seed: 21, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 500,
  inject: { missingLocal: 0, replacedCode: 0, duplicateNational: 0, unmappedProcedure: 0 },
};

interface Received {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
let hookUrl = '';

const sims: Simulator[] = [];
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(data) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sims) await s.close();
  await new Promise((r) => receiver.close(r));
});

const env = {
  SIM_USER: SIM_CREDENTIALS.username,
  SIM_PASSWORD: SIM_CREDENTIALS.password,
  SLACK_HOOK: '', // set per test
  HOOK_TOKEN: 'hook-token-123',
};

async function night(world: World, prefix: string, day: number): Promise<{ report: RunReport; alerts: Received[] }> {
  const sim = await startSimulator(world);
  sims.push(sim);
  Object.assign(process.env, env, { SLACK_HOOK: `${hookUrl}/slack/T000/B000/secret` });
  const config = parseConfig(
    {
      redis: { prefix },
      sources: [{ id: 'h49', province: 'H49', dialect: 'dvcqg', baseUrl: sim.sourceUrl('H49'), usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', initialFrom: '2026-09-01' }],
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
      alerts: {
        webhooks: [
          { name: 'ops-json', kind: 'json', url: `${hookUrl}/json`, tokenEnv: 'HOOK_TOKEN' },
          { name: 'ops-slack', kind: 'slack', urlEnv: 'SLACK_HOOK' },
        ],
      },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  const rt: Runtime = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now + day * DAY_MS) });
  try {
    const worker = rt.startWorker();
    const events = await rt.events();
    received = [];
    const report = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
    // Wait until every alert job of the run has finished.
    for (;;) {
      const counts = await rt.queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) break;
      // a completion may land between the count and the wait: never wait on the event alone
      await Promise.race([new Promise((r) => events.once('completed', r)), new Promise((r) => setTimeout(r, 100))]);
    }
    await worker.close();
    expect(await rt.queue.getFailed()).toEqual([]);
    return { report, alerts: received };
  } finally {
    await rt.close();
  }
}

const incidentAlerts = (r: Received[], path: string) =>
  r.filter((x) => x.path === path && (x.body as AlertMessage).type === 'incident').map((x) => x.body as Extract<AlertMessage, { type: 'incident' }>);

describe('incidents and alerts over three nights', () => {
  it('alerts once per new incident, not again for the same discrepancies, and again when one worsens', async () => {
    const prefix = redis.prefix();
    const world = generateWorld(opts);

    failNext = 1; // the first delivery fails: the alert must still arrive, once
    const first = await night(world, prefix, 0);
    const mismatches = first.report.provinces[0]!.mismatches;
    expect(mismatches.length).toBeGreaterThan(0);
    const opened = incidentAlerts(first.alerts, '/json');
    expect(opened.map((a) => a.event)).toEqual(mismatches.map(() => 'opened'));
    expect(new Set(opened.map((a) => `${a.agency}|${a.metric}`))).toEqual(new Set(mismatches.map((m) => `${m.agency}|${m.metric}`)));
    expect(first.alerts.filter((a) => a.path === '/json' && a.body.type === 'summary')).toHaveLength(1);
    expect(first.alerts.every((a) => a.path !== '/json' || a.auth === 'Bearer hook-token-123')).toBe(true);
    const slack = first.alerts.filter((a) => a.path === '/slack/T000/B000/secret');
    expect(slack).toHaveLength(mismatches.length + 1);
    expect(String(slack[0]!.body.text)).toMatch(/H49/);
    expect(first.report.provinces[0]!.incidents.every((c) => c.event === 'opened')).toBe(true);
    const missing = opened.find((a) => a.metric === 'received' && a.findings.missing_national);
    expect(missing).toBeDefined();

    const second = await night(world, prefix, 1);
    expect(incidentAlerts(second.alerts, '/json')).toEqual([]);
    expect(second.alerts.map((a) => [a.path, a.body.type ?? 'slack'])).toEqual(
      expect.arrayContaining([['/json', 'summary'], ['/slack/T000/B000/secret', 'slack']]),
    );
    expect(second.alerts).toHaveLength(2);
    expect(second.report.provinces[0]!.incidents.map((c) => c.event)).toEqual(mismatches.map(() => 'still_open'));

    // Night three: one more dossier of that agency, received in the period, never reached the portal.
    const worse = generateWorld(opts);
    const p = worse.provinces[0]!;
    const injected = new Set(worse.truth.map((t) => t.dossierCode));
    const victim = p.national.find(
      (d) => d.agency === missing!.agency && !injected.has(d.code) && d.status !== 1 && d.status !== 3 &&
        d.receivedAt !== null && d.receivedAt >= worse.period.start && d.receivedAt < worse.period.end,
    )!;
    p.national.splice(p.national.indexOf(victim), 1);
    const third = await night(worse, prefix, 2);
    const worsened = incidentAlerts(third.alerts, '/json').filter((a) => a.event === 'worsened');
    expect(worsened.map((a) => `${a.agency}|${a.metric}`)).toContain(`${missing!.agency}|received`);
    expect(third.report.provinces[0]!.findings.map((f) => f.dossierCode)).toContain(victim.code);
  });
});
