/**
 * What the fault tests of both dialects share: a sync run the way the queue's attempts would
 * run it, the checks every scenario ends with, and the HTTP-level scenarios, which behave the
 * same whatever the dialect.
 */
import { expect, it } from 'vitest';
import type { JobContext } from '../../src/queue/context.js';
import { syncSource } from '../../jobs/sync-source.js';
import type { SyncCounters } from '../../schemas/store.js';
import type { FaultLog, FaultOptions } from '../../src/sim/faults.js';
import type { World } from '../../src/sim/world.js';
import type { Store } from '../../src/store/store.js';
import { TransientError } from '../../src/util/errors.js';
import { expectCountersAddUp, expectStoreMatches } from './invariant.js';

export const FAULT_PROVINCE = 'H49';
export const FAULT_DOSSIERS = 300;

export interface FaultHarness {
  world: World;
  sim: { faults(province: string): Omit<FaultLog<object>, 'malformed'> | undefined };
  store: Store;
  /** The source's id in the configuration. */
  source: string;
  /** Runs the sync job until it completes, as the queue's attempts would; counts the failed attempts. */
  sync(runId?: string): Promise<{ counters: SyncCounters; failures: number }>;
  close(): Promise<void>;
}

export type MakeHarness = (
  faults: Record<string, number> | null,
  opts?: { seed?: number; retries?: number },
) => Promise<FaultHarness>;

/** The sync job, attempt after attempt until it completes (a non-transient error, or 30 failures, ends it). */
export function retryingSync(ctx: JobContext, source: string, windowTo: number): FaultHarness['sync'] {
  return async (runId = 'r1') => {
    let failures = 0;
    for (;;) {
      try {
        return { counters: (await syncSource.handler({ runId, source, windowTo }, ctx)) as SyncCounters, failures };
      } catch (err) {
        if (!(err instanceof TransientError) || ++failures > 30) throw err;
      }
    }
  };
}

export async function expectStoreEqualsLocal(h: FaultHarness): Promise<void> {
  await expectStoreMatches(h.store, FAULT_PROVINCE, h.world.provinces[0]!.local);
}

export async function expectConsistentCounters(h: FaultHarness, counters: SyncCounters): Promise<void> {
  expectCountersAddUp(counters);
  expect(counters.applied).toBeGreaterThanOrEqual(h.world.provinces[0]!.local.length);
  expect(await h.store.getCheckpoint(FAULT_PROVINCE, h.source)).toMatchObject({ pending: null });
}

async function withHarness(
  make: MakeHarness,
  faults: Record<string, number>,
  opts: { retries?: number },
  test: (h: FaultHarness) => Promise<void>,
) {
  const h = await make(faults, opts);
  try {
    await test(h);
  } finally {
    await h.close();
  }
}

/** 429, 5xx, truncated bodies and duplicated items: the same scenarios for every dialect. */
export function httpFaultScenarios(make: MakeHarness): void {
  const exact = { pulled: FAULT_DOSSIERS, applied: FAULT_DOSSIERS, unchanged: 0, quarantined: 0 };

  it('HTTP 429 with Retry-After 0 or 1: retried by the HTTP client', () =>
    withHarness(make, { tooMany: 0.3 }, {}, async (h) => {
      const { counters, failures } = await h.sync();
      expect(h.sim.faults(FAULT_PROVINCE)!.tooMany).toBeGreaterThan(0);
      expect(failures).toBe(0);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject(exact);
    }));

  it('HTTP 500 and 503: retried by the HTTP client', () =>
    withHarness(make, { serverError: 0.3 }, {}, async (h) => {
      const { counters, failures } = await h.sync();
      expect(h.sim.faults(FAULT_PROVINCE)!.serverError).toBeGreaterThan(0);
      expect(failures).toBe(0);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject(exact);
    }));

  it('truncated JSON bodies: retried, and when the retries run out the job attempt resumes', () =>
    withHarness(make, { truncated: 0.5 }, { retries: 1 }, async (h) => {
      const { counters, failures } = await h.sync();
      expect(h.sim.faults(FAULT_PROVINCE)!.truncated).toBeGreaterThan(0);
      expect(failures).toBeGreaterThan(0); // some calls were cut twice in a row
      await expectStoreEqualsLocal(h);
      await expectConsistentCounters(h, counters);
      expect(counters).toMatchObject({ applied: FAULT_DOSSIERS, quarantined: 0 });
    }));

  it('duplicated items across pages: applied once, counted as unchanged', () =>
    withHarness(make, { duplicates: 0.6 }, {}, async (h) => {
      const { counters } = await h.sync();
      const duplicates = h.sim.faults(FAULT_PROVINCE)!.duplicates;
      expect(duplicates).toBeGreaterThan(0);
      await expectStoreEqualsLocal(h);
      expect(counters).toMatchObject({
        pulled: FAULT_DOSSIERS + duplicates,
        applied: FAULT_DOSSIERS,
        unchanged: duplicates,
        quarantined: 0,
      });
    }));
}

/** The fault log's count for each fault option that has one. */
const LOGGED: Partial<
  Record<keyof FaultOptions, 'sessionExpiries' | 'busy' | 'tooMany' | 'serverError' | 'truncated' | 'duplicates'>
> = {
  sessionCalls: 'sessionExpiries',
  busy: 'busy',
  tooMany: 'tooMany',
  serverError: 'serverError',
  truncated: 'truncated',
  duplicates: 'duplicates',
};

/**
 * Every fault of `faults` at once (it must include malformed items and drift), on a seed where
 * each kind occurs and over more seeds: the store equals the world, every malformed item is in
 * the quarantine (`expectMalformedQuarantined`, the dialect's own check), the counters add up.
 */
export function allFaultsTogether<H extends FaultHarness>(
  make: (faults: Omit<FaultOptions, 'seed'>, opts: { seed: number; retries: number }) => Promise<H>,
  faults: Omit<FaultOptions, 'seed'>,
  expectMalformedQuarantined: (h: H) => Promise<void>,
): void {
  const kinds = Object.entries(LOGGED).flatMap(([option, logged]) =>
    faults[option as keyof typeof faults] === undefined ? [] : [logged],
  );
  async function allTogether(seed: number, everyKindSeen: boolean): Promise<void> {
    const h = await make(faults, { seed, retries: 2 });
    try {
      const { counters } = await h.sync();
      const log = h.sim.faults(FAULT_PROVINCE)!;
      if (everyKindSeen) for (const k of kinds) expect(log[k], k).toBeGreaterThan(0);
      expect(log.drift.length).toBeGreaterThan(0);
      await expectStoreEqualsLocal(h);
      await expectMalformedQuarantined(h);
      await expectConsistentCounters(h, counters);
      expect(counters.quarantined).toBeGreaterThanOrEqual(faults.malformed ?? 0);
    } finally {
      await h.close();
    }
  }

  it('all faults together (a seed where every kind occurs)', () => allTogether(3, true));

  it('all faults together, over more seeds', async () => {
    for (let seed = 100; seed < 108; seed++) await allTogether(seed, false);
  });
}
