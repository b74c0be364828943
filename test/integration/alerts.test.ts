/**
 * Incidents and grouped alerts over three nights, against the simulators, a real Redis and a
 * real server for every channel on loopback (a webhook receiver for `json` and `slack`, a
 * stand-in for Telegram's Bot API, an SMTP server): one province with 28 differing dossiers of
 * the seven kinds sends, per channel, one message for the province and the summary; the same
 * night again sends nothing; a night where 3 of them are fixed sends one message naming them.
 * Every channel refuses its first delivery: each message still arrives, once.
 */
import { PassThrough } from 'node:stream';
import { Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertMessage, GroupAlert, SummaryAlert } from '../../schemas/alert.js';
import { FINDING_KINDS, type RunReport } from '../../schemas/report.js';
import { TELEGRAM_MAX_CHARS } from '../../src/alerts/channels.js';
import { awaitAlerts, plannedAlerts } from '../../src/queue/delivery.js';
import { docOf, slackOf, splitText, textOf } from '../../src/alerts/message.js';
import { planAlerts } from '../../src/alerts/plan.js';
import { parseConfig } from '../../src/config/load.js';
import { runNightly } from '../../src/queue/nightly.js';
import { createRuntime } from '../../jobs/runtime.js';
import { LEGACY_NOTE, transitions } from '../../src/reconcile/incidents.js';
import { Keys } from '../../src/store/keys.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld, sortByUpdated, type World } from '../../src/sim/world.js';
import { createLogger } from '../../src/util/logger.js';
import { startBotApi, startHookReceiver, startSmtp } from '../helpers/alert-servers.js';
import { dumpRedis, useRedis } from '../helpers/redis.js';
import { simConfig } from '../helpers/sim.js';

const redis = useRedis();
// 28 differing dossiers of the seven kinds (code divergence in both its forms) in one province.
const INJECT = {
  notSynced: 4,
  statusLag: 4,
  dateShift: 4,
  missingLocal: 4,
  replacedCode: 2,
  unmappedProcedure: 2,
  definitionDrift: 4,
  duplicateNational: 4,
};
const opts = { seed: 21, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 1500, inject: INJECT };
const SECRETS = {
  HOOK_TOKEN: 'hook-token-5b1e',
  SLACK_HOOK_PATH: '/services/T000/B000/slack-secret-9c2d',
  TG_TOKEN: '123456:tg-secret-AAE4f',
  SMTP_USER: 'smtp-login-3f1c',
  SMTP_PASS: 'smtp-secret-77a1',
};
const DASHBOARD = 'https://dsync.example.gov.vn';

let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
let bot: Awaited<ReturnType<typeof startBotApi>>;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const sims: Simulator[] = [];
let logged = '';

beforeAll(async () => {
  hooks = await startHookReceiver();
  bot = await startBotApi();
  smtp = await startSmtp({ user: SECRETS.SMTP_USER, pass: SECRETS.SMTP_PASS });
});
afterAll(async () => {
  for (const s of sims) await s.close();
  await Promise.all([hooks.close(), bot.close(), smtp.close()]);
});

interface Night {
  report: RunReport;
  planned: string[];
  json: AlertMessage[];
  slack: { text: string; blocks: unknown[] }[];
  telegram: string[];
  mail: { subject: string; text: string; html: string; to: string[] }[];
}

/** One night through the queue; returns what each channel received during it, once every planned message is sent. */
async function night(world: World, prefix: string, day: number): Promise<Night> {
  const sim = await startSimulator(world);
  sims.push(sim);
  Object.assign(process.env, { ...SECRETS, SLACK_HOOK: `${hooks.url}${SECRETS.SLACK_HOOK_PATH}` });
  const config = simConfig(sim, world, redis, {
    extra: {
      redis: { prefix },
      alerts: {
        dashboardUrl: DASHBOARD,
        channels: [
          { name: 'ops-json', kind: 'json', url: `${hooks.url}/json`, tokenEnv: 'HOOK_TOKEN' },
          { name: 'ops-slack', kind: 'slack', urlEnv: 'SLACK_HOOK' },
          { name: 'ops-telegram', kind: 'telegram', chatId: '-100777', tokenEnv: 'TG_TOKEN', apiUrl: bot.url },
          {
            name: 'ops-mail',
            kind: 'email',
            host: '127.0.0.1',
            port: smtp.port,
            tls: 'none',
            userEnv: 'SMTP_USER',
            passwordEnv: 'SMTP_PASS',
            from: 'dossier-sync@example.gov.vn',
            to: ['doisoat@example.gov.vn', 'oncall@example.gov.vn'],
          },
        ],
      },
    },
  });
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => (logged += c.toString('utf8')));
  const rt = createRuntime(config, createLogger({ level: 'trace', destination: sink }), {
    clock: () => new Date(world.now + day * 86_400_000),
  });
  const before = { hooks: hooks.received.length, bot: bot.received.length, smtp: smtp.received.length };
  try {
    rt.startWorker();
    const report = await runNightly(rt, {
      period: { from: world.period.from, to: world.period.to },
      windowTo: world.now,
    });
    const planned = await plannedAlerts(rt.queue, report.runId);
    expect(await awaitAlerts(rt.queue, await rt.events(), planned, 120_000)).toMatchObject({
      sent: planned.length,
      failed: 0,
      queued: 0,
    });
    const hooked = hooks.received.slice(before.hooks);
    expect(hooked.filter((h) => h.path === '/json').every((h) => h.auth === `Bearer ${SECRETS.HOOK_TOKEN}`)).toBe(true);
    expect(bot.received.slice(before.bot).every((m) => m.token === SECRETS.TG_TOKEN && m.chatId === '-100777')).toBe(
      true,
    );
    return {
      report,
      planned,
      json: hooked.filter((h) => h.path === '/json').map((h) => h.body as AlertMessage),
      slack: hooked
        .filter((h) => h.path === SECRETS.SLACK_HOOK_PATH)
        .map((h) => h.body as { text: string; blocks: unknown[] }),
      telegram: bot.received.slice(before.bot).map((m) => m.text),
      mail: smtp.received.slice(before.smtp),
    };
  } finally {
    await rt.close();
  }
}

const byType = <T extends AlertMessage['type']>(list: AlertMessage[], type: T) =>
  list.filter((a) => a.type === type) as Extract<AlertMessage, { type: T }>[];
const sorted = (list: string[]) => [...list].sort();

/** What every channel must have received for these messages: the same content, laid out for it. */
function expectChannelsCarry(n: Night, messages: AlertMessage[]): void {
  const docs = messages.map((m) => docOf(m, 'vi')); // the default language
  expect(sorted(n.slack.map((s) => JSON.stringify(s)))).toEqual(sorted(docs.map((d) => JSON.stringify(slackOf(d)))));
  expect(sorted(n.telegram)).toEqual(sorted(docs.flatMap((d) => splitText(textOf(d), TELEGRAM_MAX_CHARS))));
  for (const t of n.telegram) expect(t.length).toBeLessThanOrEqual(TELEGRAM_MAX_CHARS);
  expect(sorted(n.mail.map((m) => m.subject))).toEqual(sorted(docs.map((d) => d.title)));
  for (const m of n.mail) {
    const d = docs.find((x) => x.title === m.subject)!;
    expect(m.to).toEqual(['doisoat@example.gov.vn', 'oncall@example.gov.vn']);
    expect(m.text.trim()).toBe(textOf(d));
    expect(m.html).toContain(`<a href="${DASHBOARD}/runs/${d.runId}">Lượt đối soát ${d.runId}</a>`);
  }
}

describe('grouped alerts over three nights, on every channel', () => {
  it('one message for the province and the summary; nothing for the same night again; then one message naming the 3 dossiers fixed', async () => {
    const prefix = redis.prefix();
    const world = generateWorld(opts);
    expect(world.truth).toHaveLength(28);
    expect(new Set(world.truth.map((t) => t.kind))).toEqual(new Set(FINDING_KINDS));

    // An incident stored before incidents followed causes, still open: resolved once, with a note, never alerted.
    const legacyKey = 'H49|2026-09-01..2026-09-30|000.00.12.H49|*|received';
    const at = new Date(world.now - 30 * 86_400_000).toISOString();
    const client = redis.client();
    const keys = new Keys(prefix);
    await client.hset(
      keys.incidents(),
      legacyKey,
      JSON.stringify({
        key: legacyKey,
        province: 'H49',
        period: { from: '2026-09-01', to: '2026-09-30' },
        agency: '000.00.12.H49',
        procedure: null,
        metric: 'received',
        status: 'open',
        openedAt: at,
        updatedAt: at,
        gap: 2,
        history: [{ runId: 'old', at, event: 'opened', local: 10, national: 8 }],
      }),
    );
    await client.sadd(keys.openIncidents(), legacyKey);

    hooks.failNext = 1; // every channel refuses its first delivery: the message must still arrive, once
    bot.failNext = 1;
    smtp.failNext = 1;
    const first = await night(world, prefix, 0);
    const h49 = first.report.provinces[0]!;
    expect(h49.findings.map((f) => f.dossierCode).sort()).toEqual(world.truth.map((t) => t.dossierCode).sort());
    expect(first.planned).toHaveLength(4 * 2); // four channels × (the province's message + the summary)
    const [group] = byType(first.json, 'group') as GroupAlert[];
    const [summary] = byType(first.json, 'summary') as SummaryAlert[];
    expect(first.json).toHaveLength(2);
    expect(group).toMatchObject({
      group: { by: 'province', province: 'H49' },
      url: `${DASHBOARD}/runs/${first.report.runId}`,
      repeat: false,
    });
    expect(group!.incidents.every((i) => i.event === 'opened')).toBe(true);
    expect(new Set(group!.incidents.map((i) => i.cause))).toEqual(new Set(FINDING_KINDS));
    expect(sorted(group!.incidents.flatMap((i) => i.added.first))).toEqual(
      sorted(world.truth.map((t) => t.dossierCode)),
    );
    expect(summary!.provinces).toEqual([
      expect.objectContaining({ province: 'H49', coverage: 'complete', opened: group!.incidents.length, resolved: 0 }),
    ]);
    expectChannelsCarry(first, [group!, summary!]);
    expect(first.slack.every((s) => s.blocks.length > 2)).toBe(true);
    expect(h49.incidents.every((c) => c.event === 'opened')).toBe(true);
    expect(h49.incidents).toHaveLength(group!.incidents.length);
    const [legacy] = await redis.client().hmget(keys.incidents(), legacyKey);
    expect(JSON.parse(legacy!)).toMatchObject({
      status: 'resolved',
      history: [{ event: 'opened' }, { event: 'resolved', note: LEGACY_NOTE }],
    });

    const second = await night(world, prefix, 1);
    expect(second.planned).toEqual([]);
    expect([second.json, second.slack, second.telegram, second.mail]).toEqual([[], [], [], []]);
    expect(second.report.provinces[0]!.incidents.map((c) => c.event)).toEqual(h49.incidents.map(() => 'still_open'));

    // Night three: three of the dossiers whose national status lagged are up to date on the portal.
    const better = generateWorld(opts);
    const p = better.provinces[0]!;
    const fixed = better.truth
      .filter((t) => t.kind === 'status_lag')
      .slice(0, 3)
      .map((t) => t.dossierCode);
    for (const code of fixed)
      p.national[p.national.findIndex((d) => d.code === code)] = p.local.find((d) => d.code === code)!;
    sortByUpdated(p.national);
    const third = await night(better, prefix, 2);
    expect(third.json).toHaveLength(2);
    const [told] = byType(third.json, 'group') as GroupAlert[];
    expect(
      told!.incidents.every((i) => i.event === 'resolved' || (i.event === 'still_open' && i.fixed.count > 0)),
    ).toBe(true);
    expect(sorted(told!.incidents.flatMap((i) => i.fixed.first))).toEqual(sorted(fixed));
    expectChannelsCarry(third, third.json);
    for (const code of fixed) expect(third.telegram.join('\n')).toContain(code);
    expect(third.report.provinces[0]!.findings.map((f) => f.dossierCode)).not.toContain(fixed[0]);

    // No secret in any log line, job or key: the bot token (inside the Bot API's URL), the SMTP password, the Slack URL, the bearer token.
    const stored = await dumpRedis(client, prefix);
    expect(logged).toContain('retrying HTTP call'); // the refused deliveries were logged
    const leaks = Object.values(SECRETS).flatMap((s) => [
      ...(logged.includes(s) ? [`log: ${s}`] : []),
      ...(stored.includes(s) ? [`redis: ${s}`] : []),
    ]);
    expect(leaks).toEqual([]);
  }, 240_000);
});

describe('Telegram', () => {
  it('a message longer than 4,096 characters goes in parts; a retry after a refused part sends only the rest, once', async () => {
    const period = { from: '2026-10-01', to: '2026-10-31' };
    const causes = Array.from({ length: 80 }, (_, i) => ({
      agency: `000.${String(i).padStart(3, '0')}.H49`,
      cause: 'status_lag' as const,
      residual: 0,
      lines: [{ procedure: null, metric: 'processed' }],
      dossiers: Array.from(
        { length: 12 },
        (_, k) => `000.${String(i).padStart(3, '0')}.H49-261002-${String(k).padStart(4, '0')}`,
      ),
    }));
    const report: RunReport = {
      runId: 'long',
      period,
      window: { to: '' },
      startedAt: '',
      finishedAt: null,
      status: 'running',
      provinces: [],
    };
    const { planned } = planAlerts(report, transitions({ runId: 'long', at: '' }, 'H49', period, [], causes), {
      alerts: { groupBy: 'province', repeatHours: 0, summary: 'never', dashboardUrl: DASHBOARD },
      now: 0,
      lastSent: new Map(),
    });
    const alert = planned[0]!.alert;
    const parts = splitText(textOf(docOf(alert, 'vi')), TELEGRAM_MAX_CHARS);
    expect(parts.length).toBeGreaterThan(2);

    Object.assign(process.env, { TG_TOKEN: SECRETS.TG_TOKEN, U: 'u', P: 'p' });
    const config = parseConfig(
      {
        redis: { prefix: redis.prefix() },
        sources: [
          {
            id: 'h49',
            province: 'H49',
            dialect: 'dvcqg',
            baseUrl: 'http://127.0.0.1:9',
            usernameEnv: 'U',
            passwordEnv: 'P',
          },
        ],
        national: { baseUrl: 'http://127.0.0.1:9', usernameEnv: 'U', passwordEnv: 'P' },
        alerts: {
          channels: [{ name: 'tg', kind: 'telegram', chatId: '-100777', tokenEnv: 'TG_TOKEN', apiUrl: bot.url }],
        },
      },
      'test',
      { ...process.env, REDIS_URL: redis.url },
    );
    const rt = createRuntime(config, pino({ level: 'silent' }));
    try {
      rt.startWorker();
      const before = bot.received.length;
      bot.refuseAfter = { received: before + 1, times: 4 }; // the second part, on every try of the first attempt
      const job = await rt.queue.add(
        'send-alert',
        { runId: 'long', channel: 'tg', alert },
        { jobId: 'alert@long@tg', attempts: 3, backoff: { type: 'fixed', delay: 10 } },
      );
      expect(await job.waitUntilFinished(await rt.events(), 60_000)).toEqual({
        sent: 'group',
        channel: 'telegram',
        parts: parts.length,
      });
      expect(bot.received.slice(before).map((m) => m.text)).toEqual(parts);
      expect((await Job.fromId(rt.queue, job.id!))!.attemptsMade).toBe(2);
    } finally {
      bot.refuseAfter = undefined;
      await rt.close();
    }
  });
});
