/**
 * A private redis-server in a temporary folder on a free loopback port: the embedded
 * default for the demo and the tests when REDIS_URL is unset. For the tests of the other
 * topologies: a private Redis Cluster of masters, and a master with a replica watched by
 * sentinels.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  /** The process, for a test that kills it outright. */
  child: ChildProcess;
  stop(): Promise<void>;
}

export const REDIS_MISSING =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, ' +
  'macOS: `brew install redis`) or set REDIS_URL to a running Redis.';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function waitReady(child: ChildProcess, port: number, ready = 'Ready to accept connections'): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server on port ${port} did not start in 10 s:\n${out}`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) done();
    };
    const onExit = (code: number | null) =>
      fail(new Error(`redis-server exited (code ${code}) before it was ready:\n${out}`));
    const onError = (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? new Error(REDIS_MISSING) : err);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export interface PrivateRedisOptions {
  /** Keep an append-only file (for restart tests); off by default. */
  appendOnly?: boolean;
  /** Reuse a folder (to restart on the same data); a new temporary one by default. */
  dir?: string;
  port?: number;
  /** More redis-server arguments (`--cluster-enabled yes`, `--replicaof host port`…). */
  args?: string[];
}

export async function startPrivateRedis(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dossier-sync-redis-')));
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.appendOnly ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
    ...(opts.args ?? []),
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitReady(child, port);
  return running(child, port, dir, !opts.dir);
}

/** A started redis-server (or sentinel) as a PrivateRedis: `stop` ends it and removes its own folder. */
function running(child: ChildProcess, port: number, dir: string, ownDir: boolean): PrivateRedis {
  child.stdout?.resume();
  child.stderr?.resume();
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    child,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` holds (asked every 50 ms), or fails naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `fn` on a plain connection to a local port, then closes it. */
async function onPort<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** One `INFO` (or `CLUSTER INFO`) field. */
const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

const exec = promisify(execFile);

/**
 * Why this machine cannot start a private cluster (undefined when it can): `redis-cli
 * --cluster` needs redis-cli 5 or later, cluster mode redis-server 3 or later.
 */
export async function clusterUnsupported(): Promise<string | undefined> {
  const major = async (bin: string) => {
    try {
      const { stdout } = await exec(bin, ['--version']);
      return Number(/v?=?(\d+)\.\d+\.\d+/.exec(stdout)?.[1] ?? 0);
    } catch {
      return -1;
    }
  };
  const [server, cli] = await Promise.all([major('redis-server'), major('redis-cli')]);
  if (server < 0) return REDIS_MISSING;
  if (server < 3) return `redis-server ${server}.x has no cluster mode (3.0 or later needed)`;
  if (cli < 5)
    return cli < 0
      ? 'redis-cli was not found on PATH'
      : `redis-cli ${cli}.x cannot create a cluster (--cluster needs 5.0 or later)`;
  return undefined;
}

export interface PrivateCluster {
  /** The masters, in the order their slots go (the first holds slot 0). */
  nodes: PrivateRedis[];
  /** Every node's URL (any of them serves as a seed). */
  urls: string[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters and no replicas, each a private redis-server with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`; resolves once every node
 * reports the cluster state ok and knows every other node.
 */
export async function startPrivateCluster(masters = 3): Promise<PrivateCluster> {
  const nodes: PrivateRedis[] = [];
  const stop = async () => {
    for (const n of nodes) await n.stop();
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startPrivateRedis({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
        }),
      );
    }
    await exec('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const n of nodes) {
      await until(`node ${n.port} to see the cluster ok`, () =>
        onPort(n.port, async (r) => {
          const info = (await r.call('CLUSTER', 'INFO')) as string;
          return field(info, 'cluster_state') === 'ok' && field(info, 'cluster_known_nodes') === String(masters);
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, urls: nodes.map((n) => n.url), stop };
}

export interface PrivateSentinels {
  /** The master's name the sentinels monitor. */
  name: string;
  master: PrivateRedis;
  replica: PrivateRedis;
  sentinels: PrivateRedis[];
  /** The sentinels' `host:port`, as `redis.sentinel.sentinels` takes them. */
  addresses: string[];
  /** Resolves with the master's address once the sentinels report that it moved (`+switch-master`). */
  switched(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

async function startSentinel(name: string, master: { host: string; port: number }): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'dossier-sync-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  // A sentinel rewrites its file; quick timings, so that a failover takes a few seconds.
  await writeFile(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} ${master.host} ${master.port} 2`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel', '--daemonize', 'no', '--loglevel', 'notice'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitReady(child, port, '+monitor master');
  return running(child, port, dir, true);
}

/**
 * A master, one replica of it and three sentinels (quorum 2) watching it; resolves once the
 * replica is in sync and every sentinel knows the replica and the two other sentinels, so that
 * killing the master leads to a failover. `via`, if given, maps the master's port to the one
 * the replica and the sentinels reach it on (a proxy in front of it).
 */
export async function startPrivateSentinels(
  opts: { name?: string; via?: (masterPort: number) => Promise<number> } = {},
): Promise<PrivateSentinels> {
  const name = opts.name ?? 'dsync-master';
  const started: PrivateRedis[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    const master = await startPrivateRedis();
    started.push(master);
    const seen = { host: '127.0.0.1', port: opts.via ? await opts.via(master.port) : master.port };
    const replica = await startPrivateRedis({ args: ['--replicaof', seen.host, String(seen.port)] });
    started.push(replica);
    await until('the replica to be in sync', () =>
      onPort(replica.port, async (r) => field(await r.info('replication'), 'master_link_status') === 'up'),
    );
    const sentinels: PrivateRedis[] = [];
    for (let i = 0; i < 3; i++) {
      sentinels.push(await startSentinel(name, seen));
      started.push(sentinels[i]!);
    }
    for (const s of sentinels) {
      await until(`sentinel ${s.port} to know the replica and the other sentinels`, () =>
        onPort(s.port, async (r) => {
          const replicas = (await r.call('SENTINEL', 'REPLICAS', name)) as unknown[];
          const others = (await r.call('SENTINEL', 'SENTINELS', name)) as unknown[];
          return replicas.length === 1 && others.length === 2;
        }),
      );
    }
    // Subscribed now, so that a failover is seen however soon it happens.
    const watcher = new Redis(sentinels[0]!.port, '127.0.0.1');
    watcher.on('error', () => undefined);
    await watcher.subscribe('+switch-master');
    const switched = new Promise<{ host: string; port: number }>((resolve) =>
      watcher.on('message', (_channel, message: string) => {
        const [, , , host, port] = message.split(' '); // <name> <old host> <old port> <new host> <new port>
        resolve({ host: host!, port: Number(port) });
      }),
    );
    return {
      name,
      master,
      replica,
      sentinels,
      addresses: sentinels.map((s) => `127.0.0.1:${s.port}`),
      switched: () => switched,
      async stop() {
        watcher.disconnect();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
