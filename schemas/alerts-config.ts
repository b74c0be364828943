/** The alerts section of the configuration file: its channels and how messages are grouped and sent. */
import { z } from 'zod';
import { envName, httpUrl } from './config-fields.js';

const channelName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');

const webhookFields = {
  name: channelName,
  /** The URL, when it holds no secret; otherwise `urlEnv`. */
  url: httpUrl.optional(),
  /** The environment variable holding the URL (a Slack webhook URL is itself a secret). */
  urlEnv: envName.optional(),
  /** The environment variable holding a bearer token sent as `Authorization`. */
  tokenEnv: envName.optional(),
};
const webhook = <K extends string>(kind: K) =>
  z.strictObject({ ...webhookFields, kind: z.literal(kind) }).refine((w) => Boolean(w.url) !== Boolean(w.urlEnv), {
    message: 'give exactly one of url and urlEnv',
    path: ['url'],
  });

/** `json`: the alert object as it is, POSTed to a URL. */
export const jsonChannel = webhook('json');
/** `slack`: a Slack incoming webhook, sent Block Kit sections. */
export const slackChannel = webhook('slack');

/** `telegram`: the Bot API's sendMessage to one chat. */
export const telegramChannel = z.strictObject({
  name: channelName,
  kind: z.literal('telegram'),
  /** The chat (a user, group or channel id, or `@channelname`). */
  chatId: z.union([z.string().min(1), z.number().int()]).transform(String),
  /** The environment variable holding the bot token. */
  tokenEnv: envName,
  /** The Bot API's base URL (another for a local Bot API server, or a test). */
  apiUrl: httpUrl.default('https://api.telegram.org'),
});

/** `email`: plain text and HTML through an SMTP server. */
export const emailChannel = z
  .strictObject({
    name: channelName,
    kind: z.literal('email'),
    host: z.string().min(1, 'name the SMTP server'),
    /** Default 465 with `tls: implicit`, 587 otherwise. */
    port: z.number().int().min(1).max(65535).optional(),
    /** `starttls`: upgrade the connection, required; `implicit`: TLS from the start (port 465); `none`: plain (a relay on the host itself). */
    tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
    /** A PEM file of the authority that signed the server's certificate, when it is not a public one (an internal mail server). */
    caFile: z.string().min(1).optional(),
    /** The environment variables holding the SMTP login, when the server asks for one. */
    userEnv: envName.optional(),
    passwordEnv: envName.optional(),
    from: z.string().min(3, 'give the sender address'),
    to: z.array(z.string().email('must be an e-mail address')).min(1, 'name at least one recipient'),
  })
  .refine((e) => Boolean(e.userEnv) === Boolean(e.passwordEnv), {
    message: 'give both userEnv and passwordEnv, or neither',
    path: ['userEnv'],
  });

export const channelConfig = z.preprocess(
  // A webhook of earlier configuration files names no kind: it is `json`.
  (c) => (typeof c === 'object' && c !== null && !('kind' in c) ? { ...c, kind: 'json' } : c),
  z.discriminatedUnion('kind', [jsonChannel, slackChannel, telegramChannel, emailChannel], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'kind must be "json", "slack", "telegram" or "email"' : undefined,
  }),
);
export type ChannelConfig = z.infer<typeof channelConfig>;
export type WebhookChannel = Extract<ChannelConfig, { kind: 'json' | 'slack' }>;
export type TelegramChannel = Extract<ChannelConfig, { kind: 'telegram' }>;
export type EmailChannel = Extract<ChannelConfig, { kind: 'email' }>;

/** The environment variables a channel's secrets are read from, by field name. */
export function channelSecretFields(c: ChannelConfig): [field: string, env: string][] {
  const fields: [string, string | undefined][] =
    c.kind === 'email'
      ? [
          ['userEnv', c.userEnv],
          ['passwordEnv', c.passwordEnv],
        ]
      : c.kind === 'telegram'
        ? [['tokenEnv', c.tokenEnv]]
        : [
            ['urlEnv', c.urlEnv],
            ['tokenEnv', c.tokenEnv],
          ];
  return fields.filter((f): f is [string, string] => f[1] !== undefined);
}

export const ALERT_GROUPS = ['province', 'run'] as const;
export const SUMMARY_MODES = ['changes', 'always', 'never'] as const;

export const alertsConfig = z
  .strictObject({
    channels: z.array(channelConfig).default([]),
    /** Earlier name of `channels` (json and slack webhooks): read as channels. */
    webhooks: z.array(channelConfig).optional(),
    /** One message per province per run (`province`), or one per run (`run`). */
    groupBy: z.enum(ALERT_GROUPS).default('province'),
    /** A group with incidents still open and nothing new is sent again after this many hours (0: never). */
    repeatHours: z.number().min(0).default(0),
    /**
     * The run's summary: when something changed or a province was not completely compared
     * (`changes`), after every run (`always`; `true` in earlier files), or never (`false`).
     */
    summary: z
      .union([z.enum(SUMMARY_MODES), z.boolean()])
      .transform((s) => (s === true ? 'always' : s === false ? 'never' : s))
      .default('changes'),
    /** The language of the messages: Vietnamese (`vi`) or English (`en`). */
    lang: z.enum(['vi', 'en']).default('vi'),
    /** The dashboard's address as the team reaches it: each message links to the run's page there. */
    dashboardUrl: httpUrl.optional(),
    cooldownMinutes: z
      .unknown()
      .optional()
      .refine(
        (v) => v === undefined,
        'no longer used: a run sends at most one message per group (alerts.groupBy); remove it, and set alerts.repeatHours to be told again of a group still open',
      ),
  })
  .transform(({ webhooks, cooldownMinutes: _, ...a }) => ({ ...a, channels: [...a.channels, ...(webhooks ?? [])] }))
  .default({ channels: [], groupBy: 'province', repeatHours: 0, summary: 'changes', lang: 'vi' });
export type AlertsConfig = z.infer<typeof alertsConfig>;
