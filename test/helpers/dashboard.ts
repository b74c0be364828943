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

/** The period of the page tests' runs. */
export const PERIOD = { from: '2026-10-01', to: '2026-10-31' };
/** No national load. */
export const NO_LOAD = { requests: 0, records: 0 };

/** A province's result, complete, with no mismatch. */
export const completeResult = (province: string) => ({
  province,
  coverage: { status: 'complete' as const, why: null },
  sources: [],
  agencies: 1,
  mismatches: [],
});

/** Creates a run of the given provinces over PERIOD, started on that day of November 2026. */
export const createRun = (rt: Runtime, runId: string, day: string, provinces: string[]) =>
  rt.runs.create({
    runId,
    period: PERIOD,
    window: { to: '2026-11-01T17:00:00.000Z' },
    startedAt: `2026-11-${day}T18:30:00.000Z`,
    finishedAt: null,
    provinces,
  });
