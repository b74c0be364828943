/**
 * The `rest` adapter against the standalone `rest` simulator over loopback HTTP: keyset
 * paging through a whole window, token expiry and revocation mid-sync, refused clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restSourceConfig, type RestSourceConfig } from '../../schemas/config.js';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { restStatsReply, REST_STATS_METRICS } from '../../schemas/rest.js';
import { rootAgency } from '../../src/domain/codes.js';
import { statusMapOf } from '../../src/dialects/rest/normalise.js';
import { Tally } from '../../src/reconcile/counting.js';
import { makePeriod } from '../../src/domain/period.js';
import { HttpClient } from '../../src/http/client.js';
import { RestSource } from '../../src/sources/rest.js';
import type { Window } from '../../src/sources/source.js';
import { DEFAULT_REST_STATUS_NAMES, startRestSimulator, type RestSimulator } from '../../src/sim/rest-server.js';
import { compareByUpdated, generateWorld, type World } from '../../src/sim/world.js';
import { PermanentError } from '../../src/util/errors.js';

let world: World;
let sim: RestSimulator;
beforeAll(async () => {
  world = generateWorld({ seed: 5, month: '2026-10', provinces: ['H49', 'H56'], dossiersPerProvince: 600 });
  sim = await startRestSimulator(world);
});
afterAll(() => sim?.close());

const local = (province: string) => world.provinces.find((p) => p.province === province)!.local;

function config(s: RestSimulator, over: Partial<Record<string, unknown>> = {}): RestSourceConfig {
  return restSourceConfig.parse({
    id: 'h49-rest',
    province: 'H49',
    dialect: 'rest',
    baseUrl: s.baseUrl('H49'),
    tokenUrl: s.tokenUrl,
    clientIdEnv: 'REST_CLIENT_ID',
    clientSecretEnv: 'REST_CLIENT_SECRET',
    statusMap: statusMapOf(DEFAULT_REST_STATUS_NAMES),
    pageSize: 45,
    ...over,
  });
}

function source(
  s: RestSimulator,
  opts: { cfg?: Partial<Record<string, unknown>>; secret?: string; now?: () => number } = {},
) {
  const http = new HttpClient({ name: 'h49-rest', timeoutMs: 5000, retries: 2, minDelayMs: 5, maxDelayMs: 20 });
  const src = new RestSource(
    config(s, opts.cfg),
    http,
    { clientId: s.clientId, clientSecret: opts.secret ?? s.clientSecret },
    opts.now,
  );
  return { src, http };
}

/** Pulls a window page by page, like the sync job; `between` runs after each page. */
async function pull(
  src: RestSource,
  window: Window,
  between?: (page: number) => void | Promise<void>,
  cursor: unknown = null,
) {
  const dossiers: CanonicalDossier[] = [];
  let pages = 0;
  for (;;) {
    const page = await src.fetchPage(window, cursor);
    pages++;
    for (const raw of page.items) {
      const n = src.normalise(raw);
      if (!n.ok) throw new Error(`quarantined ${src.itemKey(raw)}: ${n.reason}`);
      dossiers.push(n.dossier);
    }
    if (page.done) break;
    expect(JSON.parse(JSON.stringify(page.next))).toEqual(page.next); // a checkpoint cursor is JSON
    cursor = page.next;
    await between?.(pages);
    if (pages > 1000) throw new Error('paging does not end');
  }
  return { dossiers, pages };
}

const everything = (): Window => ({ from: world.period.start - 60 * 86_400_000, to: world.now + 1 });

describe('RestSource against the rest simulator', () => {
  it('pulls a province window through several pages into exactly the local dossiers', async () => {
    const { src } = source(sim);
    const { dossiers, pages } = await pull(src, everything());
    const expected = local('H49');
    expect(pages).toBe(Math.ceil(expected.length / 45));
    expect(dossiers).toEqual(expected);
    expect(src.tokens).toBe(1);
  });

  it('honours the half-open window [from, to) and one agency', async () => {
    const all = local('H49');
    const from = all[100]!.updatedAt;
    const to = all[400]!.updatedAt;
    // the root agency names the whole province, so pick a department
    const agency = all.slice(200).find((d) => d.agency !== rootAgency('H49'))!.agency;
    const { src } = source(sim, { cfg: { agency, pageSize: 10 } });
    const { dossiers } = await pull(src, { from, to });
    const expected = all.filter((d) => d.updatedAt >= from && d.updatedAt < to && d.agency === agency);
    expect(expected.length).toBeGreaterThan(20);
    expect(dossiers).toEqual(expected);
  });

  it('resumes from a saved cursor with a fresh adapter, without gaps or repeats', async () => {
    const window = everything();
    const first = source(sim).src;
    const p1 = await first.fetchPage(window, null);
    const p2 = await first.fetchPage(window, p1.next);
    const resumed = await pull(source(sim).src, window, undefined, p2.next);
    const seen = [...p1.items, ...p2.items].map((raw) => {
      const n = first.normalise(raw);
      if (!n.ok) throw new Error(n.reason);
      return n.dossier;
    });
    expect([...seen, ...resumed.dossiers]).toEqual(local('H49'));
  });

  it('keyset paging stays correct while data changes between pages', async () => {
    const w = generateWorld({ seed: 9, month: '2026-10', provinces: ['H49'], dossiersPerProvince: 300 });
    const s = await startRestSimulator(w);
    try {
      const list = w.provinces[0]!.local;
      const { src } = source(s, { cfg: { pageSize: 25 } });
      const window: Window = { from: w.period.start - 60 * 86_400_000, to: w.now + 1 };
      let moved: CanonicalDossier | undefined;
      const { dossiers } = await pull(src, window, (page) => {
        if (page !== 3) return;
        // a dossier already served is updated: it moves to the end of the order
        const i = 10;
        moved = { ...list[i]!, status: 10, updatedAt: w.now };
        list.splice(i, 1);
        list.push(moved);
        list.sort(compareByUpdated);
      });
      const codes = dossiers.map((d) => d.code);
      expect(new Set(codes).size).toBe(list.length); // nothing skipped although an earlier row moved
      expect(dossiers[dossiers.length - 1]).toEqual(moved); // and the new version is served again
      expect(dossiers.length).toBe(list.length + 1);
    } finally {
      await s.close();
    }
  });

  it('gets a new token when the source revokes tokens mid-sync, and completes', async () => {
    const { src } = source(sim);
    const before = sim.counts.unauthorised;
    const { dossiers } = await pull(src, everything(), (page) => {
      if (page === 2 || page === 5) sim.revokeTokens();
    });
    expect(dossiers).toEqual(local('H49'));
    expect(src.tokens).toBe(3);
    expect(sim.counts.unauthorised - before).toBe(2);
  });

  it('gets a new token when one expires mid-sync (server expiry the client did not foresee)', async () => {
    let serverNow = Date.now();
    const s = await startRestSimulator(world, { tokenTtlSeconds: 1, clock: () => serverNow });
    try {
      // The client's clock is stuck: it believes its token still fresh when the server has expired it.
      const frozen = serverNow;
      const { src } = source(s, { now: () => frozen });
      const { dossiers } = await pull(src, everything(), (page) => {
        if (page === 2) serverNow += 1100;
      });
      expect(dossiers).toEqual(local('H49'));
      expect(src.tokens).toBe(2);
      expect(s.counts.unauthorised).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('renews a token shortly before it expires, without a 401', async () => {
    let now = Date.now();
    const s = await startRestSimulator(world, { tokenTtlSeconds: 1, clock: () => now });
    try {
      // One clock for both sides, moved on by the token's lifetime between two pages.
      const { src } = source(s, { now: () => now });
      const { dossiers } = await pull(src, everything(), (page) => {
        if (page === 2) now += 1000;
      });
      expect(dossiers).toEqual(local('H49'));
      expect(src.tokens).toBe(2);
      expect(s.counts.unauthorised).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a wrong client secret is a PermanentError after one token request, with the secret nowhere in the message', async () => {
    const { src, http } = source(sim, { secret: 'not-the-secret' });
    const err = await src.fetchPage(everything(), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(String((err as Error).message)).not.toContain('not-the-secret');
    expect(http.stats.requests).toBe(1);
    // and again on the next call, still without retry storms
    await expect(src.fetchPage(everything(), null)).rejects.toBeInstanceOf(PermanentError);
    expect(http.stats.requests).toBe(2);
  });

  it('missing client credentials are a PermanentError naming the environment variables, with no request', async () => {
    const http = new HttpClient({ name: 'h49-rest', timeoutMs: 5000 });
    const src = new RestSource(config(sim), http, { clientId: undefined, clientSecret: '' });
    await expect(src.fetchPage(everything(), null)).rejects.toThrow(/REST_CLIENT_ID/);
    expect(http.stats.requests).toBe(0);
  });

  it('a cursor the source does not know is a PermanentError', async () => {
    const { src } = source(sim);
    await expect(src.fetchPage(everything(), 'bm9wZQ')).rejects.toBeInstanceOf(PermanentError);
    await expect(src.fetchPage(everything(), { page: 2 })).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('rest simulator', () => {
  async function token(): Promise<string> {
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
      }),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { access_token: string; expires_in: number };
    expect(json.expires_in).toBe(3600);
    return json.access_token;
  }

  it('refuses calls without a valid token with HTTP 401', async () => {
    expect((await fetch(`${sim.baseUrl('H49')}/dossiers`)).status).toBe(401);
    expect((await fetch(`${sim.baseUrl('H49')}/dossiers`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
  });

  it('serves statistics counted by the counting rules, as numbers', async () => {
    const t = await token();
    const q = new URLSearchParams({ agency: rootAgency('H56'), from: '2026-10-01', to: '2026-10-31', by: 'agency' });
    const res = await fetch(`${sim.baseUrl('H56')}/stats?${q}`, { headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(200);
    const reply = restStatsReply.parse(await res.json());
    const tally = new Tally(makePeriod('2026-10-01', '2026-10-31'));
    for (const d of local('H56')) tally.add(d.agency, d);
    const agencies = world.provinces.find((p) => p.province === 'H56')!.agencies;
    expect(reply.rows.map((r) => r.agencyCode)).toEqual(agencies);
    for (const r of reply.rows)
      for (const m of REST_STATS_METRICS) expect(r[m], `${r.agencyCode} ${m}`).toBe(tally.get(r.agencyCode)[m]);
    expect(reply.rows.reduce((s, r) => s + r.received, 0)).toBeGreaterThan(0);

    const whole = await fetch(
      `${sim.baseUrl('H56')}/stats?${new URLSearchParams({ from: '2026-10-01', to: '2026-10-31' })}`,
      {
        headers: { authorization: `Bearer ${t}` },
      },
    );
    const one = restStatsReply.parse(await whole.json()).rows;
    expect(one).toHaveLength(1);
    expect(one[0]!.agencyCode).toBe(rootAgency('H56'));
    expect(one[0]!.received).toBe(reply.rows.reduce((s, r) => s + r.received, 0));

    const byProc = await fetch(
      `${sim.baseUrl('H56')}/stats?${new URLSearchParams({ from: '2026-10-01', to: '2026-10-31', by: 'procedure' })}`,
      {
        headers: { authorization: `Bearer ${t}` },
      },
    );
    const procRows = restStatsReply.parse(await byProc.json()).rows;
    expect(procRows.every((r) => typeof r.procedureCode === 'string')).toBe(true);
    expect(procRows.reduce((s, r) => s + r.received, 0)).toBe(one[0]!.received);
  });

  it('rejects bad parameters with HTTP 400', async () => {
    const t = await token();
    const h = { authorization: `Bearer ${t}` };
    for (const q of ['agency=000.00.00.H56', 'updatedFrom=yesterday', 'limit=0', 'after=%%%']) {
      expect((await fetch(`${sim.baseUrl('H49')}/dossiers?${q}`, { headers: h })).status, q).toBe(400);
    }
    expect(
      (await fetch(`${sim.baseUrl('H49')}/stats?from=2026-10-01&to=2026-10-31&by=day`, { headers: h })).status,
    ).toBe(400);
    expect((await fetch(`${sim.baseUrl('H99')}/dossiers`, { headers: h })).status).toBe(404);
  });
});
