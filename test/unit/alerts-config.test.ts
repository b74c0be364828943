import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';

const base = {
  sources: [
    { id: 'h49', province: 'H49', dialect: 'dvcqg', baseUrl: 'http://h49.example', usernameEnv: 'U', passwordEnv: 'P' },
  ],
  national: { baseUrl: 'http://national.example', usernameEnv: 'U', passwordEnv: 'P' },
};
const env = { U: 'u', P: 'p', HOOK: 'http://hooks.example/x', TG: 'bot-token', SMTP_USER: 'u', SMTP_PASS: 'p' };
const alertsOf = (alerts: unknown, e: Record<string, string> = env) =>
  parseConfig({ ...base, alerts }, 'test.json', e).alerts;
const errorOf = (alerts: unknown, e: Record<string, string> = env) => {
  try {
    alertsOf(alerts, e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('alerts configuration', () => {
  it('reads every kind of channel, with its defaults', () => {
    const a = alertsOf({
      groupBy: 'run',
      repeatHours: 24,
      dashboardUrl: 'https://dash.example/',
      channels: [
        { name: 'ops', kind: 'json', url: 'http://hooks.example/ops' },
        { name: 'slack', kind: 'slack', urlEnv: 'HOOK' },
        { name: 'tg', kind: 'telegram', chatId: -1001, tokenEnv: 'TG' },
        {
          name: 'mail',
          kind: 'email',
          host: 'smtp.example',
          userEnv: 'SMTP_USER',
          passwordEnv: 'SMTP_PASS',
          from: 'ds@example.vn',
          to: ['a@example.vn'],
        },
      ],
    });
    expect(a).toMatchObject({
      groupBy: 'run',
      repeatHours: 24,
      summary: 'changes',
      lang: 'vi',
      dashboardUrl: 'https://dash.example',
    });
    expect(a.channels[2]).toEqual({
      name: 'tg',
      kind: 'telegram',
      chatId: '-1001',
      tokenEnv: 'TG',
      apiUrl: 'https://api.telegram.org',
    });
    expect(a.channels[3]).toMatchObject({ kind: 'email', tls: 'starttls' });
  });

  it('keeps an earlier file working: webhooks[] are channels (json when no kind), summary true is always', () => {
    const a = alertsOf({
      webhooks: [
        { name: 'ops', url: 'http://hooks.example/ops' },
        { name: 'slack', kind: 'slack', urlEnv: 'HOOK' },
      ],
      summary: true,
    });
    expect(a.channels.map((c) => [c.name, c.kind])).toEqual([
      ['ops', 'json'],
      ['slack', 'slack'],
    ]);
    expect(a.summary).toBe('always');
    expect(alertsOf({ summary: false }).summary).toBe('never');
  });

  it('refuses cooldownMinutes, saying what replaced it', () => {
    expect(errorOf({ cooldownMinutes: 360 })).toMatch(
      /alerts\.cooldownMinutes: no longer used: .*alerts\.groupBy.*alerts\.repeatHours/,
    );
  });

  it('names the field at fault in a channel', () => {
    expect(errorOf({ channels: [{ name: 'x', kind: 'pager' }] })).toContain(
      'alerts.channels[0].kind: kind must be "json", "slack", "telegram" or "email"',
    );
    expect(errorOf({ channels: [{ name: 'tg', kind: 'telegram', chatId: '1' }] })).toContain(
      'alerts.channels[0].tokenEnv',
    );
    expect(
      errorOf({ channels: [{ name: 'm', kind: 'email', host: 'h', from: 'ds@example.vn', to: ['not an address'] }] }),
    ).toContain('alerts.channels[0].to[0]: must be an e-mail address');
    expect(
      errorOf({
        channels: [
          { name: 'm', kind: 'email', host: 'h', userEnv: 'SMTP_USER', from: 'ds@example.vn', to: ['a@example.vn'] },
        ],
      }),
    ).toContain('alerts.channels[0].userEnv: give both userEnv and passwordEnv, or neither');
    expect(
      errorOf({
        channels: [{ name: 'a', url: 'http://x.example' }],
        webhooks: [{ name: 'a', url: 'http://y.example' }],
      }),
    ).toContain('duplicate channel name "a"');
  });

  it('refuses a key a channel does not have (a token written in the file, say)', () => {
    expect(errorOf({ channels: [{ name: 'tg', kind: 'telegram', chatId: '1', tokenEnv: 'TG', token: 'x' }] })).toMatch(
      /alerts\.channels\[0\].*token/,
    );
  });

  it('names a channel secret missing from the environment', () => {
    const { TG: _, ...noToken } = env;
    expect(errorOf({ channels: [{ name: 'tg', kind: 'telegram', chatId: '1', tokenEnv: 'TG' }] }, noToken)).toContain(
      'alerts channel "tg" tokenEnv: environment variable TG is not set',
    );
  });
});
