/**
 * The configuration and runtime of a test that runs against the simulators: one `dvcqg`
 * source per province of the world, the national feed, a private Redis and a fresh prefix.
 */
import { pino } from 'pino';
import { parseConfig, type Config } from '../../src/config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import { runNightly } from '../../src/queue/nightly.js';
import { SIM_CREDENTIALS, type Simulator } from '../../src/sim/dvcqg-server.js';
import type { World } from '../../src/sim/world.js';
import type { TestRedis } from './redis.js';

export const SIM_ENV = { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password };

export interface SimConfigOptions {
  /** Fields added to (or replacing) each source's. */
  source?: (province: string) => Record<string, unknown>;
  /** Fields added to (or replacing) the national feed's. */
  national?: Record<string, unknown>;
  /** Other sections of the configuration file. */
  extra?: Record<string, unknown>;
}

const withoutUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function simConfig(sim: Simulator, world: World, redis: TestRedis, opts: SimConfigOptions = {}): Config {
  Object.assign(process.env, SIM_ENV); // the adapters read their secrets from the environment
  return parseConfig(
    {
      redis: { prefix: redis.prefix() },
      // a field the override sets to undefined is left out (another dialect's, say): the configuration refuses unknown keys
      sources: world.provinces.map(({ province }) =>
        withoutUndefined({
          id: `${province.toLowerCase()}-dvcqg`,
          province,
          dialect: 'dvcqg',
          baseUrl: sim.sourceUrl(province),
          usernameEnv: 'SIM_USER',
          passwordEnv: 'SIM_PASSWORD',
          initialFrom: '2026-09-01',
          procedureMap: world.procedureMap,
          ...opts.source?.(province),
        }),
      ),
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD', ...opts.national },
      ...opts.extra,
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
}

/** A runtime whose clock stands at the world's `now` (or later, by `days`). */
export function simRuntime(config: Config, world: World, days = 0): Runtime {
  return createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now + days * 86_400_000) });
}

/** One night of the world's period under `config`: a runtime with its worker, closed after. */
export async function simNight(config: Config, world: World): Promise<Awaited<ReturnType<typeof runNightly>>> {
  const rt = simRuntime(config, world);
  rt.startWorker();
  try {
    return await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
  } finally {
    await rt.close();
  }
}
