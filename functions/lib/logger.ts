import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; one line per event handled (see cloudevent-endpoint.ts). */
export function createLogger(options: { level: string; service: string; revision?: string; instance?: string }): Logger {
  return pino({
    level: options.level,
    base: { service: options.service, revision: options.revision, instance: options.instance },
    redact: { paths: ['*.secretKey', '*.accessKey', '*.password', 'headers.authorization'], censor: '[redacted]' },
  });
}
