/**
 * The configuration file (JSON, or YAML for `.yaml`/`.yml`), read and validated once at start. Every error names the file
 * and the field; secrets are read from the environment variables the file names.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  channelSecretFields,
  configFile,
  secretFields,
  SENTINEL_ADDRESS,
  type ConfigFile,
  type SourceConfig,
} from '../../schemas/config.js';
import type { Credentials } from '../dialects/dvcqg/envelope.js';
import { registryWith, unitRegistry } from '../normalise/units.js';
import { formatDay } from '../domain/time.js';
import { closestKey, knownKeysAt } from './unknown-keys.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Where Redis is: one server, a Redis Cluster (seed nodes), or a master found through Redis Sentinel. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: string[] }
  | {
      kind: 'sentinel';
      name: string;
      sentinels: { host: string; port: number }[];
      password?: string;
      sentinelPassword?: string;
    };

export interface Config extends ConfigFile {
  file: string;
  /** Undefined when neither the file nor the environment names a Redis. */
  redisTarget: RedisTarget | undefined;
}

function fieldPath(path: PropertyKey[]): string {
  return (
    path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    ) || '(root)'
  );
}

/** Validates a parsed configuration object; `file` is only used to name where an error is. */
export function parseConfig(raw: unknown, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configFile.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((i) => {
      if (i.code !== 'unrecognized_keys') return [`  ${fieldPath(i.path)}: ${i.message}`];
      const known = knownKeysAt(configFile, raw, i.path);
      return i.keys.map((key) => {
        const meant = closestKey(key, known);
        return `  ${fieldPath([...i.path, key])}: unknown key${meant ? `; did you mean ${meant}?` : ''}`;
      });
    });
    throw new ConfigError(`${file}: invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  const missing: string[] = [];
  const need = (name: string, field: string) => {
    if (!env[name]) missing.push(`  ${field}: environment variable ${name} is not set`);
  };
  cfg.sources.forEach((s, i) => {
    for (const [field, name] of secretFields(s)) need(name, `sources[${i}].${field}`);
  });
  for (const c of cfg.alerts.channels) {
    for (const [field, name] of channelSecretFields(c)) need(name, `alerts channel "${c.name}" ${field}`);
  }
  need(cfg.national.usernameEnv, 'national.usernameEnv');
  need(cfg.national.passwordEnv, 'national.passwordEnv');
  if (cfg.national.push) {
    need(cfg.national.push.usernameEnv, 'national.push.usernameEnv');
    need(cfg.national.push.passwordEnv, 'national.push.passwordEnv');
  }
  const sentinel = cfg.redis.sentinel;
  if (sentinel?.passwordEnv) need(sentinel.passwordEnv, 'redis.sentinel.passwordEnv');
  if (sentinel?.sentinelPasswordEnv) need(sentinel.sentinelPasswordEnv, 'redis.sentinel.sentinelPasswordEnv');
  if (missing.length) throw new ConfigError(`${file}: missing secrets:\n${missing.join('\n')}`);
  return { ...cfg, file, redisTarget: redisTargetOf(cfg, env) };
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `host:port` (an IPv6 host in brackets) as ioredis takes a sentinel. */
function sentinelAddress(a: string): { host: string; port: number } {
  const i = a.lastIndexOf(':');
  return { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
}

/**
 * The environment first, so that one file serves every deployment: REDIS_CLUSTER (the nodes'
 * URLs, comma-separated), REDIS_SENTINEL (`name@host:port,host:port`), then REDIS_URL; then the
 * file's `redis.cluster`, `redis.sentinel` or `redis.url`. Sentinel passwords come from the
 * variables `redis.sentinel` names.
 */
function redisTargetOf(cfg: ConfigFile, env: NodeJS.ProcessEnv): RedisTarget | undefined {
  const clusterEnv = list(env.REDIS_CLUSTER);
  if (clusterEnv.length) {
    const bad = clusterEnv.find((u) => !/^rediss?:\/\//.test(u));
    if (bad !== undefined)
      throw new ConfigError(`REDIS_CLUSTER: "${bad}" is not a redis:// URL (give the nodes' URLs separated by commas)`);
    return { kind: 'cluster', nodes: clusterEnv };
  }
  const r = cfg.redis;
  const passwords = {
    password: r.sentinel?.passwordEnv ? env[r.sentinel.passwordEnv] : undefined,
    sentinelPassword: r.sentinel?.sentinelPasswordEnv ? env[r.sentinel.sentinelPasswordEnv] : undefined,
  };
  if (env.REDIS_SENTINEL) {
    const m = /^([^@\s]+)@(.+)$/.exec(env.REDIS_SENTINEL.trim());
    const sentinels = list(m?.[2]);
    if (!m || sentinels.length === 0 || sentinels.some((a) => !SENTINEL_ADDRESS.test(a))) {
      throw new ConfigError(`REDIS_SENTINEL: "${env.REDIS_SENTINEL}" is not <master name>@<host:port>,<host:port>...`);
    }
    return { kind: 'sentinel', name: m[1]!, sentinels: sentinels.map(sentinelAddress), ...passwords };
  }
  if (env.REDIS_URL) return { kind: 'single', url: env.REDIS_URL };
  if (r.cluster) return { kind: 'cluster', nodes: r.cluster };
  if (r.sentinel)
    return {
      kind: 'sentinel',
      name: r.sentinel.name,
      sentinels: r.sentinel.sentinels.map(sentinelAddress),
      ...passwords,
    };
  return r.url === undefined ? undefined : { kind: 'single', url: r.url };
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const yaml = /\.ya?ml$/i.test(file);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text, { prettyErrors: true }) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  return parseConfig(raw, file, env);
}

export function credentials(
  usernameEnv: string,
  passwordEnv: string,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  return { username: env[usernameEnv] ?? '', password: env[passwordEnv] ?? '' };
}

export function provincesOf(cfg: ConfigFile): string[] {
  return [...new Set(cfg.sources.map((s) => s.province))].sort();
}

export function sourcesOf(cfg: ConfigFile, province: string): SourceConfig[] {
  return cfg.sources.filter((s) => s.province === province);
}

export function sourceById(cfg: ConfigFile, id: string): SourceConfig {
  const s = cfg.sources.find((x) => x.id === id);
  if (!s)
    throw new ConfigError(`no source "${id}" in the configuration (known: ${cfg.sources.map((x) => x.id).join(', ')})`);
  return s;
}

/**
 * The source that supplies the province's own figures: the one `provincialFigures` names
 * (null: none), else the province's only source.
 */
export function figuresSourceOf(cfg: ConfigFile, province: string): SourceConfig | null {
  const named = cfg.provincialFigures[province];
  if (named !== undefined) return named === null ? null : sourceById(cfg, named);
  const own = sourcesOf(cfg, province);
  return own.length === 1 ? own[0]! : null; // more than one: the configuration must name it
}

/**
 * One line per source configured with a level-1 code that the unit registry says is closed on
 * `at` (a pre-merger province after 2025-07-01), naming the unit it is part of now. Its older
 * dossiers still resolve; current periods are counted under the successor's code nationally.
 */
export function closedProvinceWarnings(cfg: ConfigFile, at: Date = new Date()): string[] {
  const day = formatDay(at.getTime());
  const registry = registryWith(cfg.units);
  return cfg.sources.flatMap((s) => {
    const u = registry.unitOf(s.province);
    if (!u || u.validTo === null || day <= u.validTo) return [];
    const now = u.successor
      ? `${u.successorName} (${u.successor})`
      : `${u.successorName} (code not in the unit registry)`;
    return [`source ${s.id}: province ${s.province} (${u.name}) closed on ${u.validTo}; it is part of ${now} since`];
  });
}

/**
 * One line per source whose province code is in neither the shipped unit registry nor the
 * configuration's `units`: it is synced and reconciled all the same, but reports name it by
 * its code alone and the merger rules cannot follow it.
 */
export function unknownProvinceWarnings(cfg: ConfigFile): string[] {
  const configured = new Set(cfg.units.map((u) => u.code));
  return cfg.sources.flatMap((s) =>
    unitRegistry.unitOf(s.province) || configured.has(s.province)
      ? []
      : [
          `source ${s.id}: province ${s.province} is neither in the shipped unit registry (data/provincial-units.json) nor in units of the configuration`,
        ],
  );
}
