/**
 * The configuration file (JSON, or YAML for `.yaml`/`.yml`), read and validated once at start. Every error names the file
 * and the field; secrets are read from the environment variables the file names.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { channelSecretFields, configFile, secretFields, type ConfigFile, type SourceConfig } from '../../schemas/config.js';
import type { Credentials } from '../sources/envelope.js';
import { registryWith, unitRegistry } from '../normalise/units.js';
import { formatDay } from '../normalise/time.js';
import { closestKey, knownKeysAt } from './unknown-keys.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Config extends ConfigFile {
  file: string;
  redisUrl: string | undefined;
}

function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(root)';
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
  if (missing.length) throw new ConfigError(`${file}: missing secrets:\n${missing.join('\n')}`);
  return { ...cfg, file, redisUrl: env.REDIS_URL || cfg.redis.url };
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
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

export function credentials(usernameEnv: string, passwordEnv: string, env: NodeJS.ProcessEnv = process.env): Credentials {
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
  if (!s) throw new ConfigError(`no source "${id}" in the configuration (known: ${cfg.sources.map((x) => x.id).join(', ')})`);
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
    const now = u.successor ? `${u.successorName} (${u.successor})` : `${u.successorName} (code not in the unit registry)`;
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
      : [`source ${s.id}: province ${s.province} is neither in the shipped unit registry (data/provincial-units.json) nor in units of the configuration`],
  );
}
