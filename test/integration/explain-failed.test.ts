/**
 * A night whose comparison completes but whose explanation pass fails for good (the portal's
 * dossier lists and look-ups down mid-pass, its statistics answering): the province is
 * partial, and its mismatches still open incidents, as `explanation_failed` per agency, with
 * an alert; no incident an earlier night opened is resolved, since its cause was not
 * examined. Once the portal is back, replaying the failed explanation puts the findings in
 * the report and the incidents back on their real causes; replaying again does nothing.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../schemas/incident.js';
import { createRuntime } from '../../jobs/runtime.js';
import { parseConfig } from '../../src/config/load.js';
import { jobIds } from '../../src/queue/flows.js';
import { runNightly } from '../../src/queue/nightly.js';
import { failedPasses, replayPasses } from '../../src/queue/replay-passes.js';
import { replayAndWait } from '../../src/queue/replay.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const world = generateWorld({ seed: 31, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 300 });
const period = { from: world.period.from, to: world.period.to };
/** The services only the explanation pass calls: lists and look-ups (the comparison reads ThongKeHoSo). */
const EXPLAINING = new Set(['DanhSachHoSo', 'TraCuuHoSo']);
let listsDown = false;
let sim: Simulator;
let rt: Runtime;
const servers: Server[] = [];
const groupAlerts: { runId: string; incidents: { cause: string; event: string; agency: string }[] }[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listen(handler: (req: IncomingMessage, text: Buffer) => Promise<[number, Buffer | string]>) {
  const server = createServer(async (req, res) => {
    const [status, out] = await handler(req, await body(req));
    res.writeHead(status, { 'content-type': 'application/json' }).end(out);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  sim = await startSimulator(world);
  const portal = await listen(async (req, text) => {
    const call = text.length ? (JSON.parse(text.toString()) as { service?: string }) : {};
    if (listsDown && call.service && EXPLAINING.has(call.service))
      return [503, '{"error_code":"503","message":"maintenance"}'];
    const up = await fetch(`${sim.nationalUrl}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? text : undefined,
    });
    return [up.status, Buffer.from(await up.arrayBuffer())];
  });
  const hook = await listen(async (_req, text) => {
    const alert = JSON.parse(text.toString()) as (typeof groupAlerts)[number] & { type: string };
    if (alert.type === 'group') groupAlerts.push(alert);
    return [200, 'ok'];
  });
  Object.assign(process.env, { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password });
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [
        {
          id: 'h49',
          province: 'H49',
          dialect: 'dvcqg',
          baseUrl: sim.sourceUrl('H49'),
          usernameEnv: 'SIM_USER',
          passwordEnv: 'SIM_PASSWORD',
          initialFrom: '2026-09-01',
          procedureMap: world.procedureMap,
        },
      ],
      // staleness off: the lists stay the explanation's alone
      national: { baseUrl: portal, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', staleAfterDays: 0 },
      worker: { attempts: 2, backoffMs: 10 },
      alerts: { webhooks: [{ name: 'ops', url: `${hook}/hook` }] },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now) });
  rt.startWorker();
});

afterAll(async () => {
  await rt.close();
  for (const s of servers) await new Promise((r) => s.close(r));
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

const night = (runId: string) => runNightly(rt, { runId, period, windowTo: world.now });
const state = (list: Incident[]) =>
  list.map((i) => ({ key: i.key, status: i.status, runs: i.history.map((h) => `${h.runId} ${h.event}`) }));

describe('an explanation that fails after the comparison', () => {
  let before: Incident[];
  let gaps: Map<string, number>;

  it('opens its mismatches as explanation_failed per agency, with an alert, and resolves nothing', async () => {
    const first = await night('night-1');
    expect(first.provinces[0]!.coverage).toEqual({ status: 'complete', why: null });
    before = await rt.incidents.forPeriod('H49', period);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((i) => i.status === 'open')).toBe(true);
    await idle();
    const alertsBefore = groupAlerts.length;

    listsDown = true;
    const second = await night('night-2');
    const h49 = second.provinces[0]!;
    expect(h49.coverage.status).toBe('partial');
    expect(h49.coverage.failedJobs?.map((j) => [j.job, j.id])).toEqual([
      ['explain-province', jobIds.explain('night-2', 'H49')],
    ]);
    expect(h49.coverage.failedJobs![0]!.reason).toMatch(/503/);
    expect(h49.findings).toEqual([]);
    expect(h49.mismatches.length).toBeGreaterThan(0);

    // every agency whose figures differ: one explanation_failed incident, its whole gap
    gaps = new Map();
    for (const m of h49.mismatches)
      if (m.national !== m.local) gaps.set(m.agency, (gaps.get(m.agency) ?? 0) + Math.abs(m.national - m.local));
    const now = await rt.incidents.forPeriod('H49', period);
    const failed = now.filter((i) => i.cause === 'explanation_failed');
    expect(failed.map((i) => [i.agency, i.status, i.residual]).sort()).toEqual(
      [...gaps].map(([agency, gap]) => [agency, 'open', gap]).sort(),
    );
    expect(h49.incidents.map((c) => c.event)).toEqual(failed.map(() => 'opened'));
    // the incidents of night-1 untouched: none resolved, none moved by a night that examined nothing
    expect(state(now.filter((i) => i.cause !== 'explanation_failed'))).toEqual(state(before));

    await idle();
    const told = groupAlerts.slice(alertsBefore);
    expect(told.map((a) => a.runId)).toEqual(['night-2']);
    expect(told[0]!.incidents.map((i) => [i.agency, i.cause, i.event]).sort()).toEqual(
      [...gaps.keys()].map((agency) => [agency, 'explanation_failed', 'opened']).sort(),
    );
  });

  it('replayed once the portal is back: the findings in the report, the incidents on their real causes; again: nothing', async () => {
    listsDown = false;
    const alertsBefore = groupAlerts.length;
    const passes = await failedPasses(rt);
    expect(passes.map((p) => [p.jobId, p.name, p.runId, p.province])).toEqual([
      [jobIds.explain('night-2', 'H49'), 'explain-province', 'night-2', 'H49'],
    ]);
    const result = await replayAndWait(rt, [], undefined, new Date(), passes);
    expect(result).toMatchObject({ failedAgain: [], incomplete: [] });
    expect(result.alerts.length).toBeGreaterThan(0); // the replay's finish planned its alerts: a command waits for them

    const h49 = (await rt.runs.report('night-2'))!.provinces[0]!;
    expect(h49.coverage).toEqual({ status: 'complete', why: null });
    const truth = world.truth.map((t) => `${t.dossierCode} ${t.kind}`).sort();
    expect(h49.findings.map((f) => `${f.dossierCode} ${f.kind}`).sort()).toEqual(truth);
    const after = await rt.incidents.forPeriod('H49', period);
    // the real causes, as night-1 found them, still open and seen by night-2
    expect(after.filter((i) => i.status === 'open').map((i) => i.key)).toEqual(before.map((i) => i.key));
    for (const i of after.filter((x) => x.cause !== 'explanation_failed'))
      expect(i.history.map((h) => `${h.runId} ${h.event}`)).toEqual(['night-1 opened', 'night-2 still_open']);
    const failed = after.filter((i) => i.cause === 'explanation_failed');
    expect(failed.map((i) => [i.agency, i.status]).sort()).toEqual([...gaps.keys()].map((a) => [a, 'resolved']).sort());
    expect(await failedPasses(rt)).toEqual([]);
    await idle();
    const told = groupAlerts.slice(alertsBefore).flatMap((a) => a.incidents);
    expect(
      told
        .filter((i) => i.event !== 'still_open')
        .map((i) => [i.agency, i.cause, i.event])
        .sort(),
    ).toEqual([...gaps.keys()].map((agency) => [agency, 'explanation_failed', 'resolved']).sort());

    // Replayed again, from the same list: the failure was replayed already, nothing runs or moves.
    const seen = groupAlerts.length;
    expect(await replayPasses(rt, passes)).toEqual([]);
    const again = await replayAndWait(rt, [], undefined, new Date(), passes);
    expect(again).toEqual({ failedAgain: [], incomplete: [], alerts: [] }); // nothing planned: nothing moved
    expect(await rt.incidents.forPeriod('H49', period)).toEqual(after);
    expect((await rt.runs.report('night-2'))!.provinces[0]).toEqual(h49);
    await idle();
    expect(groupAlerts.length).toBe(seen);
  });
});
