/**
 * pino, with secrets and applicants' personal fields redacted wherever they appear:
 * readable lines (pino-pretty) in a terminal, JSON lines otherwise.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export const REDACT = [
  'password',
  '*.password',
  'session',
  '*.session',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'client_secret',
  '*.client_secret',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'ChuHoSo',
  '*.ChuHoSo',
  'SoDienThoai',
  '*.SoDienThoai',
  'Email',
  '*.Email',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'dossier-sync' },
  };
  const out = opts.destination ?? process.stderr;
  const terminal = !opts.destination && process.stderr.isTTY;
  return pino(
    options,
    terminal ? pretty({ destination: 2, colorize: true, ignore: 'pid,hostname,app' }) : (out as pino.DestinationStream),
  );
}
