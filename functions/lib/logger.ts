import { writeSync } from 'node:fs';
import type { Logger as PinoLogger } from 'pino';

export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

/** The part of pino's logger the functions use (a pino logger is one). */
export interface Logger {
  readonly level: string;
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];
const REDACTED = new Set(['secretkey', 'accesskey', 'password', 'authorization']);
const VALUES: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity };

/**
 * JSON logs on stdout (pino); one line per event handled (see http/function-app.ts).
 *
 * pino itself is loaded at the first line logged, after the tick that logged it: a function's
 * first log line comes after its first response is sent, so the ~20 ms pino takes to load is
 * not part of a cold start. Lines logged meanwhile are queued and written in order; if the
 * process exits first they are written as plain JSON lines.
 */
export function createLogger(options: { level: string; service: string; revision?: string; instance?: string }): Logger {
  const threshold = VALUES[options.level] ?? VALUES['info']!;
  const base = { service: options.service, revision: options.revision, instance: options.instance };
  let real: PinoLogger | undefined;
  const queue: { level: Level; args: unknown[]; time: number }[] = [];
  let loading = false;

  const flushOnExit = () => {
    for (const { level, args, time } of queue.splice(0)) {
      const [first, second] = args;
      const fields = typeof first === 'object' && first !== null ? first : {};
      const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : undefined;
      try {
        const censor = (key: string, value: unknown) => (REDACTED.has(key.toLowerCase()) ? '[redacted]' : value);
        writeSync(1, `${JSON.stringify({ level: VALUES[level], time, ...base, ...fields, msg }, censor)}\n`);
      } catch {
        // stdout is gone
      }
    }
  };

  const load = () => {
    import('pino').then(
      ({ pino }) => {
        real = pino({
          level: options.level,
          base,
          redact: { paths: ['*.secretKey', '*.accessKey', '*.password', 'headers.authorization'], censor: '[redacted]' },
        });
        process.off('exit', flushOnExit);
        for (const { level, args } of queue.splice(0)) (real[level] as (...a: unknown[]) => void)(...args);
      },
      () => flushOnExit(),
    );
  };

  const logger = { level: options.level } as { -readonly [K in keyof Logger]: Logger[K] };
  for (const level of LEVELS) {
    logger[level] = ((...args: unknown[]) => {
      if (VALUES[level]! < threshold) return;
      if (real) {
        (real[level] as (...a: unknown[]) => void)(...args);
        return;
      }
      if (queue.length === 0) {
        process.once('exit', flushOnExit);
        if (!loading) {
          loading = true;
          setImmediate(load);
        }
      }
      queue.push({ level, args, time: Date.now() });
    }) as LogFn;
  }
  return logger;
}
