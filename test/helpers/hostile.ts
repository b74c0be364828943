/**
 * Hostile servers for the probes: a proxy in front of a simulator that alters its JSON
 * replies, and a bare server whose every reply the test writes itself (a trickle, say).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../src/sim/listen.js';

export interface Hostile {
  url: string;
  /** Requests received so far. */
  requests: number;
  close(): Promise<void>;
}

/** A reply `alter` gives as text, sent as it is (JSON too deep for JSON.stringify, say). */
export class RawText {
  constructor(readonly text: string) {}
}

/** What a proxied request asked for: its path (with the query), and its JSON body if any. */
export interface ProxiedRequest {
  path: string;
  body: Record<string, unknown> | undefined;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A server whose replies `handle` writes. */
export async function startServer(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>,
): Promise<Hostile> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    h.requests++;
    void bodyOf(req)
      .then((body) => handle(req, body, res))
      .catch((err: unknown) => res.destroy(err as Error));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const h: Hostile = {
    url: await listen(server),
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return h;
}

/**
 * A proxy to `target` (an origin): each request is sent on as it came, and each JSON reply
 * passes through `alter` before it is returned (whatever `alter` returns is sent as JSON, a
 * RawText as it is).
 */
export function startProxy(
  target: string,
  alter: (req: ProxiedRequest, reply: unknown) => unknown | Promise<unknown>,
): Promise<Hostile> {
  return startServer(async (req, body, res) => {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'authorization']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' ? undefined : body,
    });
    const text = await upstream.text();
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      res
        .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' })
        .end(text);
      return;
    }
    const parsed =
      body && req.headers['content-type']?.includes('json') ? (JSON.parse(body) as Record<string, unknown>) : undefined;
    const out = await alter({ path: req.url ?? '/', body: parsed }, reply);
    res
      .writeHead(upstream.status, { 'content-type': 'application/json' })
      .end(out instanceof RawText ? out.text : JSON.stringify(out));
  });
}
