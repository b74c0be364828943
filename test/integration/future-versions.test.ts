/**
 * A stored version after now + the clock skew (`dates.skewHours`) is older than any record
 * (`Store.latestVersion`): a dossier stored with an update time in 2999 before the normaliser
 * refused such times is replaced by the next record of its code, in a page's apply, in the
 * quarantine's release, in the migration and in the dry runs, while a record in the future
 * within the skew keeps the version rule's protection. Against a private Redis, the store's
 * layout written as the store wrote it before the bound (any version held its code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import type { Checkpoint, QuarantineEntry } from '../../schemas/store.js';
import type { Runtime } from '../../src/queue/runtime.js';
import { previewSourceSync, syncSourceNow } from '../../src/queue/sync-now.js';
import { startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { expectedStore, generateWorld } from '../../src/sim/world.js';
import { pack } from '../../src/store/pack.js';
import { ApplyRule, Store } from '../../src/store/store.js';
import type { RedisClient } from '../../src/store/connection.js';
import { expectStoreMatches } from '../helpers/invariant.js';
import { useRedis } from '../helpers/redis.js';
import { simConfig, simRuntime } from '../helpers/sim.js';

const redis = useRedis();

const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-05T10:00:00+07:00'); // now, for the store-level tests
const SKEW = 24 * HOUR;
const Y2999 = Date.parse('2999-12-31T00:00:00+07:00');
const CODES = ['000.00.12.H49-261005-0001', 'ODD-1']; // a code with a bucket, a code of another shape

function dossier(code: string, updatedAt: number, procedure = '1.001234'): CanonicalDossier {
  return {
    code,
    agency: '000.00.12.H49',
    procedure,
    status: 4,
    channel: 2,
    digitised: true,
    paidOnline: false,
    receivedAt: Date.parse('2026-10-05T08:00:00+07:00'),
    dueAt: Date.parse('2026-10-09T17:00:00+07:00'),
    finishedAt: null,
    returnedAt: null,
    updatedAt,
  };
}

/** The store as it was before the bound: any version, 2999 included, held its code. */
const storeBefore = (client: RedisClient, prefix: string) =>
  new Store(client, prefix, { latest: () => Date.parse('3000-01-01T00:00:00Z') });
/** The store now: at T0, 24 h of clock skew. */
const storeNow = (client: RedisClient, prefix: string) => new Store(client, prefix, { latest: () => T0 + SKEW });

let pageNo = 0;
const page = (dossiers: CanonicalDossier[], quarantined: { key: string; entry: QuarantineEntry }[] = []) => {
  const checkpoint: Checkpoint = {
    syncedTo: null,
    pending: { runId: 'r1', from: 0, to: T0, cursor: {}, pages: ++pageNo },
  };
  return { province: 'H49', source: 's', runId: 'r1', dossiers, quarantined, checkpoint };
};

/** What the dry run says of these records, then what the apply does: they must agree. */
async function dryThenApply(store: Store, dossiers: CanonicalDossier[]) {
  const rule = new ApplyRule({
    versions: (codes) => store.versions('H49', codes),
    latestVersion: () => store.latestVersion(),
  });
  const dry = await rule.play(dossiers);
  const { applied, unchanged } = await store.applyPage(page(dossiers));
  expect({ applied, unchanged }, 'the dry run and the apply').toEqual(dry);
  return dry;
}

describe('a stored version after now + the clock skew', () => {
  it('a dossier stored with an update time in 2999 is replaced by the next real record, in the apply and the dry run', async () => {
    const client = redis.client();
    const prefix = redis.prefix();
    await storeBefore(client, prefix).applyPage(page(CODES.map((c) => dossier(c, Y2999, 'WRONG'))));
    const store = storeNow(client, prefix);
    expect(await store.versions('H49', CODES)).toEqual(new Map(CODES.map((c) => [c, -Infinity])));
    const real = CODES.map((c) => dossier(c, T0 - HOUR));
    expect(await dryThenApply(store, real)).toEqual({ applied: 2, unchanged: 0 });
    expect(await store.storedValues('H49', CODES)).toEqual(real.map(pack));
    expect(await store.countDossiers('H49')).toBe(2);
    // the real record now holds its code as any other: an older one changes nothing, a newer one applies
    expect(await dryThenApply(store, [dossier(CODES[0]!, T0 - 2 * HOUR)])).toEqual({ applied: 0, unchanged: 1 });
    expect(await dryThenApply(store, [dossier(CODES[0]!, T0)])).toEqual({ applied: 1, unchanged: 0 });
  });

  it('a record stored in the future within the skew still holds: an older record changes nothing, a later one applies', async () => {
    const client = redis.client();
    const prefix = redis.prefix();
    const ahead = CODES.map((c) => dossier(c, T0 + SKEW - HOUR, 'AHEAD'));
    await storeBefore(client, prefix).applyPage(page(ahead));
    const store = storeNow(client, prefix);
    expect(
      await dryThenApply(
        store,
        CODES.map((c) => dossier(c, T0)),
      ),
    ).toEqual({ applied: 0, unchanged: 2 });
    expect(await store.storedValues('H49', CODES)).toEqual(ahead.map(pack));
    const later = CODES.map((c) => dossier(c, T0 + SKEW));
    expect(await dryThenApply(store, later)).toEqual({ applied: 2, unchanged: 0 });
    expect(await store.storedValues('H49', CODES)).toEqual(later.map(pack));
  });

  it('the quarantine release replaces a record of 2999 and leaves one within the skew', async () => {
    const client = redis.client();
    const prefix = redis.prefix();
    const [far, near] = CODES;
    const entry = (key: string): QuarantineEntry => ({
      source: 's',
      runId: 'r1',
      page: 1,
      reason: 'unmapped',
      at: T0,
      raw: { MaHoSo: key },
    });
    await storeBefore(client, prefix).applyPage(
      page(
        [dossier(far!, Y2999, 'WRONG'), dossier(near!, T0 + HOUR, 'AHEAD')],
        CODES.map((c) => ({ key: c, entry: entry(c) })),
      ),
    );
    const store = storeNow(client, prefix);
    const items = CODES.map((c) => ({ key: c, reason: 'unmapped', dossier: dossier(c, T0) }));
    expect(await store.releaseQuarantined('H49', 's', items)).toEqual({ applied: 1, unchanged: 1, released: 2 });
    expect(await store.storedValues('H49', CODES)).toEqual([
      pack(dossier(far!, T0)),
      pack(dossier(near!, T0 + HOUR, 'AHEAD')),
    ]);
  });

  it('the migration moves a record of the layout before buckets over a record of 2999, not over one within the skew', async () => {
    const client = redis.client();
    const prefix = redis.prefix();
    const far = '000.00.12.H49-261005-0001';
    const near = '000.00.12.H49-261005-0002';
    const before = storeBefore(client, prefix);
    await before.applyPage(page([dossier(far, Y2999, 'WRONG'), dossier(near, T0 + HOUR, 'AHEAD')]));
    // the layout before buckets (one hash of every dossier) still holds a real record of each
    await client.hset(before.keys.dossiers('H49'), far, pack(dossier(far, T0)), near, pack(dossier(near, T0)));
    const store = storeNow(client, prefix);
    expect(await store.migrate('H49')).toBe(2);
    expect(await store.storedValues('H49', [far, near])).toEqual([
      pack(dossier(far, T0)),
      pack(dossier(near, T0 + HOUR, 'AHEAD')),
    ]);
    expect(await client.exists(before.keys.dossiers('H49'))).toBe(0);
  });
});

describe('the sync on the runtime holds the version rule to its clock and the configured skew', () => {
  const VOLUME = 200;
  const world = generateWorld({ seed: 43, month: '2026-10', provinces: ['H49'], dossiersPerProvince: VOLUME });
  let sim: Simulator;
  let rt: Runtime;
  beforeAll(async () => {
    sim = await startSimulator(world);
  });
  afterAll(async () => {
    await rt?.close();
    await sim.close();
  });

  it('a record of 2999 and one after now + 48 h are replaced by the source’s; one 36 h ahead holds; the dry run says the same', async () => {
    const config = simConfig(sim, world, redis, { extra: { dates: { skewHours: 48 } } });
    const source = config.sources[0]!;
    rt = simRuntime(config, world); // its clock: the world's now
    const truth = expectedStore(world.provinces[0]!);
    // stored before the bound: one in 2999, one 72 h after now (beyond the 48 h), one 36 h after now (within)
    const [far, beyond, within] = truth.slice(0, 3);
    const ahead = (d: CanonicalDossier, at: number): CanonicalDossier => ({ ...d, updatedAt: at, procedure: 'WRONG' });
    const held = ahead(within!, world.now + 36 * HOUR);
    await storeBefore(rt.redis, config.redis.prefix).applyPage(
      page([ahead(far!, Y2999), ahead(beyond!, world.now + 72 * HOUR), held]),
    );
    const preview = await previewSourceSync(rt, source, undefined);
    expect(preview).toMatchObject({ pulled: VOLUME, applied: VOLUME - 1, unchanged: 1, quarantined: 0 });
    const { counters } = await syncSourceNow(rt, source.id, undefined);
    expect(counters).toMatchObject({ pulled: VOLUME, applied: VOLUME - 1, unchanged: 1, quarantined: 0 });
    await expectStoreMatches(
      rt.store,
      'H49',
      truth.map((d) => (d.code === held.code ? held : d)),
    );
  });
});
