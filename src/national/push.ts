/**
 * The national push `DongBoHoSoMC` (docs/contracts.md, DongBoHoSoMC): dossiers in the
 * sync shape, at most 100 per call, each new (`isUpdate` false) or an update, answered item by
 * item. An item answered `EXISTS` is sent once more as an update, one answered `NOT_FOUND`
 * once more as new; any other code is a rejection, kept with its message.
 *
 * Only the fields of the sync shape the store holds are sent: the applicants' personal fields
 * (docs/domain.md, Personal data) are neither held nor required by the push, so none is
 * ever sent, and nothing of an item is logged but its code.
 */
import type { CanonicalDossier } from '../../schemas/dossier.js';
import { isSuccess } from '../../schemas/dvcqg.js';
import { PUSH_BATCH, pushReply, type PushItemResult } from '../../schemas/repair.js';
import { toDvcqgItem } from '../dialects/dvcqg/normalise.js';
import type { EnvelopeClient } from '../dialects/dvcqg/envelope.js';
import { TransientError } from '../util/errors.js';

export const PUSH_SERVICE = 'DongBoHoSoMC';

export interface PushItem {
  dossier: CanonicalDossier;
  isUpdate: boolean;
}

/** The item as the portal is sent it. */
export type PushedItem = Record<string, string | boolean>;

export interface PushOutcome {
  dossierCode: string;
  stored: boolean;
  /** The error code of the last send, as text ('0' when stored). */
  code: string;
  message: string | null;
  /** The item as last sent (its `isUpdate` says as what). */
  sent: PushedItem;
  /** Sent a second time, as the other kind, after `EXISTS` or `NOT_FOUND`. */
  resent: boolean;
}

/** A dossier in the sync shape with `isUpdate`: what DongBoHoSoMC is sent. */
export function pushItem(d: CanonicalDossier, isUpdate: boolean): PushedItem {
  return { ...toDvcqgItem(d), isUpdate };
}

export class PushClient {
  /** Items sent so far (a resend counts again). */
  sent = 0;

  constructor(private readonly envelope: EnvelopeClient) {}

  /**
   * Pushes the dossiers under `madonvi` (the province's root agency), PUSH_BATCH per call, and
   * returns one outcome per dossier, in order. Codes must be distinct.
   */
  async push(madonvi: string, items: PushItem[]): Promise<PushOutcome[]> {
    const out: PushOutcome[] = [];
    for (let i = 0; i < items.length; i += PUSH_BATCH)
      out.push(...(await this.pushBatch(madonvi, items.slice(i, i + PUSH_BATCH))));
    return out;
  }

  private async pushBatch(madonvi: string, items: PushItem[]): Promise<PushOutcome[]> {
    const first = await this.send(madonvi, items);
    // the other kind, once: EXISTS for a new item, NOT_FOUND for an update
    const again = items.filter((it, i) => String(first[i]!.error_code) === (it.isUpdate ? 'NOT_FOUND' : 'EXISTS'));
    const second = again.length
      ? await this.send(
          madonvi,
          again.map((it) => ({ ...it, isUpdate: !it.isUpdate })),
        )
      : [];
    const resentAt = new Map(again.map((it, i) => [it.dossier.code, i]));
    return items.map((it, i) => {
      const j = resentAt.get(it.dossier.code);
      const result = j === undefined ? first[i]! : second[j]!;
      const code = String(result.error_code);
      return {
        dossierCode: it.dossier.code,
        stored: isSuccess(result.error_code),
        code: isSuccess(result.error_code) ? '0' : code,
        message: isSuccess(result.error_code) ? null : (result.message ?? null),
        sent: pushItem(it.dossier, j === undefined ? it.isUpdate : !it.isUpdate),
        resent: j !== undefined,
      };
    });
  }

  /** One call; the results in the order of the items (matched by code). */
  private async send(madonvi: string, items: PushItem[]): Promise<PushItemResult[]> {
    this.sent += items.length;
    const reply = await this.envelope.call(madonvi, PUSH_SERVICE, {
      data: items.map((it) => pushItem(it.dossier, it.isUpdate)),
    });
    const parsed = pushReply.safeParse(reply);
    if (!parsed.success) throw new TransientError(`national: ${PUSH_SERVICE}: reply has no per-item result list`);
    const byCode = new Map(parsed.data.result.map((r) => [r.MaHoSo, r]));
    return items.map((it) => {
      const r = byCode.get(it.dossier.code);
      // an item the reply does not answer: the job tries again (a look-up first tells whether it was stored)
      if (!r) throw new TransientError(`national: ${PUSH_SERVICE}: no result for an item of ${items.length}`);
      return r;
    });
  }
}
