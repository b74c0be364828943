/**
 * Secrets and personal data: a full night (a `dvcqg` source with faults, a `rest` source with
 * faults, a `dvcqg` source refused for a wrong password, the national feed) with every log
 * line captured at level trace, then every job of the queue (completed and failed included:
 * payload, result, error, stack traces, progress) and every key the run left in Redis read
 * back. None holds a password, a client secret, a session or access token, nor an applicant's
 * name, phone or e-mail. The sources' items carry those personal fields (fake values, added to
 * every item on its way from the simulators by a gate that also records the sessions and
 * tokens the simulators hand out).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightly } from '../../src/queue/nightly.js';
import { executeRepair, planRunRepair } from '../../src/queue/repair.js';
import { PERSONAL_FIELDS } from '../../src/normalise/personal.js';
import { parseConfig } from '../../src/config/load.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import {
  DEFAULT_REST_STATUS_NAMES,
  REST_SIM_CLIENT,
  startRestSimulator,
  type RestSimulator,
} from '../../src/sim/rest-server.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { createLogger } from '../../src/util/logger.js';
import { dumpRedis, useRedis } from '../helpers/redis.js';

const redis = useRedis();
const world = generateWorld({ seed: 24, month: '2026-10', provinces: ['H49', 'H56', 'H12'], dossiersPerProvince: 300 });
const WRONG_PASSWORD = 'not-the-password-7f3a9c';

/** What must never be written anywhere: secrets, and every personal value served. */
const forbidden = new Set<string>([SIM_CREDENTIALS.password, REST_SIM_CLIENT.clientSecret, WRONG_PASSWORD]);
const personal = { names: 0, phones: 0, emails: 0 };
let tokens = 0;
/** The items of every national push (DongBoHoSoMC) that went through a gate. */
const pushedItems: Record<string, unknown>[] = [];

/**
 * A gate in front of a simulator: forwards every request, records the sessions and access
 * tokens in the replies, and gives each listed item an applicant (name, phone, e-mail).
 */
async function gate(upstream: string): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'authorization']) if (req.headers[h]) headers[h] = String(req.headers[h]);
    try {
      const sent = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        service?: string;
        data?: Record<string, unknown>[];
      };
      if (sent.service === 'DongBoHoSoMC') pushedItems.push(...(sent.data ?? []));
    } catch {
      // not JSON (a form, a GET)
    }
    let up: Response;
    try {
      up = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
      });
    } catch {
      return void res.destroy();
    }
    let text = await up.text();
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      for (const k of ['session', 'access_token']) {
        if (typeof body[k] === 'string') {
          forbidden.add(body[k]);
          tokens++;
        }
      }
      const person = () => {
        n++;
        const who = {
          name: `Nguyễn Thị Applicant${n}`,
          phone: `09${String(7_000_000 + n).padStart(8, '0')}`,
          email: `applicant${n}@example.vn`,
        };
        forbidden.add(who.name).add(who.phone).add(who.email);
        personal.names++;
        personal.phones++;
        personal.emails++;
        return who;
      };
      const dvcqg = (i: Record<string, unknown>) => {
        const w = person();
        return { ...i, ChuHoSo: w.name, SoDienThoai: w.phone, Email: w.email };
      };
      const rest = (i: Record<string, unknown>) => {
        const w = person();
        return { ...i, applicantName: w.name, phone: w.phone, email: w.email };
      };
      if (Array.isArray(body.data)) body.data = (body.data as Record<string, unknown>[]).map(dvcqg);
      if (Array.isArray(body.items)) body.items = (body.items as Record<string, unknown>[]).map(rest);
      text = JSON.stringify(body);
    } catch {
      // not JSON (a truncated body, say): passed on as it is
    }
    const out: Record<string, string> = { 'content-type': up.headers.get('content-type') ?? 'application/json' };
    for (const h of ['retry-after', 'www-authenticate']) if (up.headers.get(h)) out[h] = up.headers.get(h)!;
    res.writeHead(up.status, out).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let sim: Simulator;
let restSim: RestSimulator;
const gates: Server[] = [];
let rt: Runtime;
let logged = '';

beforeAll(async () => {
  sim = await startSimulator(world, {
    faults: { H49: { seed: 3, serverError: 0.1, truncated: 0.05, sessionCalls: 4, malformed: 3 } },
  });
  restSim = await startRestSimulator(world, {
    faults: { H56: { seed: 4, tooMany: 0.1, sessionCalls: 3, malformed: 3 } },
  });
  const dv = await gate(sim.url);
  const rs = await gate(restSim.url);
  gates.push(dv.server, rs.server);
  const restPath = (u: string) => u.slice(restSim.url.length);
  const env = {
    SIM_USER: SIM_CREDENTIALS.username,
    SIM_PASSWORD: SIM_CREDENTIALS.password,
    WRONG_PASSWORD,
    REST_ID: restSim.clientId,
    REST_SECRET: restSim.clientSecret,
    PUSH_USER: SIM_CREDENTIALS.username,
    PUSH_PASSWORD: SIM_CREDENTIALS.password,
  };
  const config = parseConfig(
    {
      redis: { url: redis.url, prefix: redis.prefix() },
      sources: [
        {
          id: 'h49',
          province: 'H49',
          dialect: 'dvcqg',
          baseUrl: `${dv.url}/p/H49`,
          usernameEnv: 'SIM_USER',
          passwordEnv: 'SIM_PASSWORD',
          pageSize: 50,
          initialFrom: '2026-09-01',
          procedureMap: world.procedureMap,
        },
        {
          id: 'h56',
          province: 'H56',
          dialect: 'rest',
          baseUrl: `${rs.url}${restPath(restSim.baseUrl('H56'))}`,
          tokenUrl: `${rs.url}${restPath(restSim.tokenUrl)}`,
          clientIdEnv: 'REST_ID',
          clientSecretEnv: 'REST_SECRET',
          statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
          pageSize: 50,
          initialFrom: '2026-09-01',
          procedureMap: world.procedureMap,
        },
        {
          id: 'h12',
          province: 'H12',
          dialect: 'dvcqg',
          baseUrl: `${dv.url}/p/H12`,
          usernameEnv: 'SIM_USER',
          passwordEnv: 'WRONG_PASSWORD',
          initialFrom: '2026-09-01',
        },
      ],
      national: {
        baseUrl: `${dv.url}/national`,
        usernameEnv: 'SIM_USER',
        passwordEnv: 'SIM_PASSWORD',
        push: { usernameEnv: 'PUSH_USER', passwordEnv: 'PUSH_PASSWORD' },
      },
      worker: { attempts: 2, backoffMs: 10 },
    },
    'test',
    env,
  );
  Object.assign(process.env, env);
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => (logged += c.toString('utf8')));
  rt = createRuntime(config, createLogger({ level: 'trace', destination: sink }), { clock: () => new Date(world.now) });
  rt.startWorker();
});
afterAll(async () => {
  await rt.close();
  for (const g of gates) await new Promise((r) => g.close(r));
  await restSim.close();
  await sim.close();
});

function leaks(where: string, text: string): string[] {
  return [...forbidden].filter((s) => text.includes(s)).map((s) => `${where}: ${s}`);
}

describe('secrets and personal data', () => {
  it('a full night, then a repair of its findings, writes no password, secret, token, applicant name, phone or e-mail to the logs, the jobs or Redis', async () => {
    const report = await runNightly(
      rt,
      { runId: 'secrets', period: { from: world.period.from, to: world.period.to }, windowTo: world.now },
      120_000,
    );
    // The night did run through the paths that log: retries, a session expiry, a refused login, quarantined items.
    const province = (p: string) => report.provinces.find((x) => x.province === p)!;
    expect(['H49', 'H56', 'H12'].map((p) => province(p).coverage.status)).toEqual(['complete', 'complete', 'failed']);
    expect(province('H12').coverage.why).toMatch(/login refused/);
    expect(province('H49').sources[0]!.quarantined).toBe(3);
    expect(province('H56').sources[0]!.quarantined).toBe(3);
    expect(personal.names).toBeGreaterThan(600);
    expect(tokens).toBeGreaterThan(5); // sessions and access tokens were handed out, and are looked for
    await new Promise((r) => setImmediate(r));
    for (const m of ['retrying HTTP call', 'sync complete', 'job failed', 'province not compared'])
      expect(logged).toContain(m);

    // The quarantine keeps the item, the applicant redacted.
    const q = await rt.store.quarantineEntries('H49', 'h49');
    expect(q).toHaveLength(3);
    for (const e of q)
      expect(e.raw).toMatchObject({ ChuHoSo: '[redacted]', SoDienThoai: '[redacted]', Email: '[redacted]' });
    const qr = await rt.store.quarantineEntries('H56', 'h56');
    expect(qr).toHaveLength(3);
    for (const e of qr)
      expect(e.raw).toMatchObject({ applicantName: '[redacted]', phone: '[redacted]', email: '[redacted]' });

    // The repair pushes the province's records: no applicant's field is sent, none is written.
    const plan = await planRunRepair(rt, report.runId, {});
    expect(plan.push.length).toBeGreaterThan(0);
    const repaired = await executeRepair(rt, plan, 'secrets-test', 60_000);
    expect(repaired.records.filter((r) => r.outcome === 'stored').length).toBe(plan.push.length);
    expect(pushedItems.length).toBe(plan.push.length);
    for (const item of pushedItems) for (const f of PERSONAL_FIELDS) expect(Object.keys(item)).not.toContain(f);
    expect(logged).toContain('repair batch pushed');

    const jobs = await rt.queue.getJobs([
      'completed',
      'failed',
      'active',
      'waiting',
      'delayed',
      'waiting-children',
      'prioritized',
    ]);
    expect(jobs.length).toBeGreaterThan(5);
    expect(jobs.some((j) => j.failedReason)).toBe(true);
    const jobText = jobs
      .map((j) =>
        JSON.stringify({
          name: j.name,
          id: j.id,
          data: j.data,
          opts: j.opts,
          returnvalue: j.returnvalue,
          failedReason: j.failedReason,
          stacktrace: j.stacktrace,
          progress: j.progress,
        }),
      )
      .join('\n');

    expect([
      ...leaks('log', logged),
      ...leaks('job', jobText),
      ...leaks('redis', await dumpRedis(rt.redis, rt.config.redis.prefix)),
    ]).toEqual([]);
  });
});
