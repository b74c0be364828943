/** Sends one message to one channel; the channel's client retries transient failures, the job's attempts the rest. */
import { UnrecoverableError } from 'bullmq';
import { sendAlertPayload } from '../schemas/jobs.js';
import { deliver } from '../src/alerts/channels.js';
import { defineJob } from '../src/queue/context.js';

export const sendAlertJob = defineJob({
  name: 'send-alert',
  payload: sendAlertPayload,
  async handler({ channel: name, alert }, ctx) {
    const channel = ctx.config.alerts.channels.find((x) => x.name === name);
    if (!channel) throw new UnrecoverableError(`no alert channel "${name}" in the configuration`);
    // A message sent in parts (Telegram) records the parts delivered, so that a retry sends only the rest.
    const done = (ctx.job.progress as { parts?: number } | undefined)?.parts ?? 0;
    const parts = await deliver(channel, alert, {
      lang: ctx.config.alerts.lang,
      logger: ctx.logger,
      signal: ctx.signal,
      skipParts: done,
      onPart: (n) => ctx.job.updateProgress({ parts: n }),
    });
    return { sent: alert.type, channel: channel.kind, parts };
  },
});
