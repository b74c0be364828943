/**
 * The demo's repair (`demo --repair`): after the night, the run's repair pushes the province's
 * records for the findings a push puts right, the next night runs over the same month, and the
 * findings before and after are printed by kind: the repairable kinds gone (each push verified),
 * the others still listed with what a person should do. Exit code 1 when the next night still
 * finds a repaired dossier, or no longer finds one that was not repaired.
 */
import { FINDING_KINDS, type RunReport } from '../../../schemas/report.js';
import { isRepairable } from '../../../schemas/repair.js';
import { runNightly } from '../../queue/nightly.js';
import { executeRepair, outcomeCounts, planRunRepair } from '../../queue/repair.js';
import type { Runtime } from '../../queue/runtime.js';
import type { World } from '../../sim/world.js';

type Say = (line: string) => void;

/** `kind n, kind n, …` of a report's dossier findings. */
function byKind(r: RunReport): string {
  const counts = new Map<string, number>();
  for (const f of r.provinces.flatMap((p) => p.findings))
    if (f.dossierCode) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return FINDING_KINDS.map((k) => `${k} ${counts.get(k) ?? 0}`).join(', ');
}

const codesOf = (r: RunReport, keep: (kind: string) => boolean) =>
  new Set(
    r.provinces.flatMap((p) => p.findings.filter((f) => f.dossierCode && keep(f.kind)).map((f) => f.dossierCode)),
  );

/** Repairs the run `first`, runs the next night, says before and after; returns the next night's report. */
export async function demoRepair(rt: Runtime, world: World, first: RunReport, say: Say): Promise<RunReport> {
  const plan = await planRunRepair(rt, first.runId, {});
  say('');
  say(
    `Repair of run ${first.runId}: ${plan.push.length} dossier(s) to push (${plan.push.filter((p) => !p.isUpdate).length} new), ${plan.manual.length} need a person.`,
  );
  const out = await executeRepair(rt, plan, 'demo');
  const c = outcomeCounts(out.records);
  say(
    `Pushed ${out.records.length}: ${c.stored} stored, ${c.rejected} rejected, ${c.skipped} skipped; ${out.failed.length} batch(es) failed.`,
  );

  const next = await runNightly(rt, { period: { from: world.period.from, to: world.period.to }, windowTo: world.now });
  const checks = next.provinces.flatMap((p) => p.repairChecks ?? []);
  say(
    `Next night ${next.runId}: ${checks.filter((x) => x.status === 'verified').length} push(es) verified, ${checks.filter((x) => x.status === 'repair_failed').length} repair_failed.`,
  );
  say(`  before: ${byKind(first)}`);
  say(`  after:  ${byKind(next)}`);
  const still = new Set([...codesOf(next, () => true)].filter((code) => codesOf(first, isRepairable).has(code)));
  const gone = [...codesOf(first, (k) => !isRepairable(k))].filter((code) => !codesOf(next, () => true).has(code));
  for (const m of plan.manual) say(`  needs a person: ${m.dossierCode || '-'} ${m.kind}: ${m.action}`);
  for (const code of still) say(`  still found after its repair: ${code}`);
  for (const code of gone) say(`  no longer found, though not repaired: ${code}`);
  if (still.size || gone.length || out.failed.length || c.stored !== plan.push.length) process.exitCode = 1;
  return next;
}
