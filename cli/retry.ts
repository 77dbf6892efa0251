/** Retries what a retry can fix: network errors and 5xx/408/429; a 4xx fails at once. */
import { ApiError } from './api.js';

export interface RetryOptions {
  readonly tries?: number;
  readonly baseDelayMs?: number;
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof ApiError) return error.retriable;
  // fetch rejects with a TypeError ("fetch failed") for refused or reset connections.
  return error instanceof TypeError || (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET';
}

export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const tries = options.tries ?? 3;
  const base = options.baseDelayMs ?? 500;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= tries || !isRetriable(error)) throw error;
      options.onRetry?.(error, n);
      // Exponential backoff with jitter: 0.5s, 1s, … each ±50%.
      const delay = base * 2 ** (n - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Runs `work` on every item with at most `limit` at once; results in input order; the first failure stops the rest from starting. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        next = items.length; // no new work after a failure; what is under way finishes
        throw error;
      }
    }
  });
  await Promise.all(workers);
  return results;
}
