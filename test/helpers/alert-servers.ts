/**
 * Real servers on loopback for the alert channels to speak to: a webhook receiver (JSON and
 * Slack), a stand-in for Telegram's Bot API, and an SMTP server (smtp-server) whose mail is
 * parsed with mailparser. Each records what it received and can refuse its next requests.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}

interface Recorder<T> {
  url: string;
  received: T[];
  /** Refuse this many next requests (HTTP 503, SMTP 451). */
  failNext: number;
  /** Once this many items are received, refuse `times` requests. */
  refuseAfter: { received: number; times: number } | undefined;
  /** Resolves once `n` items have been received in all. */
  until(n: number): Promise<void>;
  close(): Promise<void>;
}

function recorder<T>(): Pick<Recorder<T>, 'received' | 'failNext' | 'refuseAfter' | 'until'> & {
  push(item: T): void;
  refusing(): boolean;
} {
  const waiters: { n: number; resolve: () => void }[] = [];
  const r = {
    received: [] as T[],
    failNext: 0,
    refuseAfter: undefined as Recorder<T>['refuseAfter'],
    /** Whether to refuse this request (counts it). */
    refusing(): boolean {
      if (r.failNext > 0) return r.failNext-- > 0;
      const after = r.refuseAfter;
      return after !== undefined && r.received.length >= after.received && after.times-- > 0;
    },
    push(item: T) {
      r.received.push(item);
      for (const w of waiters.filter((x) => r.received.length >= x.n)) w.resolve();
    },
    until(n: number) {
      return r.received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
  };
  return r;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** POSTs recorded with their path, Authorization header and JSON body. */
export async function startHookReceiver(): Promise<Recorder<Received>> {
  const r = recorder<Received>();
  const server = createServer(async (req, res) => {
    let data = '';
    for await (const c of req) data += String(c);
    if (r.refusing()) return void res.writeHead(503).end();
    r.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(data) as Record<string, unknown> });
    res.writeHead(200).end('ok');
  });
  const url = await listen(server);
  return Object.assign(r, { url, close: () => new Promise<void>((done) => server.close(() => done())) });
}

export interface BotMessage {
  token: string;
  chatId: string;
  text: string;
}

/** `POST /bot<token>/sendMessage` as Telegram's Bot API answers it. */
export async function startBotApi(): Promise<Recorder<BotMessage>> {
  const r = recorder<BotMessage>();
  let id = 0;
  const server = createServer(async (req, res) => {
    let data = '';
    for await (const c of req) data += String(c);
    const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!m) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (r.refusing()) return reply(502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const body = JSON.parse(data) as { chat_id: string; text: string };
    if (body.text.length > 4096)
      return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
    r.push({ token: decodeURIComponent(m[1]!), chatId: String(body.chat_id), text: body.text });
    reply(200, { ok: true, result: { message_id: ++id, chat: { id: body.chat_id }, text: body.text } });
  });
  const url = await listen(server);
  return Object.assign(r, { url, close: () => new Promise<void>((done) => server.close(() => done())) });
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * An SMTP server on loopback that requires this login: plain (no STARTTLS), or with `tls`
 * offering STARTTLS (and refusing the login before it) or speaking TLS from the start (`implicit`).
 * A mail is recorded with whether its session was encrypted.
 */
export async function startSmtp(
  login: { user: string; pass: string },
  tls?: { key: string; cert: string; implicit?: boolean },
): Promise<Recorder<Mail & { secure: boolean }> & { port: number }> {
  const r = recorder<Mail & { secure: boolean }>();
  const server = new SMTPServer({
    ...(tls ? { key: tls.key, cert: tls.cert, secure: tls.implicit === true } : { disabledCommands: ['STARTTLS'] }),
    allowInsecureAuth: !tls,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === login.user && auth.password === login.pass) return done(null, { user: auth.username });
      done(new Error('Invalid username or password'));
    },
    onData(stream, session, done) {
      simpleParser(stream)
        .then((mail) => {
          if (r.refusing()) return done(Object.assign(new Error('try again later'), { responseCode: 451 }));
          const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
          r.push({
            from: mail.from?.value[0]?.address ?? '',
            to,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            secure: session.secure,
          });
          done();
        })
        .catch(done);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(r, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}
