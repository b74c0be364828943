/**
 * One batch of a run's repair: at most 100 dossiers of one province, pushed to the portal with
 * the record the store holds now. The job's id names the run and the batch's dossiers
 * (`jobIds.repair`), so asking for the same batch twice runs it once.
 *
 * Each dossier's push state is kept in Redis around the push: marked `sending` before, recorded
 * (stored, rejected) after. A batch run again (a retry, a worker killed mid-push, a second
 * `repair`) skips what was recorded, and looks up on the portal what was being sent when it
 * stopped: a copy equal to the store's record was stored, and is not sent again.
 */
import { repairBatchPayload, type RepairRecord, type RepairTarget } from '../schemas/repair.js';
import type { CanonicalDossier } from '../schemas/dossier.js';
import { codeForms, rawItemCode, rootAgency } from '../src/domain/codes.js';
import { pushItem } from '../src/national/push.js';
import { nationalDossier } from '../src/reconcile/national-items.js';
import { defineJob, type JobContext } from '../src/queue/context.js';

/** Whether two copies of a dossier hold the same record (the update time to the second, as stored). */
function sameRecord(a: CanonicalDossier, b: CanonicalDossier): boolean {
  const norm = (d: CanonicalDossier) =>
    JSON.stringify({ ...d, updatedAt: Math.floor(d.updatedAt / 1000) }, Object.keys(d).sort());
  return norm(a) === norm(b);
}

/** The dossiers among `uncertain` whose portal copy already equals the store's record. */
async function storedMeanwhile(
  ctx: JobContext,
  province: string,
  uncertain: RepairTarget[],
  current: Map<string, CanonicalDossier>,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (uncertain.length === 0) return out;
  const copies = await ctx.national().lookup(
    rootAgency(province),
    uncertain.map((t) => t.dossierCode),
  );
  const codes = codeForms(ctx.config.codes.agencyPatterns); // DonViXuLy may be in a configured form
  for (const raw of copies) {
    const code = rawItemCode(raw);
    const target = uncertain.find((t) => t.dossierCode === code);
    const mine = target && current.get(target.dossierCode);
    const theirs = target && nationalDossier(raw, target.agency, false, codes);
    if (mine && theirs && sameRecord(mine, theirs)) out.add(mine.code);
  }
  return out;
}

type Outcome = Pick<RepairRecord, 'sent' | 'outcome' | 'code' | 'message' | 'resent'>;
const SKIPPED: Outcome = { sent: null, outcome: 'skipped', code: '', message: 'no longer in the store', resent: false };
const CONFIRMED = 'stored by an interrupted push (the portal holds this record)';

export const repairBatch = defineJob({
  name: 'repair-batch',
  payload: repairBatchPayload,
  async handler({ runId, province, targets, by }, ctx) {
    const states = await ctx.repairs.states(
      runId,
      province,
      targets.map((t) => t.dossierCode),
    );
    const todo = targets.filter((t) => states.get(t.dossierCode) !== 'done');
    // the province's current records, read now: never the run's evidence
    const current = await ctx.store.getDossiers(
      province,
      todo.map((t) => t.dossierCode),
    );
    const at = ctx.clock();
    const records: RepairRecord[] = [];
    const add = (t: RepairTarget, o: Outcome) =>
      records.push({
        runId,
        province,
        dossierCode: t.dossierCode,
        agency: current.get(t.dossierCode)?.agency ?? t.agency,
        kind: t.kind,
        by,
        at: at.toISOString(),
        ...o,
      });
    for (const t of todo) if (!current.has(t.dossierCode)) add(t, SKIPPED);
    const present = todo.filter((t) => current.has(t.dossierCode));
    const uncertain = present.filter((t) => states.get(t.dossierCode) === 'sending');
    const confirmed = await storedMeanwhile(ctx, province, uncertain, current);
    for (const t of present.filter((x) => confirmed.has(x.dossierCode))) {
      add(t, {
        sent: pushItem(current.get(t.dossierCode)!, t.isUpdate),
        outcome: 'stored',
        code: '0',
        message: CONFIRMED,
        resent: false,
      });
    }
    const send = present.filter((t) => !confirmed.has(t.dossierCode));
    if (send.length) {
      await ctx.repairs.markSending(
        runId,
        province,
        send.map((t) => t.dossierCode),
        at,
      );
      const items = send.map((t) => ({ dossier: current.get(t.dossierCode)!, isUpdate: t.isUpdate }));
      const outcomes = await ctx.push().push(rootAgency(province), items);
      outcomes.forEach((o, i) =>
        add(send[i]!, {
          sent: o.sent,
          outcome: o.stored ? 'stored' : 'rejected',
          code: o.code,
          message: o.message,
          resent: o.resent,
        }),
      );
    }
    await ctx.repairs.record(records);
    const count = (outcome: RepairRecord['outcome']) => records.filter((r) => r.outcome === outcome).length;
    const result = {
      stored: count('stored'),
      rejected: count('rejected'),
      skipped: count('skipped'),
      alreadyDone: targets.length - todo.length,
    };
    ctx.logger.info({ runId, province, ...result }, 'repair batch pushed');
    return result;
  },
});
