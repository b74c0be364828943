/**
 * The dashboard's repair views: a run's repair plan with its confirmation, and the record of
 * pushed dossiers (who, when, what, result, the next night's check) on the run and dossier pages.
 */
import type { RepairRecord } from '../../../schemas/repair.js';
import type { PlanFilters, RepairPlan } from '../../reconcile/repair.js';
import { html, type Html } from '../html.js';
import { PAGE_LABELS, type Lang } from '../labels.js';
import { dossierHref, href, layout, runHref, vnTime, type PageContext } from './layout.js';
import type { RunSection } from './run.js';

const LABELS = {
  en: {
    repair: 'Repair',
    planOf: (runId: string) => `Repair plan of run ${runId}`,
    help: "Pushes the province's current record to the national portal (DongBoHoSoMC) for the findings a push puts right; the others need a person.",
    toPush: (n: number, batches: number) => `${n} dossier(s) to push in ${batches} batch(es)`,
    manual: (n: number) => `${n} need a person`,
    already: (n: number) => `${n} pushed by an earlier repair of this run`,
    notStored: (n: number) => `${n} no longer in the store`,
    leftOver: (n: number) => `${n} left for a later repair (limit)`,
    confirm: (n: number) => `Push these ${n} dossier(s)`,
    nothing: 'Nothing to push.',
    queued: (n: number) => `Repair queued: ${n} batch(es). A worker pushes them; each dossier's result shows below.`,
    cols: {
      province: 'Province',
      agency: 'Agency',
      dossier: 'Dossier',
      kind: 'Kind',
      as: 'As',
      action: 'What to do',
      by: 'By',
      at: 'At (GMT+7)',
      result: 'Result',
      check: 'Next night',
      run: 'Run',
    },
    asNew: 'new',
    asUpdate: 'update',
    noRecords: 'Nothing pushed yet.',
    resent: 'resent as the other kind',
  },
  vi: {
    repair: 'Đồng bộ lại',
    planOf: (runId: string) => `Kế hoạch đồng bộ lại của lượt ${runId}`,
    help: 'Gửi lại bản ghi hiện tại của tỉnh lên Cổng quốc gia (DongBoHoSoMC) cho các hồ sơ lệch mà việc gửi lại sửa được; các hồ sơ khác cần người xử lý.',
    toPush: (n: number, batches: number) => `${n} hồ sơ cần gửi trong ${batches} lô`,
    manual: (n: number) => `${n} cần người xử lý`,
    already: (n: number) => `${n} đã gửi ở lần đồng bộ lại trước của lượt này`,
    notStored: (n: number) => `${n} không còn trong kho`,
    leftOver: (n: number) => `${n} để lần sau (giới hạn)`,
    confirm: (n: number) => `Gửi ${n} hồ sơ này`,
    nothing: 'Không có hồ sơ nào cần gửi.',
    queued: (n: number) => `Đã xếp hàng đồng bộ lại: ${n} lô. Worker sẽ gửi; kết quả từng hồ sơ hiện bên dưới.`,
    cols: {
      province: 'Tỉnh',
      agency: 'Đơn vị',
      dossier: 'Hồ sơ',
      kind: 'Nguyên nhân',
      as: 'Gửi là',
      action: 'Cần làm',
      by: 'Người gửi',
      at: 'Lúc (GMT+7)',
      result: 'Kết quả',
      check: 'Đêm sau',
      run: 'Lượt',
    },
    asNew: 'mới',
    asUpdate: 'cập nhật',
    noRecords: 'Chưa gửi hồ sơ nào.',
    resent: 'đã gửi lại theo loại kia',
  },
} satisfies Record<Lang, unknown>;

/** A card holding a table: its id, its column headers and its rows. */
function table(id: string, heads: string[], rows: Html[]): Html {
  return html`<div class="card">
    <table id="${id}">
      <thead>
        <tr>
          ${heads.map((h) => html`<th>${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** The filters as query parameters (the plan's page and its confirmation carry them). */
export function filterParams(f: PlanFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.provinces?.length) out.province = f.provinces.join(',');
  if (f.kinds?.length) out.kind = f.kinds.join(',');
  if (f.agencies?.length) out.agency = f.agencies.join(',');
  if (f.limit !== undefined) out.limit = String(f.limit);
  return out;
}

export const repairHref = (ctx: PageContext, runId: string, f: PlanFilters = {}) =>
  href(ctx, `/runs/${encodeURIComponent(runId)}/repair`, filterParams(f));

export function repairPlanPage(ctx: PageContext, plan: RepairPlan, filters: PlanFilters, batches: number): string {
  const L = LABELS[ctx.lang];
  const C = L.cols;
  const push = plan.push.map(
    (p) =>
      html`<tr>
        <td>${p.province}</td>
        <td class="mono">${p.agency}</td>
        <td><a class="mono" href="${dossierHref(ctx, p.dossierCode)}">${p.dossierCode}</a></td>
        <td>${p.kind}</td>
        <td>${p.isUpdate ? L.asUpdate : L.asNew}</td>
      </tr>`,
  );
  const manual = plan.manual.map(
    (m) =>
      html`<tr>
        <td>${m.province}</td>
        <td class="mono">${m.agency}</td>
        <td>
          ${m.dossierCode ? html`<a class="mono" href="${dossierHref(ctx, m.dossierCode)}">${m.dossierCode}</a>` : '—'}
        </td>
        <td>${m.kind}</td>
        <td>${m.action}</td>
      </tr>`,
  );
  const counts = [
    L.toPush(plan.push.length, batches),
    L.manual(plan.manual.length),
    L.already(plan.alreadyRepaired.length),
    L.notStored(plan.notStored.length),
    L.leftOver(plan.leftOver),
  ];
  const form = plan.push.length
    ? html`<form method="post" action="${repairHref(ctx, plan.runId, filters)}">
        <input type="hidden" name="confirm" value="yes" /><button type="submit">${L.confirm(plan.push.length)}</button>
      </form>`
    : html`<p class="empty">${L.nothing}</p>`;
  const body = html`<h1>${L.planOf(plan.runId)}</h1>
    <p class="sub">${L.help} <a href="${runHref(ctx, plan.runId)}">${plan.runId}</a></p>
    <div class="card">
      <p id="plan-counts">${counts.join(' · ')}</p>
      ${form}
    </div>
    ${table('plan-push', [C.province, C.agency, C.dossier, C.kind, C.as], push)}
    ${table('plan-manual', [C.province, C.agency, C.dossier, C.kind, C.action], manual)}`;
  return layout(ctx, L.planOf(plan.runId), null, body);
}

/** The records of pushed dossiers, as a section of the run page (with `runId`: the repair link) or the dossier page. */
export function repairRecordsSection(
  ctx: PageContext,
  records: RepairRecord[],
  opts: { runId?: string; notice?: string } = {},
): Html {
  const L = LABELS[ctx.lang];
  const C = L.cols;
  const result = (r: RepairRecord) =>
    `${r.outcome}${r.code && r.code !== '0' ? ` ${r.code}` : ''}${r.message ? `: ${r.message}` : ''}${r.resent ? ` (${L.resent})` : ''}`;
  const rows = records.map(
    (r) =>
      html`<tr>
        <td><a class="mono" href="${runHref(ctx, r.runId)}">${r.runId}</a></td>
        <td><a class="mono" href="${dossierHref(ctx, r.dossierCode)}">${r.dossierCode}</a></td>
        <td>${r.kind}</td>
        <td>${r.sent ? (r.sent.isUpdate ? L.asUpdate : L.asNew) : '—'}</td>
        <td>${r.by}</td>
        <td>${vnTime(r.at)}</td>
        <td>${result(r)}</td>
        <td>${r.verification ? `${r.verification.status} (${r.verification.runId})` : '—'}</td>
      </tr>`,
  );
  return html`<section class="card" id="repairs">
    ${opts.notice ? html`<p class="notice">${opts.notice}</p>` : null}${
      opts.runId ? html`<p><a href="${repairHref(ctx, opts.runId)}">${L.repair}</a></p>` : null
    }${
      records.length
        ? html`<table>
            <thead>
              <tr>
                <th>${C.run}</th>
                <th>${C.dossier}</th>
                <th>${C.kind}</th>
                <th>${C.as}</th>
                <th>${C.by}</th>
                <th>${C.at}</th>
                <th>${C.result}</th>
                <th>${C.check}</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
        : html`<p class="empty">${L.noRecords}</p>`
    }
  </section>`;
}

/** The run page's section of the dossiers its repair pushed (last), with `notice` after a repair was queued. */
export function repairRunSection(records: RepairRecord[], notice?: (lang: Lang) => string): RunSection {
  return {
    heading: (L) => `${L.repairs} (${records.length})`,
    render: (ctx, r) => repairRecordsSection(ctx, records, { runId: r.runId, notice: notice?.(ctx.lang) }),
  };
}

/** A dossier page's section of its pushes to the portal. */
export function repairDossierSection(ctx: PageContext, records: RepairRecord[]): Html {
  return html`<h2>${PAGE_LABELS[ctx.lang].repairs} (${records.length})</h2>
    ${repairRecordsSection(ctx, records)}`;
}

/** The notice after a repair was queued from the dashboard. */
export const queuedNotice = (lang: Lang, batches: number) => LABELS[lang].queued(batches);
