/**
 * The e-mail channel over TLS against a real SMTP server (smtp-server) on loopback, with a
 * certificate made for the test (openssl) that only the channel's `caFile` vouches for:
 * STARTTLS (the server refuses a login before it) and TLS from the start.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryAlert } from '../../schemas/alert.js';
import { channelConfig } from '../../schemas/config.js';
import { deliver } from '../../src/alerts/channels.js';
import { docOf, textOf } from '../../src/alerts/message.js';
import { startSmtp } from '../helpers/alert-servers.js';

const login = { user: 'tls-login', pass: 'tls-secret-51c0' };
const env = { SMTP_USER: login.user, SMTP_PASS: login.pass };
const alert: SummaryAlert = {
  type: 'summary',
  runId: 'r-tls',
  period: { from: '2026-10-01', to: '2026-10-31' },
  url: 'https://dsync.example/runs/r-tls',
  provinces: [
    {
      province: 'H49',
      coverage: 'complete',
      why: null,
      mismatches: 3,
      findings: 2,
      opened: 1,
      worsened: 0,
      resolved: 0,
      failedJobs: [],
    },
  ],
};
let dir: string;
let tls: { key: string; cert: string; caFile: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dossier-sync-smtp-'));
  const key = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    caFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  tls = { key: await readFile(key, 'utf8'), cert: await readFile(caFile, 'utf8'), caFile };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const channel = (port: number, mode: 'starttls' | 'implicit', caFile?: string) =>
  channelConfig.parse({
    name: 'mail',
    kind: 'email',
    host: '127.0.0.1',
    port,
    tls: mode,
    caFile,
    userEnv: 'SMTP_USER',
    passwordEnv: 'SMTP_PASS',
    from: 'ds@example.gov.vn',
    to: ['oncall@example.gov.vn'],
  });

describe('e-mail over TLS', () => {
  it.each(['starttls', 'implicit'] as const)(
    '%s: the mail arrives over an encrypted session, text and HTML',
    async (mode) => {
      const smtp = await startSmtp(login, { key: tls.key, cert: tls.cert, implicit: mode === 'implicit' });
      try {
        await deliver(channel(smtp.port, mode, tls.caFile), alert, { lang: 'en', env });
        expect(smtp.received).toHaveLength(1);
        const [mail] = smtp.received;
        expect(mail).toMatchObject({ secure: true, to: ['oncall@example.gov.vn'], subject: docOf(alert, 'en').title });
        expect(mail!.text.trim()).toBe(textOf(docOf(alert, 'en')));
        expect(mail!.html).toContain('<a href="https://dsync.example/runs/r-tls">Run r-tls</a>');
      } finally {
        await smtp.close();
      }
    },
  );

  it('refuses a server whose certificate nothing vouches for, and sends nothing', async () => {
    const smtp = await startSmtp(login, { key: tls.key, cert: tls.cert });
    try {
      const err = await deliver(channel(smtp.port, 'starttls'), alert, { lang: 'en', env }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/^alert channel mail: SMTP 127\.0\.0\.1: /);
      expect(err?.message).not.toContain(login.pass);
      expect(smtp.received).toEqual([]);
    } finally {
      await smtp.close();
    }
  });
});
