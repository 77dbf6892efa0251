import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { isRetriable, mapLimit, withRetry } from './retry.js';

describe('withRetry', () => {
  it('should retry a network error or a 5xx up to three tries, then give up', async () => {
    let calls = 0;
    const retried: number[] = [];
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new ApiError(503, 'busy');
        },
        { baseDelayMs: 1, onRetry: (_error, attempt) => retried.push(attempt) },
      ),
    ).rejects.toThrow('server said 503: busy');
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('should give back the first success', async () => {
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 2) throw new TypeError('fetch failed');
      return 'sent';
    }, { baseDelayMs: 1 });
    expect(value).toBe('sent');
    expect(calls).toBe(2);
  });

  it('should not retry a 4xx', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new ApiError(403, 'signature expired');
    }, { baseDelayMs: 1 })).rejects.toThrow(/403/);
    expect(calls).toBe(1);
    expect(isRetriable(new ApiError(429, 'slow down'))).toBe(true);
    expect(isRetriable(new Error('bug'))).toBe(false);
  });
});

describe('mapLimit', () => {
  it('should keep input order and never run more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimit([30, 10, 20, 5, 1], 2, async (ms, index) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return index;
    });
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('should start nothing new after a failure', async () => {
    const started: number[] = [];
    await expect(mapLimit([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('part 2 failed');
    })).rejects.toThrow('part 2 failed');
    expect(started).toEqual([1, 2]);
  });
});
