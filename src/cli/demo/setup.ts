/**
 * What the demo starts: a private redis-server (unless REDIS_URL is set), the simulators of
 * both dialects over one world (every province but the last in `dvcqg`, the last in `rest`),
 * with the demo's faults, and the configuration that points a runtime at them. Each start
 * registers its stop in `cleanups`, newest first.
 */
import { parseConfig } from '../../config/load.js';
import { statusMapOf } from '../../dialects/rest/normalise.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../sim/dvcqg-server.js';
import type { FaultOptions } from '../../sim/faults.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator, type RestSimulator } from '../../sim/rest-server.js';
import type { ProvinceWorld, World } from '../../sim/world.js';
import { startPrivateRedis } from '../../util/redis-server.js';

/** Stops of what was started, run newest first. */
export type Cleanups = (() => Promise<void>)[];
type Say = (line: string) => void;

/**
 * The faults the demo injects into a province's source. Retry-After is 0 or 1 s and `busy`
 * (error_code in HTTP 200, which fails a job attempt) is left out, so the demo stays fast.
 */
export function demoFaults(world: World, province: ProvinceWorld, seed: number): FaultOptions {
  let latest = 0;
  for (const d of province.local) if (d.updatedAt > latest) latest = d.updatedAt;
  const startAt = Math.floor(latest / 1000) * 1000 + 1000;
  // one second apart, all before `now`: the sync window's end
  const room = Math.max(0, Math.ceil((world.now - startAt) / 1000));
  return {
    seed,
    sessionCalls: 4,
    tooMany: 0.05,
    serverError: 0.05,
    truncated: 0.03,
    duplicates: 0.3,
    malformed: 6,
    drift: {
      perCall: 2,
      limit: Math.min(30, room),
      startAt,
      national: true,
      skip: world.truth.flatMap((t) => (t.related === undefined ? [t.dossierCode] : [t.dossierCode, t.related])),
    },
  };
}

/** The Redis the demo uses: REDIS_URL under a key prefix of its own, or a private redis-server. */
export async function demoRedis(say: Say, cleanups: Cleanups): Promise<{ redisUrl: string; prefix: string }> {
  const url = process.env.REDIS_URL;
  if (url) {
    const prefix = `dsync-demo-${Date.now().toString(36)}`;
    say(`Using REDIS_URL, key prefix ${prefix}`);
    return { redisUrl: url, prefix };
  }
  const redis = await startPrivateRedis();
  cleanups.unshift(redis.stop);
  say(`Started a private redis-server on port ${redis.port}`);
  return { redisUrl: redis.url, prefix: 'dsync' };
}

export interface DemoSimulators {
  sim: Simulator;
  rest: RestSimulator;
  dvcqgProvinces: string[];
  restProvince: string;
}

/** Starts both simulators over `world`, with the demo's faults on every source unless `faults` is false. */
export async function demoSimulators(
  world: World,
  provinces: string[],
  seed: number,
  faults: boolean,
  cleanups: Cleanups,
): Promise<DemoSimulators> {
  const restProvince = provinces[provinces.length - 1]!;
  const faultsOf = (p: string): Record<string, FaultOptions> =>
    faults
      ? {
          [p]: demoFaults(
            world,
            world.provinces.find((w) => w.province === p)!,
            seed,
          ),
        }
      : {};
  const dvcqgProvinces = provinces.filter((p) => p !== restProvince);
  const sim = await startSimulator(world, {
    faults: Object.assign({}, ...dvcqgProvinces.map(faultsOf)) as Record<string, FaultOptions>,
  });
  cleanups.unshift(sim.close);
  const rest = await startRestSimulator(world, { faults: faultsOf(restProvince) });
  cleanups.unshift(rest.close);
  return { sim, rest, dvcqgProvinces, restProvince };
}

/** The demo's sources: one per province, in its simulator's dialect, with the world's procedure map. */
function demoSources(world: World, s: DemoSimulators) {
  return [
    ...s.dvcqgProvinces.map((p) => ({
      id: `${p.toLowerCase()}-dvcqg`,
      province: p,
      dialect: 'dvcqg',
      baseUrl: s.sim.sourceUrl(p),
      usernameEnv: 'DEMO_USER',
      passwordEnv: 'DEMO_PASSWORD',
      procedureMap: world.procedureMap,
      pageSize: 250,
    })),
    {
      id: `${s.restProvince.toLowerCase()}-rest`,
      province: s.restProvince,
      dialect: 'rest',
      baseUrl: s.rest.baseUrl(s.restProvince),
      tokenUrl: s.rest.tokenUrl,
      clientIdEnv: 'DEMO_REST_CLIENT_ID',
      clientSecretEnv: 'DEMO_REST_CLIENT_SECRET',
      statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
      procedureMap: world.procedureMap,
      pageSize: 250,
    },
  ];
}

/**
 * The configuration of the demo's deployment (its secrets in the environment, as a real one's)
 * and its sources.
 */
export function demoConfig(world: World, s: DemoSimulators, redis: { redisUrl: string; prefix: string }) {
  const env = {
    ...process.env,
    REDIS_URL: redis.redisUrl,
    DEMO_USER: SIM_CREDENTIALS.username,
    DEMO_PASSWORD: SIM_CREDENTIALS.password,
    DEMO_REST_CLIENT_ID: s.rest.clientId,
    DEMO_REST_CLIENT_SECRET: s.rest.clientSecret,
  };
  for (const k of ['DEMO_USER', 'DEMO_PASSWORD', 'DEMO_REST_CLIENT_ID', 'DEMO_REST_CLIENT_SECRET'] as const)
    process.env[k] = env[k];
  const sources = demoSources(world, s);
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix },
      sources,
      national: { baseUrl: s.sim.nationalUrl, usernameEnv: 'DEMO_USER', passwordEnv: 'DEMO_PASSWORD' },
    },
    '(demo configuration)',
    env,
  );
  return { config, sources };
}
