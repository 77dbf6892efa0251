import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { InfraError } from './errors.js';

export class WaitTimeoutError extends InfraError {}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Used in the timeout message: "timed out after 60s waiting for <description>". */
  description?: string;
  /** Checked before each attempt; a returned string aborts the wait with that reason. */
  abortIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a value other than undefined, or the deadline passes.
 * The interval only spaces out attempts; each attempt is a real check of the condition.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abortReason = options.abortIf?.();
    if (abortReason) throw new InfraError(abortReason);
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new WaitTimeoutError(`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${what}${why}`);
    }
    await delay(options.intervalMs ?? 250);
  }
}

/** True when something accepts TCP connections on host:port. */
export function isPortAnswering(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|::1)$/;

/** The infra only ever listens on loopback. */
export function assertLoopback(host: string, what: string): void {
  if (!LOOPBACK.test(host)) throw new InfraError(`${what} must be a loopback address (127.x.x.x, localhost, ::1), got "${host}"`);
}
