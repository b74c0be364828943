/** docker-compose.yml: valid for Compose, and Redis set up as BullMQ needs it. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const exec = promisify(execFile);
const FILE = join(import.meta.dirname, '../../docker-compose.yml');

describe('docker-compose.yml', () => {
  it('passes `docker-compose config`', async () => {
    const { stdout, stderr } = await exec('docker-compose', ['-f', FILE, 'config', '-q']);
    expect(stdout + stderr).toBe('');
  });

  it('runs Redis with an append-only file and noeviction, and the worker with the dashboard', async () => {
    const compose = parse(await readFile(FILE, 'utf8')) as {
      services: Record<string, { command: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; restart?: string }>;
    };
    const redis = compose.services.redis!.command.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(compose.services.worker!.command).toEqual(['node', 'bin/dossier-sync.js', 'worker', '--http']);
    expect(Object.keys(compose.services).sort()).toEqual(['redis', 'simulators', 'worker']);
    // The worker exits when Redis does not answer at start: it waits for Redis to be healthy, and restarts.
    expect(compose.services.redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(compose.services.worker!.depends_on?.redis).toEqual({ condition: 'service_healthy' });
    expect(compose.services.worker!.restart).toBe('unless-stopped');
  });
});
