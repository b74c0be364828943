/** Sends one alert to one webhook; the HTTP client retries transient failures, the job's attempts the rest. */
import { UnrecoverableError } from 'bullmq';
import { sendAlertPayload } from '../schemas/jobs.js';
import { sendAlert } from '../src/alerts/webhook.js';
import { HttpClient } from '../src/sources/http.js';
import { defineJob } from './context.js';

export const sendAlertJob = defineJob({
  name: 'send-alert',
  payload: sendAlertPayload,
  async handler({ webhook, alert }, ctx) {
    const w = ctx.config.alerts.webhooks.find((x) => x.name === webhook);
    if (!w) throw new UnrecoverableError(`no webhook "${webhook}" in the configuration`);
    const http = new HttpClient({ name: `webhook ${w.name}`, timeoutMs: 10_000, retries: 3, logger: ctx.logger, signal: ctx.signal });
    await sendAlert(http, w, alert);
    if (alert.type === 'incident') await ctx.incidents.markAlerted(alert.key, ctx.clock());
    return { sent: alert.type };
  },
});
