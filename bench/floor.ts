/**
 * The floor, in its own process: the same records as the simulator serves (same world, same
 * wire items, pages of the same size) taken from memory instead of HTTP. Three passes over
 * the pre-serialised pages: JSON.parse alone; parse, envelope check, validation and
 * normalisation; and all of that plus the page apply in Redis (the store's own script, with
 * a checkpoint per page), which is the floor the end-to-end sync is held against.
 */
import { Redis } from 'ioredis';
import { serviceReply } from '../schemas/dvcqg.js';
import type { CanonicalDossier } from '../schemas/dossier.js';
import { IDENTITY_STATUS_MAP, normaliseDvcqg, toDvcqgItem } from '../src/dialects/dvcqg/normalise.js';
import { generateWorld } from '../src/sim/world.js';
import { Store } from '../src/store/store.js';
import { PAGE_SIZE, PROVINCE, argsOf, report, worldOptions } from './common.js';

export interface FloorArgs {
  volume: number;
  redisUrl: string;
  prefix: string;
}
export interface FloorResult {
  dossiers: number;
  parseMs: number;
  normaliseMs: number;
  applyMs: number;
  applied: number;
}

const args = argsOf<FloorArgs>();
const world = generateWorld(worldOptions(args.volume));
const local = world.provinces[0]!.local;
const pages: string[] = [];
for (let i = 0; i < local.length; i += PAGE_SIZE) {
  const data = local.slice(i, i + PAGE_SIZE).map(toDvcqgItem);
  pages.push(JSON.stringify({ error_code: 0, tongSo: local.length, data }));
}
world.provinces.length = 0; // only the wire pages are needed from here on

const opts = { statusMap: IDENTITY_STATUS_MAP };
function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// JSON.parse alone
let sink = 0;
const parseMs = timed(() => {
  for (const text of pages) sink += (JSON.parse(text) as { data: unknown[] }).data.length;
});

// parse + envelope + validate + normalise
const normaliseMs = timed(() => {
  for (const text of pages) {
    const reply = serviceReply.parse(JSON.parse(text));
    for (const raw of reply.data ?? []) if (normaliseDvcqg(raw, opts).ok) sink++;
  }
});

// parse + envelope + validate + normalise + apply (as sync-source does, one page at a time)
const redis = new Redis(args.redisUrl);
const store = new Store(redis, args.prefix);
let applied = 0;
const t0 = performance.now();
for (let p = 0; p < pages.length; p++) {
  const reply = serviceReply.parse(JSON.parse(pages[p]!));
  const dossiers: CanonicalDossier[] = [];
  for (const raw of reply.data ?? []) {
    const n = normaliseDvcqg(raw, opts);
    if (n.ok) dossiers.push(n.dossier);
  }
  const last = p === pages.length - 1;
  const out = await store.applyPage({
    province: PROVINCE,
    source: 'floor',
    runId: 'floor',
    dossiers,
    quarantined: [],
    checkpoint: last
      ? { syncedTo: world.now, pending: null }
      : { syncedTo: null, pending: { runId: 'floor', from: 0, to: world.now, cursor: { page: p + 2 }, pages: p + 1 } },
  });
  applied += out.applied;
}
const applyMs = performance.now() - t0;
report({ dossiers: local.length, parseMs, normaliseMs, applyMs, applied } satisfies FloorResult);
if (sink < 0) console.log(sink);
await redis.quit();
process.exit(0);
