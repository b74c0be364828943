/** Alerts a command's run planned, sent before the command exits: `--alerts-wait` and the wait itself. */
import type { Command } from 'commander';
import { awaitAlerts, deliveryLine } from '../queue/delivery.js';
import type { Runtime } from '../queue/runtime.js';
import { positiveInt } from './options.js';

export function addAlertsWait(cmd: Command): Command {
  return cmd.option('--alerts-wait <seconds>', 'how long to wait for the alerts to be sent before exiting', '60');
}

/** Waits for these alert jobs to go out (what the wait leaves is for a worker) and says how it went. */
export async function sendAlerts(rt: Runtime, alerts: string[], alertsWait: string): Promise<void> {
  if (alerts.length === 0) return;
  const delivery = await awaitAlerts(
    rt.queue,
    await rt.events(),
    alerts,
    positiveInt('--alerts-wait', alertsWait) * 1000,
  );
  process.stderr.write(`${deliveryLine(delivery)}\n`);
  if (delivery.failed || delivery.retrying) process.exitCode ||= 1;
}
