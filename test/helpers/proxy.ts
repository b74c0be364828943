/**
 * A TCP proxy in front of a Redis that can lose a reply: once armed, the reply to the next
 * command (or the next one whose bytes `match`) is not passed on, although Redis ran the
 * command. The client's connection is then dropped at once, or `hold` it open until Redis
 * itself goes away (a reply lost in a failover).
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface ReplyDropper {
  port: number;
  /** Resolves once a reply was kept from its client (Redis has run the command). */
  arm(opts?: { match?: (command: Buffer) => boolean; hold?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startReplyDropper(upstreamPort: number): Promise<ReplyDropper> {
  let armed: { match: (command: Buffer) => boolean; hold: boolean; dropped: () => void } | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(upstreamPort, '127.0.0.1');
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('error', () => undefined);
      sock.on('close', () => {
        sockets.delete(sock);
        client.destroy();
        upstream.destroy();
      });
    }
    let losing: typeof armed; // this connection's next reply is to be lost
    client.on('data', (chunk: Buffer) => {
      if (armed?.match(chunk)) [losing, armed] = [armed, undefined];
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) return void client.write(chunk);
      losing.dropped();
      if (!losing.hold) client.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    arm({ match = () => true, hold = false } = {}) {
      return new Promise<void>((dropped) => (armed = { match, hold, dropped }));
    },
    async close() {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
