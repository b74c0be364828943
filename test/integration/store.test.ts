import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Checkpoint } from '../../schemas/store.js';
import { pack, storedVersion, unpack } from '../../src/store/pack.js';
import { ApplyRule, CheckpointMoved, Store } from '../../src/store/store.js';
import { useRedis } from '../helpers/redis.js';

const redis = useRedis();

function dossier(code: string, updatedAt: number, status = 4): CanonicalDossier {
  return {
    code,
    agency: '000.00.12.H49',
    procedure: '1.001234',
    status,
    channel: 2,
    digitised: true,
    paidOnline: false,
    receivedAt: Date.parse('2026-10-02T08:00:00+07:00'),
    dueAt: Date.parse('2026-10-09T17:00:00+07:00'),
    finishedAt: status >= 9 ? Date.parse('2026-10-05T10:00:00+07:00') : null,
    returnedAt: null,
    updatedAt,
  };
}

const T0 = Date.parse('2026-10-05T10:00:00+07:00');
const cp = (page: number): Checkpoint => ({
  syncedTo: null,
  pending: { runId: 'r1', from: 0, to: T0 * 2, cursor: { page }, pages: page },
});

async function snapshot(store: Store, province: string) {
  const all: CanonicalDossier[] = [];
  for await (const b of store.scanDossiers(province)) all.push(...b);
  return all.sort((a, b) => a.code.localeCompare(b.code));
}

describe('Store.applyPage', () => {
  it('applies a page once: the same records pulled again change nothing and count as unchanged', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const page = [dossier('A-1', T0), dossier('A-2', T0), dossier('A-3', T0 + 1000)];
    const first = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: page,
      quarantined: [],
      checkpoint: cp(1),
    });
    expect(first).toEqual({ applied: 3, unchanged: 0, quarantined: 0 });
    const before = await snapshot(store, 'H49');
    const again = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: page,
      quarantined: [],
      checkpoint: cp(2),
    });
    expect(again).toEqual({ applied: 0, unchanged: 3, quarantined: 0 });
    expect(await snapshot(store, 'H49')).toEqual(before);
    expect(before).toEqual(page);
  });

  it('the very same page sent twice (its checkpoint already stored) is not counted twice', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const page = {
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0)],
      quarantined: [],
      checkpoint: cp(1),
    };
    await store.applyPage(page);
    expect(await store.applyPage(page)).toEqual({ applied: 0, unchanged: 0, quarantined: 0 });
    expect(await store.syncCounters('H49', 's', 'r1')).toMatchObject({ pulled: 1, applied: 1, unchanged: 0, pages: 1 });
  });

  it('keeps the newer version: an older record changes nothing, a newer one replaces it', async () => {
    const store = new Store(redis.client(), redis.prefix());
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0 + 60_000, 9)],
      quarantined: [],
      checkpoint: cp(1),
    });
    const older = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0, 4)],
      quarantined: [],
      checkpoint: cp(2),
    });
    expect(older.unchanged).toBe(1);
    expect((await store.getDossiers('H49', ['A-1'])).get('A-1')?.status).toBe(9);
    const newer = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0 + 120_000, 10)],
      quarantined: [],
      checkpoint: cp(3),
    });
    expect(newer.applied).toBe(1);
    expect((await store.getDossiers('H49', ['A-1'])).get('A-1')?.status).toBe(10);
  });

  it('saves the checkpoint, quarantine and counters with the page; quarantined items are kept once with their reason', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const bad = {
      key: 'X-1@2026',
      entry: {
        source: 's',
        runId: 'r1',
        page: 1,
        reason: 'TrangThaiHoSo: unknown status "99"',
        at: T0,
        raw: { MaHoSo: 'X-1', TrangThaiHoSo: '99' },
      },
    };
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0)],
      quarantined: [bad],
      checkpoint: cp(1),
    });
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0)],
      quarantined: [bad],
      checkpoint: cp(2),
    });
    expect(await store.getCheckpoint('H49', 's')).toEqual(cp(2));
    expect(await store.syncCounters('H49', 's', 'r1')).toEqual({
      pulled: 4,
      applied: 1,
      unchanged: 1,
      quarantined: 2,
      pages: 2,
      retries: 0,
    });
    expect(await store.quarantineReasons('H49', 's')).toEqual({ 'TrangThaiHoSo: unknown status "99"': 1 });
    const entries = await store.quarantineEntries('H49', 's');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ reason: 'TrangThaiHoSo: unknown status "99"', raw: { MaHoSo: 'X-1' } });
  });

  it('round-trips every field of a dossier through the stored form', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const d: CanonicalDossier = {
      ...dossier('A-9', T0, 10),
      channel: null,
      digitised: false,
      paidOnline: true,
      returnedAt: T0 + 3_600_000,
      dueAt: null,
    };
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [d],
      quarantined: [],
      checkpoint: cp(1),
    });
    expect((await store.getDossiers('H49', ['A-9', 'missing'])).get('A-9')).toEqual(d);
    expect(await store.countDossiers('H49')).toBe(1);
  });
});

describe('Store.applyPage, a bucket at a time', () => {
  const A = '000.00.12.H49';
  /** A well-formed code of `A` on a day of March 2026, its sequence spread over many buckets. */
  const code = (day: number, seq: number) => `${A}-2603${String(day).padStart(2, '0')}-${String(seq).padStart(4, '0')}`;
  const inMarch = (c: string, updatedAt: number, status: number): CanonicalDossier => {
    const received = Date.parse(`2026-03-${c.slice(18, 20)}T08:00:00+07:00`);
    return {
      ...dossier(c, updatedAt, status),
      agency: A,
      receivedAt: received,
      dueAt: received + 86_400_000,
      finishedAt: status >= 9 ? received + 3_600_000 : null,
    };
  };
  const layoutKeys = async (client: ReturnType<typeof redis.client>, store: Store) => {
    const keys = (await client.keys(`${store.keys.layout('H49')}*`)).sort();
    return Object.fromEntries(
      await Promise.all(
        keys.map(
          async (k) =>
            [
              k,
              (await client.type(k)) === 'set' ? (await client.smembers(k)).sort() : await client.hgetall(k),
            ] as const,
        ),
      ),
    );
  };

  it('a page over many buckets, records moving between a bucket and its open twin, a code twice: as if applied one by one', async () => {
    const client = redis.client();
    const store = new Store(client, redis.prefix());
    // 600 open dossiers over 20 days × 6 buckets each, then a page that closes half of them
    // (they move into their buckets), reopens none, and carries some codes twice (the later wins)
    const codes = Array.from({ length: 600 }, (_, i) => code(1 + (i % 20), i));
    const first = codes.map((c) => inMarch(c, T0, 4));
    expect(
      await store.applyPage({
        province: 'H49',
        source: 's',
        runId: 'r1',
        dossiers: first,
        quarantined: [],
        checkpoint: cp(1),
        after: null,
      }),
    ).toEqual({ applied: 600, unchanged: 0, quarantined: 0 });
    const closed = codes.filter((_, i) => i % 2 === 0).map((c) => inMarch(c, T0 + 60_000, 10));
    const twice = codes.slice(0, 30).map((c) => inMarch(c, T0 + 120_000, 5)); // later again: open
    const older = codes.slice(30, 40).map((c) => inMarch(c, T0 - 60_000, 10)); // older than stored: unchanged
    const page = [...closed, ...twice, ...older];
    const out = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: page,
      quarantined: [],
      checkpoint: cp(2),
      after: JSON.stringify(cp(1)),
    });
    expect(out).toEqual({ applied: 330, unchanged: 10, quarantined: 0 });

    // the same records applied one per page in a second store give the same layout
    const one = new Store(client, redis.prefix());
    let n = 0;
    for (const d of [...first, ...page])
      await one.applyPage({
        province: 'H49',
        source: 's',
        runId: 'r1',
        dossiers: [d],
        quarantined: [],
        checkpoint: cp(++n),
      });
    const strip = (o: Record<string, unknown>, prefix: string) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k.slice(prefix.length), v]));
    expect(strip(await layoutKeys(client, store), store.keys.layout('H49'))).toEqual(
      strip(await layoutKeys(client, one), one.keys.layout('H49')),
    );

    // every dossier where the layout says, the latest version of each
    const want = new Map<string, CanonicalDossier>();
    for (const d of [...first, ...page]) {
      const old = want.get(d.code);
      if (!old || d.updatedAt > old.updatedAt) want.set(d.code, d);
    }
    expect(await snapshot(store, 'H49')).toEqual([...want.values()].sort((a, b) => a.code.localeCompare(b.code)));
    expect(await store.countDossiers('H49')).toBe(600);
    const open = await client.smembers(`${store.keys.layout('H49')}:open-buckets`);
    for (const b of open) expect(await client.exists(`${store.keys.layout('H49')}:o:${b}`)).toBe(1);
  });

  it('a page that does not follow the stored checkpoint writes nothing, however many buckets it spans', async () => {
    const client = redis.client();
    const store = new Store(client, redis.prefix());
    const codes = Array.from({ length: 300 }, (_, i) => code(1 + (i % 10), i));
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: codes.map((c) => inMarch(c, T0, 4)),
      quarantined: [],
      checkpoint: cp(1),
      after: null,
    });
    const before = await layoutKeys(client, store);
    const stale = store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: codes.map((c) => inMarch(c, T0 + 60_000, 10)),
      quarantined: [],
      checkpoint: cp(3),
      after: JSON.stringify(cp(2)),
    });
    await expect(stale).rejects.toBeInstanceOf(CheckpointMoved);
    expect(await layoutKeys(client, store)).toEqual(before);
    expect(await store.getCheckpoint('H49', 's')).toEqual(cp(1));
    expect(await store.syncCounters('H49', 's', 'r1')).toMatchObject({ pages: 1, applied: 300 });
  });

  it('a record met in the layout before buckets moves into the layout and still counts once', async () => {
    const client = redis.client();
    const store = new Store(client, redis.prefix());
    const c = code(2, 17);
    await client.hset(store.keys.dossiers('H49'), c, pack(inMarch(c, T0, 4)));
    expect(await store.countDossiers('H49')).toBe(1);
    expect(
      await store.applyPage({
        province: 'H49',
        source: 's',
        runId: 'r1',
        dossiers: [inMarch(c, T0 + 1000, 10)],
        quarantined: [],
        checkpoint: cp(1),
      }),
    ).toMatchObject({ applied: 1 });
    expect(await client.hlen(store.keys.dossiers('H49'))).toBe(0);
    expect(await store.countDossiers('H49')).toBe(1);
    expect((await store.getDossiers('H49', [c])).get(c)?.status).toBe(10);
  });
});

describe('Store.releaseQuarantined', () => {
  it('takes items out of the quarantine and applies their records, never over a newer stored version', async () => {
    const store = new Store(redis.client(), redis.prefix());
    const entry = (code: string) => ({
      key: code,
      entry: {
        source: 's',
        runId: 'r1',
        page: 1,
        reason: 'TrangThaiHoSo: unknown status "42"',
        at: T0,
        raw: { MaHoSo: code },
      },
    });
    await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('B-1', T0 + 60_000, 9)],
      quarantined: [entry('B-1'), entry('B-2')],
      checkpoint: cp(1),
    });
    expect(await store.quarantineReasons('H49', 's')).toEqual({ 'TrangThaiHoSo: unknown status "42"': 2 });

    const items = [
      { key: 'B-1', reason: 'TrangThaiHoSo: unknown status "42"', dossier: dossier('B-1', T0, 4) }, // older than stored
      { key: 'B-2', reason: 'TrangThaiHoSo: unknown status "42"', dossier: dossier('B-2', T0, 4) }, // new
    ];
    expect(await store.releaseQuarantined('H49', 's', items)).toEqual({ applied: 1, unchanged: 1, released: 2 });
    expect(await store.quarantineReasons('H49', 's')).toEqual({}); // the reason's count gone with its last item
    expect(await store.quarantineEntries('H49', 's')).toEqual([]);
    const stored = await store.getDossiers('H49', ['B-1', 'B-2']);
    expect(stored.get('B-1')!.status).toBe(9); // the newer stored version kept
    expect(stored.get('B-2')).toEqual(dossier('B-2', T0, 4));
    // Released already: nothing happens again.
    expect(await store.releaseQuarantined('H49', 's', items)).toEqual({ applied: 0, unchanged: 0, released: 0 });
  });
});

describe('the apply script reads any stored value, and the dry run plays the same rule', () => {
  const s = Math.floor(T0 / 1000);
  const b36 = (n: number) => n.toString(36);
  const skew = 24 * 3600; // the bound: now (T0 + an hour) + 24 h of clock skew, in seconds
  const latest = s + 3600 + skew;
  const current = pack(dossier('A-1', T0)).slice(1 + b36(s).length); // "|…" after the version
  // [label, stored value, what a record updated at T0 does to it]
  const table: [string, string, 'applied' | 'unchanged'][] = [
    ['current form, same second', `~${b36(s)}${current}`, 'unchanged'],
    ['current form, a second later', `~${b36(s + 1)}${current}`, 'unchanged'],
    ['current form, a second earlier', `~${b36(s - 1)}${current}`, 'applied'],
    [
      'current form, 1960 (negative base 36: the probe that jammed a source)',
      `~${b36(Math.floor(Date.parse('1960-05-01T00:00:00Z') / 1000))}${current}`,
      'applied',
    ],
    ['earlier form, same second', `${s}|4|000.00.12.H49|1.001234|2|1|0|||||`, 'unchanged'],
    ['earlier form, a second earlier', `${s - 1}|4|000.00.12.H49|1.001234|2|1|0|||||`, 'applied'],
    ['earlier form, 1960 (negative decimal)', `-304732800|4|000.00.12.H49|1.001234|2|1|0|||||`, 'applied'],
    ['earlier form, far future', `99999999999|4|000.00.12.H49|1.001234|2|1|0|||||`, 'applied'], // 11 digits: unreadable
    ['empty', '', 'applied'],
    ['garbage', 'not a stored value', 'applied'],
    ['a lone ~', '~', 'applied'],
    ['~ and a bar', '~|', 'applied'],
    ['upper-case base 36', `~${b36(s).toUpperCase()}${current}`, 'applied'],
    ['eleven base-36 digits', `~zzzzzzzzzzz${current}`, 'applied'],
    ['ten base-36 digits (year 100 million: after now + the skew)', `~zzzzzzzzzz${current}`, 'applied'],
    ['current form, in the future within the skew', `~${b36(s + 3600 + skew - 60)}${current}`, 'unchanged'],
    ['current form, at now + the skew', `~${b36(latest)}${current}`, 'unchanged'],
    ['current form, a second after now + the skew', `~${b36(latest + 1)}${current}`, 'applied'],
    [
      'current form, 2999 (stored before such times were refused)',
      `~${b36(Date.parse('2999-12-31T00:00:00Z') / 1000)}${current}`,
      'applied',
    ],
    ['a minus alone', '~-|', 'applied'],
    ['no bar after the version', `~${b36(s)}`, 'applied'],
    ['decimal without a bar', String(s), 'applied'],
    ['unicode', '~ẞ|ø|', 'applied'],
    ['a double minus', `~--${b36(s)}${current}`, 'applied'],
  ];

  it.each(table)('%s', async (_label, stored, expected) => {
    const client = redis.client();
    const store = new Store(client, redis.prefix(), { latest: () => latest * 1000 + 999 });
    await client.hset(store.keys.dossiers('H49'), 'A-1', stored);
    const rule = new ApplyRule({
      versions: (codes) => store.versions('H49', codes),
      latestVersion: () => store.latestVersion(),
    });
    const dry = await rule.play([dossier('A-1', T0)]);
    const applied = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0)],
      quarantined: [],
      checkpoint: cp(1),
    });
    expect({ applied: applied.applied, unchanged: applied.unchanged }).toEqual(dry);
    expect(applied[expected]).toBe(1);
    const [after] = await store.storedValues('H49', ['A-1']); // wherever the layout keeps it
    expect(after).toBe(expected === 'applied' ? pack(dossier('A-1', T0)) : stored);
    // and the next page carrying that dossier applies too (the jam of the probe)
    const later = await store.applyPage({
      province: 'H49',
      source: 's',
      runId: 'r1',
      dossiers: [dossier('A-1', T0 + 3_600_000)],
      quarantined: [],
      checkpoint: cp(2),
    });
    expect(later.applied + later.unchanged).toBe(1);
  });

  it('storedVersion reads what pack writes, negative times included', () => {
    for (const ms of [T0, 0, -1000, Date.parse('1960-05-01T00:00:00Z'), Date.parse('2999-12-31T00:00:00Z')]) {
      expect(storedVersion(pack(dossier('A-1', ms)))).toBe(Math.floor(ms / 1000));
      expect(unpack('A-1', pack(dossier('A-1', ms))).updatedAt).toBe(Math.floor(ms / 1000) * 1000);
    }
  });
});
