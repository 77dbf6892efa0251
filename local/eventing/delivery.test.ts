import { describe, expect, it } from 'vitest';
import { backoffMs, isRetriableStatus, mergeDelivery } from './delivery.js';

describe('delivery policy (knative-semantics.md §3)', () => {
  it('should take trigger fields over the broker field by field, 0 counting as unset', () => {
    const broker = { retry: 6, backoffPolicy: 'exponential' as const, backoffDelay: 'PT0.5S', timeout: 'PT2M', deadLetterSink: { uri: 'http://dls' } };
    expect(mergeDelivery(broker, { retry: 0, timeout: 'PT10S' })).toEqual({ retry: 6, backoffPolicy: 'exponential', backoffDelayMs: 500, timeoutMs: 10_000, deadLetterSink: { uri: 'http://dls' } });
    expect(mergeDelivery(broker, { retry: 2, backoffPolicy: 'linear' })).toMatchObject({ retry: 2, backoffPolicy: 'linear', backoffDelayMs: 500 });
  });

  it('should default like the Kafka broker: exponential, 1 s delay, 600 s timeout, no retries or sink without delivery', () => {
    expect(mergeDelivery(undefined, undefined)).toEqual({ retry: 0, backoffPolicy: 'exponential', backoffDelayMs: 1000, timeoutMs: 600_000, deadLetterSink: undefined });
    expect(mergeDelivery(undefined, { retry: 3 }).backoffDelayMs).toBe(1000);
  });

  it('should reject a backoffDelay that is not ISO-8601', () => {
    expect(() => mergeDelivery({ backoffDelay: '1s' }, undefined)).toThrow(/ISO-8601/);
  });

  it('should wait d·k (linear) or d·2^k (exponential) before retry k', () => {
    expect([1, 2, 3].map((k) => backoffMs({ backoffPolicy: 'linear', backoffDelayMs: 200 }, k))).toEqual([200, 400, 600]);
    expect([1, 2, 3].map((k) => backoffMs({ backoffPolicy: 'exponential', backoffDelayMs: 200 }, k))).toEqual([400, 800, 1600]);
  });

  it('should retry 5xx, 404, 408, 409, 429 and nothing else', () => {
    expect([500, 502, 503, 504, 404, 408, 409, 429].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 405, 413, 422, 301].some(isRetriableStatus)).toBe(false);
  });
});
