/** Small helpers shared by the commands. */
import type { Command } from 'commander';
import { formatDay, VN_OFFSET_MS } from '../domain/time.js';

/** The calendar month before `now`, in Vietnam time, as YYYY-MM. */
export function previousMonth(now: Date): string {
  const local = new Date(now.getTime() + VN_OFFSET_MS);
  const firstOfMonth = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - VN_OFFSET_MS;
  return formatDay(firstOfMonth - 1).slice(0, 7);
}

export function wholeNumber(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

export function positiveInt(name: string, value: string): number {
  return wholeNumber(name, value, 1);
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Checks a value against a list of choices, naming the option and the choices when it is not one. */
export function choice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`${name} must be one of ${choices.join(', ')}, not "${value}"`);
  return value as T;
}

export const DEFAULT_CONFIG = process.env.DOSSIER_SYNC_CONFIG ?? 'dossier-sync.json';

/** The options of every command that works on a configured deployment. */
export function withConfig(c: Command): Command {
  return c
    .option('-c, --config <file>', 'configuration file (JSON or YAML); or set DOSSIER_SYNC_CONFIG', DEFAULT_CONFIG)
    .option('--log-level <level>', 'log level (logs go to stderr)', 'info');
}
