/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): the runs
 * list and its trend, a run's heat map and findings, a dossier's page, an incident's page,
 * and bull-board. Screenshots go to test/artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../schemas/report.js';
import { runNightly } from '../../src/queue/nightly.js';
import { parseConfig } from '../../src/config/load.js';
import { createRuntime } from '../../jobs/runtime.js';
import { type Runtime } from '../../src/queue/runtime.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { SIM_CREDENTIALS, startSimulator, type Simulator } from '../../src/sim/dvcqg-server.js';
import { generateWorld } from '../../src/sim/world.js';
import { useRedis } from '../helpers/redis.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const redis = useRedis();
const world = generateWorld({ seed: 11, month: '2026-10', provinces: ['H49', 'H56', 'H12'], dossiersPerProvince: 300 });
let sim: Simulator;
let rt: Runtime;
let report: RunReport;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  sim = await startSimulator(world);
  Object.assign(process.env, { SIM_USER: SIM_CREDENTIALS.username, SIM_PASSWORD: SIM_CREDENTIALS.password });
  const source = (province: string) => ({
    id: province.toLowerCase(),
    province,
    dialect: 'dvcqg',
    baseUrl: sim.sourceUrl(province),
    usernameEnv: 'SIM_USER',
    passwordEnv: 'SIM_PASSWORD',
    initialFrom: '2026-09-01',
  });
  const config = parseConfig(
    {
      redis: { prefix: redis.prefix() },
      sources: world.provinces.map((p) => source(p.province)),
      national: { baseUrl: sim.nationalUrl, usernameEnv: 'SIM_USER', passwordEnv: 'SIM_PASSWORD' },
    },
    'test',
    { ...process.env, REDIS_URL: redis.url },
  );
  rt = createRuntime(config, pino({ level: 'silent' }), { clock: () => new Date(world.now) });
  const worker = rt.startWorker();
  report = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
  await worker.close();
  await storeEarlierNights(rt, report, EARLIER_NIGHTS);
  server = await startServer({ runtime: rt, port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  await mkdir(ARTIFACTS, { recursive: true });
});
const EARLIER_NIGHTS = 5;
/** What an earlier night holds of the night's list: less the further back. */
const kept = <T>(list: T[], daysBack: number) =>
  list.slice(0, Math.ceil((list.length * (EARLIER_NIGHTS + 1 - daysBack)) / (EARLIER_NIGHTS + 1)));

/**
 * Earlier nights for the trend: the night's report again, a day earlier each, with fewer of
 * its mismatches and findings the further back (as a province whose problems grew night by night).
 */
async function storeEarlierNights(rt: Runtime, night: RunReport, nights: number): Promise<void> {
  for (let d = 1; d <= nights; d++) {
    const runId = `${night.runId}-${d}d-earlier`;
    const at = new Date(Date.parse(night.startedAt) - d * 86_400_000).toISOString();
    await rt.runs.create({
      runId,
      period: night.period,
      window: night.window,
      startedAt: at,
      finishedAt: at,
      provinces: night.provinces.map((p) => p.province),
    });
    for (const p of night.provinces) {
      const { findings, incidents: _, ...summary } = p;
      await rt.runs.setExplanation(runId, { ...summary, mismatches: kept(p.mismatches, d) }, kept(findings, d), {
        requests: 0,
        records: 0,
      });
    }
  }
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rt?.close();
  await sim?.close();
});

describe('dashboard', () => {
  it('goes from the runs list into the latest run, shows its heat map and findings, and opens bull-board', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${server.url}/`);
    await expect.poll(() => page.locator('#runs a.run-link').count()).toBeGreaterThan(0);
    // The trend: a point per night for each series, the night's own figure last.
    const trend = page.locator('#trend');
    await trend.waitFor({ state: 'visible' });
    expect(await trend.locator('[data-series="mismatches"] circle').count()).toBe(EARLIER_NIGHTS + 1);
    const mismatches = (await trend.locator('[data-series="mismatches"]').getAttribute('data-values'))!
      .split(',')
      .map(Number);
    expect(mismatches.at(-1)).toBe(report.provinces.reduce((n, p) => n + p.mismatches.length, 0));
    expect(mismatches).toEqual([...mismatches].sort((a, b) => a - b)); // fewer the further back
    await page.screenshot({ path: `${ARTIFACTS}runs.png`, fullPage: true });
    await page.locator('#runs a.run-link').first().click();
    await page.waitForURL(`**/runs/${encodeURIComponent(report.runId)}`);

    const heat = page.locator('#heatmap');
    await heat.waitFor({ state: 'visible' });
    expect(await heat.locator('tbody tr').count()).toBe(report.provinces.length);
    expect(await heat.locator('td.hot').count()).toBeGreaterThan(0);
    const findings = page.locator('#findings');
    await findings.waitFor({ state: 'visible' });
    const first = report.provinces.flatMap((p) => p.findings)[0]!;
    await expect.poll(() => findings.getByText(first.dossierCode, { exact: true }).isVisible()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

    // A finding's code leads to the dossier's page: both sides' evidence, the runs, its incidents.
    const both = report.provinces.flatMap((p) => p.findings).find((f) => f.evidence.local && f.evidence.national)!;
    await findings.locator('a.dossier-link', { hasText: both.dossierCode }).first().click();
    await page.waitForURL(`**/dossiers/${encodeURIComponent(both.dossierCode)}`);
    await page.locator('#evidence').waitFor({ state: 'visible' });
    expect(await page.locator('#evidence tr.diff').count()).toBeGreaterThan(0);
    const holding = report.provinces.find((p) => p.findings.includes(both))!.findings;
    const nightsFound = 1 + [1, 2, 3, 4, 5].filter((d) => kept(holding, d).includes(both)).length;
    expect(await page.locator('#dossier-runs tbody tr').count()).toBe(nightsFound);
    await page.screenshot({ path: `${ARTIFACTS}dossier.png`, fullPage: true });

    // Its incident's page lists it among the dossiers behind the incident.
    await page.locator('a.incident-link').first().click();
    await page.waitForURL('**/incidents/**');
    const behind = page.locator('#incident-dossiers');
    await behind.waitFor({ state: 'visible' });
    await expect.poll(() => behind.getByText(both.dossierCode, { exact: true }).isVisible()).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}incident.png`, fullPage: true });

    await page.goto(`${server.url}/queues`);
    await page.getByText('dossier-sync', { exact: false }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => page.locator('#root').innerText(), { timeout: 15_000 }).toMatch(/completed/i);
    await page.screenshot({ path: `${ARTIFACTS}queues.png`, fullPage: false });
    expect(errors).toEqual([]);
  });
});
