/** pino, with secrets and applicants' personal fields redacted wherever they appear. */
import { pino, type Logger } from 'pino';

export const REDACT = [
  'password', '*.password', 'session', '*.session', 'token', '*.token', 'access_token', '*.access_token',
  'client_secret', '*.client_secret', 'authorization', '*.authorization', '*.headers.authorization',
  'ChuHoSo', '*.ChuHoSo', 'SoDienThoai', '*.SoDienThoai', 'Email', '*.Email',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: opts.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'dossier-sync' } },
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}
