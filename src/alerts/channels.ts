/**
 * Sends a message to one configured channel: `json` (the alert object as it is), `slack`
 * (Block Kit), `telegram` (Bot API sendMessage, in parts within Telegram's limit) or `email`
 * (SMTP, plain text and HTML). Addresses and secrets are read from the environment when
 * sending; no error or log line carries them (a Telegram URL holds the bot token, a Slack
 * webhook URL is itself a secret: their paths are never printed).
 */
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { AlertMessage } from '../../schemas/alert.js';
import type { ChannelConfig, EmailChannel, TelegramChannel, WebhookChannel } from '../../schemas/config.js';
import { HttpClient } from '../http/client.js';
import { PermanentError, TransientError } from '../util/errors.js';
import type { Lang } from '../report/labels.js';
import { docOf, htmlOf, slackOf, splitText, textOf } from './message.js';

/** Telegram's limit on a message's text, in characters. */
export const TELEGRAM_MAX_CHARS = 4096;

export interface DeliverOptions {
  /** The language of the message (`alerts.lang`); the `json` channel sends the alert object as it is. */
  lang: Lang;
  logger?: Logger;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Parts already delivered by an earlier attempt (a message sent in parts). */
  skipParts?: number;
  /** Called after each part is delivered, with the number delivered so far. */
  onPart?: (delivered: number) => Promise<unknown>;
}

function secret(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const v = env[name];
  if (!v) throw new PermanentError(`${what}: environment variable ${name} is not set`);
  return v;
}

function http(name: string, opts: DeliverOptions, secretPath: boolean): HttpClient {
  return new HttpClient({
    name: `alert channel ${name}`,
    timeoutMs: 10_000,
    retries: 3,
    logger: opts.logger,
    signal: opts.signal,
    secretPath,
  });
}

async function webhook(
  c: WebhookChannel,
  alert: AlertMessage,
  opts: DeliverOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const url = c.url ?? secret(env, c.urlEnv!, `alert channel ${c.name}`);
  const body = c.kind === 'slack' ? slackOf(docOf(alert, opts.lang)) : alert;
  const token = c.tokenEnv ? secret(env, c.tokenEnv, `alert channel ${c.name}`) : undefined;
  await http(c.name, opts, c.urlEnv !== undefined).postJson(
    url,
    body,
    token ? { authorization: `Bearer ${token}` } : {},
    { expectJson: false },
  );
  return 1;
}

async function telegram(
  c: TelegramChannel,
  alert: AlertMessage,
  opts: DeliverOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const url = `${c.apiUrl}/bot${secret(env, c.tokenEnv, `alert channel ${c.name}`)}/sendMessage`;
  const client = http(c.name, opts, true);
  const parts = splitText(textOf(docOf(alert, opts.lang)), TELEGRAM_MAX_CHARS);
  for (let i = opts.skipParts ?? 0; i < parts.length; i++) {
    const reply = (await client.postJson(url, {
      chat_id: c.chatId,
      text: parts[i],
      disable_web_page_preview: true,
    })) as { ok?: boolean; description?: string };
    if (reply?.ok !== true)
      throw new PermanentError(
        `alert channel ${c.name}: Telegram refused the message: ${reply?.description ?? 'no reason given'}`,
      );
    await opts.onPart?.(i + 1);
  }
  return parts.length;
}

async function email(
  c: EmailChannel,
  alert: AlertMessage,
  opts: DeliverOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const what = `alert channel ${c.name}`;
  const auth = c.userEnv ? { user: secret(env, c.userEnv, what), pass: secret(env, c.passwordEnv!, what) } : undefined;
  let ca: string | undefined;
  try {
    ca = c.caFile ? await readFile(c.caFile, 'utf8') : undefined;
  } catch (err) {
    throw new PermanentError(
      `${what}: cannot read caFile ${c.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port ?? (c.tls === 'implicit' ? 465 : 587),
    secure: c.tls === 'implicit',
    requireTLS: c.tls === 'starttls',
    ignoreTLS: c.tls === 'none',
    auth,
    ...(ca ? { tls: { ca } } : {}),
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
    logger: false,
  });
  const doc = docOf(alert, opts.lang);
  try {
    await transport.sendMail({ from: c.from, to: c.to, subject: doc.title, text: textOf(doc), html: htmlOf(doc) });
  } catch (err) {
    // nodemailer's own message names the server's reply; a rejected login or recipient (5xx) will not pass on a retry.
    const e = err as { responseCode?: number; code?: string; message?: string };
    const why = `${what}: SMTP ${c.host}: ${e.responseCode ?? e.code ?? 'error'}`;
    opts.logger?.warn({ channel: c.name, code: e.code, responseCode: e.responseCode }, 'e-mail not sent');
    throw e.responseCode !== undefined && e.responseCode >= 500 ? new PermanentError(why) : new TransientError(why);
  } finally {
    transport.close();
  }
  return 1;
}

/** Sends the alert to the channel; returns the number of messages (parts) it took. */
export async function deliver(c: ChannelConfig, alert: AlertMessage, opts: DeliverOptions): Promise<number> {
  const env = opts.env ?? process.env;
  switch (c.kind) {
    case 'json':
    case 'slack':
      return webhook(c, alert, opts, env);
    case 'telegram':
      return telegram(c, alert, opts, env);
    case 'email':
      return email(c, alert, opts, env);
  }
}
