/**
 * Keys of no province written before the `{global}` tag are renamed at start: an upgraded
 * deployment keeps its runs, findings, incidents, alert times and nightly marker.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Incidents } from '../../src/store/incidents.js';
import { tagUntaggedKeys } from '../../src/store/migrate.js';
import { Runs } from '../../src/store/runs.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();
const quiet = pino({ level: 'silent' });

describe('keys written before the {global} tag', () => {
  it('are renamed once to their tagged names; province keys and other prefixes are left alone', async () => {
    const c = redis.client();
    const p = redis.prefix();
    const meta = {
      runId: 'r1',
      period: { from: '2026-10-01', to: '2026-10-31' },
      window: { to: 'x' },
      startedAt: '2026-11-01T01:00:00.000Z',
      finishedAt: null,
      provinces: ['H49'],
    };
    const summary = {
      province: 'H49',
      coverage: { status: 'complete', why: null },
      sources: [],
      agencies: 3,
      mismatches: [],
    };
    const at = '2026-11-01T01:00:00.000Z';
    const incident = {
      key: 'k1',
      province: 'H49',
      period: meta.period,
      agency: 'a',
      procedure: null,
      metric: 'received',
      status: 'open',
      openedAt: at,
      updatedAt: at,
      gap: 2,
      history: [],
    };
    // As the earlier version wrote them.
    await c.zadd(`${p}:runs`, Date.parse(meta.startedAt), 'r1');
    await c.set(`${p}:run:r1`, JSON.stringify(meta));
    await c.set(`${p}:run:r1:province:H49`, JSON.stringify(summary));
    await c.hset(`${p}:incidents`, 'k1', JSON.stringify(incident));
    await c.sadd(`${p}:incidents:open`, 'k1');
    await c.set(`${p}:nightly:last`, '1700000000000');
    await c.hset(`${p}:{H49}:dossiers`, 'A-1', 'v');
    await c.set(`${p}x:runs`, 'another prefix');

    expect(await tagUntaggedKeys(c, p, quiet)).toBe(6);
    const runs = new Runs(c, p);
    expect(await runs.latestRunId()).toBe('r1');
    expect((await runs.report('r1'))?.provinces).toMatchObject([
      { province: 'H49', agencies: 3, coverage: summary.coverage },
    ]);
    expect(await runs.lastNight()).toBe(1700000000000);
    expect((await new Incidents(c, p).list({ status: 'open' })).map((i) => i.key)).toEqual(['k1']);
    expect(await c.smembers(`${p}:{global}:incidents:open`)).toEqual(['k1']);
    expect((await c.keys(`${p}*`)).sort()).toEqual([
      `${p}:{H49}:dossiers`,
      `${p}:{global}:incidents`,
      `${p}:{global}:incidents:open`,
      `${p}:{global}:nightly:last`,
      `${p}:{global}:run:r1`,
      `${p}:{global}:run:r1:province:H49`,
      `${p}:{global}:runs`,
      `${p}x:runs`,
    ]);
    expect(await tagUntaggedKeys(c, p, quiet)).toBe(0); // nothing left to rename
  });
});
