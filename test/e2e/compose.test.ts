/**
 * docker-compose.yml: valid for Compose with each profile, Redis set up as BullMQ needs it, and
 * each topology's worker pointed at that topology's nodes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

const exec = promisify(execFile);
const FILE = join(import.meta.dirname, '../../docker-compose.yml');

interface Service {
  command: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  profiles?: string[];
}

/** The file as Compose resolves it with these profiles on (anchors merged). */
async function resolved(...profiles: string[]): Promise<Record<string, Service>> {
  const { stdout } = await exec('docker-compose', ['-f', FILE, ...profiles.flatMap((p) => ['--profile', p]), 'config']);
  return (parse(stdout) as { services: Record<string, Service> }).services;
}

const withoutProfile = (services: Record<string, Service>) =>
  Object.keys(services)
    .filter((s) => !services[s]!.profiles)
    .sort();
const ofProfile = (services: Record<string, Service>, p: string) =>
  Object.keys(services)
    .filter((s) => services[s]!.profiles?.includes(p))
    .sort();
/** Where the worker's configuration puts Redis with this service's environment. */
const targetOf = async (worker: Service) =>
  (
    await loadConfig(join(import.meta.dirname, '../..', worker.environment!.DOSSIER_SYNC_CONFIG!), {
      ...worker.environment,
    })
  ).redisTarget;

describe('docker-compose.yml', () => {
  it('passes `docker-compose config`, with no profile and with each profile', async () => {
    for (const profiles of [[], ['cluster'], ['sentinel']]) {
      const { stdout, stderr } = await exec('docker-compose', [
        '-f',
        FILE,
        ...profiles.flatMap((p) => ['--profile', p]),
        'config',
        '-q',
      ]);
      expect(stdout + stderr, profiles.join() || 'no profile').toBe('');
    }
  });

  it('runs Redis with an append-only file and noeviction, and the worker with the dashboard', async () => {
    const services = await resolved();
    const redis = services.redis!.command.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(services.worker!.command).toEqual(['node', 'bin/dossier-sync.js', 'worker', '--http']);
    expect(withoutProfile(services)).toEqual(['redis', 'simulators', 'worker']);
    // The worker exits when Redis does not answer at start: it waits for Redis to be healthy, and restarts.
    expect(services.redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(services.worker!.depends_on?.redis).toEqual({ condition: 'service_healthy' });
    expect(services.worker!.restart).toBe('unless-stopped');
    expect(await targetOf(services.worker!)).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
  });

  it('profile cluster: three never-evicting masters, joined before their worker starts, which connects to all three', async () => {
    const services = await resolved('cluster');
    expect(ofProfile(services, 'cluster')).toEqual([
      'cluster-1',
      'cluster-2',
      'cluster-3',
      'cluster-create',
      'worker-cluster',
    ]);
    const ports = ['cluster-1', 'cluster-2', 'cluster-3'].map((n) => {
      const cmd = services[n]!.command.join(' ');
      expect(cmd).toContain('--cluster-enabled yes');
      expect(cmd).toContain('--appendonly yes');
      expect(cmd).toContain('--maxmemory-policy noeviction');
      return /--port (\d+)/.exec(cmd)![1]!;
    });
    expect(new Set(ports).size).toBe(3);
    const create = services['cluster-create']!.command.join(' ');
    for (const p of ports) expect(create).toContain(`127.0.0.1:${p}`);
    const worker = services['worker-cluster']!;
    expect(worker.depends_on?.['cluster-create']).toEqual({ condition: 'service_completed_successfully' });
    expect(await targetOf(worker)).toEqual({ kind: 'cluster', nodes: ports.map((p) => `redis://127.0.0.1:${p}`) });
    expect(worker.command).toContain('worker');
  });

  it('profile sentinel: a master and its replica never evicting, three sentinels watching the master, and a worker through them', async () => {
    const services = await resolved('sentinel');
    expect(ofProfile(services, 'sentinel')).toEqual([
      'sentinel-1',
      'sentinel-2',
      'sentinel-3',
      'sentinel-master',
      'sentinel-replica',
      'worker-sentinel',
    ]);
    const master = services['sentinel-master']!.command.join(' ');
    const replica = services['sentinel-replica']!.command.join(' ');
    const masterPort = /--port (\d+)/.exec(master)![1]!;
    for (const cmd of [master, replica]) expect(cmd).toContain('--maxmemory-policy noeviction');
    expect(replica).toContain(`--replicaof 127.0.0.1 ${masterPort}`);
    const sentinelPorts = ['sentinel-1', 'sentinel-2', 'sentinel-3'].map((n) => {
      expect(services[n]!.command.join(' ')).toContain(`sentinel monitor dsync 127.0.0.1 ${masterPort} 2`);
      return Number(services[n]!.environment!.SENTINEL_PORT);
    });
    expect(new Set(sentinelPorts).size).toBe(3);
    expect(await targetOf(services['worker-sentinel']!)).toMatchObject({
      kind: 'sentinel',
      name: 'dsync',
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    });
  });
});
