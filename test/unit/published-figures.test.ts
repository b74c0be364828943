/**
 * The counting rules reproduce a province's published figures: Cao Bằng, 2023 — 198,416
 * dossiers received, 139,843 (70.48%) with components digitised, 135,039 (68.06%) with all
 * components digitised, 99.09% resolved on time or early (docs/domain.md, The published figures).
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { DEFAULT_RULES, indicators, Tally } from '../../src/reconcile/counting.js';
import { makePeriod } from '../../src/domain/period.js';
import { DAY_MS } from '../../src/domain/time.js';
import { indexConfig } from '../../schemas/index-points.js';
import { indicatorsOf, tallyOf } from '../../src/reconcile/index-points.js';

const YEAR = makePeriod('2023-01-01', '2023-12-31');
const RECEIVED = 198_416;
const DIGITISED = 139_843;
const DIGITISED_ALL = 135_039;
const LATE = 1_806; // 1,806 of 198,416 late: 99.09% on time or early

type D = CanonicalDossier & { digitisedAll: boolean };

/** Dossier-level data for the province's year, built to the published totals, with the traps the rules must avoid. */
function caoBang2023(): D[] {
  const out: D[] = [];
  const base = {
    agency: '000.00.00.H04',
    procedure: '1.001234',
    channel: 2 as const,
    paidOnline: false,
    returnedAt: null,
  };
  for (let i = 0; i < RECEIVED; i++) {
    // Received spread over the year at 09:00 Vietnam time, due 5 days later at 17:00.
    const day = YEAR.start + (i % 300) * DAY_MS;
    const receivedAt = day + 2 * 3600_000; // 09:00 +07:00 is 02:00 UTC
    const dueAt = day + 5 * DAY_MS + 10 * 3600_000;
    // On time includes finishing on the due day after the due hour (compared by calendar date);
    // late finishes the next day.
    const finishedAt = i < LATE ? dueAt + DAY_MS : i % 7 === 0 ? dueAt + 3600_000 : dueAt - 2 * DAY_MS;
    out.push({
      ...base,
      code: `000.00.00.H04-23-${i}`,
      status: i % 3 === 0 ? 10 : 9,
      digitised: i < DIGITISED,
      digitisedAll: i < DIGITISED_ALL,
      receivedAt,
      dueAt,
      finishedAt,
      updatedAt: finishedAt,
    });
  }
  // What must not count as received: refused at intake, never accepted, received the year
  // before (one still open, one withdrawn: carried over, never processed).
  const ignored = {
    ...base,
    digitised: true,
    digitisedAll: true,
    dueAt: null,
    finishedAt: null,
    updatedAt: YEAR.start,
  };
  out.push({ ...ignored, code: 'refused', status: 3, receivedAt: YEAR.start + DAY_MS });
  out.push({ ...ignored, code: 'submitted', status: 1, receivedAt: YEAR.start + DAY_MS });
  out.push({ ...ignored, code: 'last-year', status: 4, receivedAt: YEAR.start - DAY_MS });
  out.push({
    ...ignored,
    code: 'withdrawn',
    status: 7,
    receivedAt: YEAR.start - 2 * DAY_MS,
    finishedAt: YEAR.start + 3 * DAY_MS,
  });
  return out;
}

describe('the published Cao Bằng 2023 figures', () => {
  const data = caoBang2023();

  it('received, digitised, fully digitised and on time come out as published', () => {
    const got = indicators(data, YEAR);
    expect(got.received).toBe(198_416);
    expect(got.digitised).toBe(139_843);
    expect(got.digitisedAll).toBe(135_039);
    expect(got.digitisedPercent).toBe(70.48);
    expect(got.digitisedAllPercent).toBe(68.06);
    expect(got.onTimePercent).toBe(99.09);
  });

  it('the same rules, through the per-agency tally, agree', () => {
    const tally = new Tally(YEAR);
    for (const d of data) tally.add(d.agency, d);
    const c = tally.get('000.00.00.H04');
    expect([c.received, c.digitised, c.processed, c.late]).toEqual([198_416, 139_843, 198_416, 1_806]);
    expect(c.carriedOver).toBe(2); // received the year before: one still open, one withdrawn (not processed)
  });

  it('as index indicators: 4.3 data reuse 70.48% (1.76 of 2 points), 2.1 on time 99.09% (19.82 of 20)', () => {
    const t = tallyOf(data, YEAR, DEFAULT_RULES);
    expect(t).toMatchObject({ received: 198_416, digitised: 139_843, onTime: 198_416 - 1_806, overdue: 0 });
    const got = indicatorsOf(t, t.received, indexConfig.parse(undefined));
    const percent = (share: number | null) => Math.round(share! * 10_000) / 100;
    expect(percent(got['4.3'].share)).toBe(70.48);
    expect(got['4.3'].points).toBeCloseTo((2 * 139_843) / 198_416 / 0.8, 6);
    // on time or early among what was to process (the two carried over, still open and without a due date, are not yet due)
    expect(percent(got['2.1'].share)).toBe(99.09);
    expect(got['2.1'].points.toFixed(2)).toBe('19.82');
    expect(got['1.4']).toEqual({ share: 1, points: 6 }); // everything the province holds, synced
  });
});
