/**
 * Sends an alert to one configured webhook: the alert object as JSON, or a Slack-compatible
 * `{text}` message. The URL and token come from the environment when they are secrets.
 */
import type { AlertMessage } from '../../schemas/alert.js';
import type { WebhookConfig } from '../../schemas/config.js';
import type { HttpClient } from '../sources/http.js';
import { provinceLabel } from '../normalise/units.js';
import { PermanentError } from '../util/errors.js';

export function slackText(a: AlertMessage): string {
  if (a.type === 'incident') {
    const what = a.event === 'opened' ? 'New mismatch' : 'Mismatch worsened';
    const causes = Object.entries(a.findings).map(([k, n]) => `${k} ${n}`).join(', ') || 'no dossier-level finding yet';
    return (
      `*${what}* in ${provinceLabel(a.province)} (${a.period.from} .. ${a.period.to}): agency ${a.agency}` +
      `${a.procedure ? `, procedure ${a.procedure}` : ''}, ${a.metric}: local ${a.local}, national ${a.national}` +
      ` (gap ${a.national - a.local}). Causes: ${causes}. Run ${a.runId}.`
    );
  }
  const lines = a.provinces.map(
    (p) =>
      `• ${provinceLabel(p.province)}: ${p.coverage}${p.why ? ` (${p.why})` : ''}, ${p.mismatches} mismatches, ${p.findings} dossiers, ` +
      `incidents +${p.opened} opened, ${p.worsened} worsened, ${p.resolved} resolved`,
  );
  return [`*Reconciliation ${a.runId}* for ${a.period.from} .. ${a.period.to}`, ...lines].join('\n');
}

export function webhookUrl(w: WebhookConfig, env: NodeJS.ProcessEnv = process.env): string {
  const url = w.url ?? (w.urlEnv ? env[w.urlEnv] : undefined);
  if (!url) throw new PermanentError(`webhook ${w.name}: no URL (environment variable ${w.urlEnv} is not set)`);
  return url;
}

export async function sendAlert(http: HttpClient, w: WebhookConfig, alert: AlertMessage, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const body = w.kind === 'slack' ? { text: slackText(alert) } : alert;
  const token = w.tokenEnv ? env[w.tokenEnv] : undefined;
  await http.postJson(webhookUrl(w, env), body, token ? { authorization: `Bearer ${token}` } : {}, { expectJson: false });
}
