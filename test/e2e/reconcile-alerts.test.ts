/**
 * `reconcile` sends its own run's alerts before it exits: the executable against the
 * simulators, a private redis-server and a webhook receiver. Every planned message has been
 * received when the command exits; a channel that refuses the message makes it exit 1, saying so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../schemas/report.js';
import { plannedAlerts } from '../../src/queue/delivery.js';
import { QUEUE_NAME } from '../../src/queue/runtime.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { startPrivateRedis, type PrivateRedis } from '../../src/util/redis-server.js';
import { startBotApi, startHookReceiver } from '../helpers/alert-servers.js';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/dossier-sync.js');

let dir: string;
let redis: PrivateRedis;
let sim: Simulator;
let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
let bot: Awaited<ReturnType<typeof startBotApi>>;
const world = generateWorld({ seed: 6, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 400 });
const env = {
  ...process.env,
  REDIS_URL: '',
  SIM_USER: SIM_CREDENTIALS.username,
  SIM_PASSWORD: SIM_CREDENTIALS.password,
  TG_TOKEN: '42:e2e-token',
};

async function configFile(prefix: string, channels: unknown[]): Promise<string> {
  const file = join(dir, `${prefix}.json`);
  await writeFile(
    file,
    JSON.stringify({
      redis: { url: redis.url, prefix },
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
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', staleAfterDays: 0 },
      alerts: { channels },
    }),
  );
  return file;
}

function reconcile(config: string, ...args: string[]) {
  return exec(
    process.execPath,
    [BIN, 'reconcile', '--month', '2026-10', '--format', 'json', ...args, '--config', config, '--log-level', 'warn'],
    { env, maxBuffer: 32 * 1024 * 1024 },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-alerts-'));
  redis = await startPrivateRedis();
  sim = await startSimulator(world);
  hooks = await startHookReceiver();
  bot = await startBotApi();
});

afterAll(async () => {
  await Promise.all([hooks?.close(), bot?.close(), sim?.close()]);
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('reconcile delivers its alerts', () => {
  it('every planned message is received before the command exits', async () => {
    const config = await configFile('sent', [
      { name: 'ops', kind: 'json', url: `${hooks.url}/json` },
      { name: 'chat', kind: 'slack', url: `${hooks.url}/slack` },
    ]);
    const { stdout, stderr } = await reconcile(config);
    const received = hooks.received.length; // read at once: nothing may arrive after the exit
    const report = runReport.parse(JSON.parse(stdout));
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection, prefix: '{sent-bull}' });
    try {
      const planned = await plannedAlerts(queue, report.runId);
      expect(planned).toHaveLength(2 * 3); // two channels × (a message per province + the summary)
      expect(received).toBe(planned.length);
      expect(hooks.received.map((h) => `${h.path} ${String(h.body.type ?? 'slack')}`).sort()).toEqual([
        '/json group',
        '/json group',
        '/json summary',
        '/slack slack',
        '/slack slack',
        '/slack slack',
      ]);
      expect(stderr).toContain(`alerts: ${planned.length} sent, 0 failed`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }, 180_000);

  it('a channel that refuses the message: the command says so and exits 1', async () => {
    const config = await configFile('refused', [
      { name: 'chat', kind: 'telegram', chatId: '1', tokenEnv: 'TG_TOKEN', apiUrl: `${bot.url}/wrong-path` },
    ]);
    const err = await reconcile(config, '--alerts-wait', '30').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/alerts: 0 sent, 3 failed/);
    expect(err?.stderr).toMatch(/failed alert@.*: alert channel chat: POST http:\/\/127\.0\.0\.1:\d+\/…: HTTP 404/);
    expect(err?.stderr).not.toContain('e2e-token');
    expect(bot.received).toEqual([]);
  }, 180_000);
});
