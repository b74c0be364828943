import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a simulator's server on the host and port (0: any free one) and returns its base URL. */
export async function listen(server: Server, host = '127.0.0.1', port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** Closes a simulator's server, dropping the connections still open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

/**
 * Sends a JSON reply (`text`, already JSON, as a string or bytes), cut in half when
 * `truncate` (a simulated truncated reply); `headers` are added to, or replace, the JSON ones.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  text: string | Buffer,
  headers: Record<string, string> = {},
  truncate = false,
): void {
  const half = Math.floor(text.length / 2);
  const out = !truncate ? text : typeof text === 'string' ? text.slice(0, half) : text.subarray(0, half);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(out)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(out);
}

/** A request's body as text, or undefined once it passes `max` bytes. */
export async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
