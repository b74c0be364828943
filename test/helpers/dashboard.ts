/**
 * The dashboard's page tests over a real private Redis: a runtime with no worker (its sources
 * and portal never called), and the Redis commands a request sends, watched with MONITOR.
 */
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import type { Runtime } from '../../src/queue/runtime.js';
import type { TestRedis } from './redis.js';

/** A runtime on the test's Redis, with one source (H49) that no worker ever calls. */
export function offlineRuntime(redis: TestRedis): Runtime {
  const offline = { baseUrl: 'http://127.0.0.1:9/', usernameEnv: 'U', passwordEnv: 'P' }; // never called: no worker runs
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: [{ id: 'h49', province: 'H49', dialect: 'dvcqg', ...offline }],
      national: offline,
    },
    'test',
    { ...process.env, REDIS_URL: redis.url, U: 'u', P: 'p' },
  );
  return createRuntime(config, pino({ level: 'silent' }));
}

/** `<prefix>:{global}:run`: what the runs index and every run's keys start with. */
export const runKeyOf = (rt: Runtime): string => rt.runs.keys.runs().slice(0, -1);

/**
 * The commands sent while `act` runs (MONITOR), as `command args…` (the command in lower
 * case), up to a marker sent after it: everything sent before the marker has been seen once
 * the marker is.
 */
export async function commandsSent(redis: TestRedis, rt: Runtime, act: () => Promise<unknown>): Promise<string[][]> {
  const monitor: Redis = await redis.client().monitor();
  const seen: string[][] = [];
  const marker = `end-${Math.random()}`;
  let ended: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) ended();
    else seen.push(args);
  });
  try {
    await act();
    await rt.redis.echo(marker);
    await end;
  } finally {
    monitor.disconnect();
  }
  return seen.map(([cmd, ...rest]) => [cmd!.toLowerCase(), ...rest]);
}
