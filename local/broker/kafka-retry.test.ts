import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isTransientKafkaError, retryWhileTransient } from './kafka-retry.js';

/** kafkajs builds protocol errors from its error-code table this way; its typings declare only the Error form. */
const protocolError = (spec: { type: string; code: number; retriable: boolean; message: string }) => new KafkaJSProtocolError(spec as unknown as Error);
const notCoordinator = () => protocolError({ type: 'NOT_COORDINATOR', code: 16, retriable: true, message: 'This is not the correct coordinator for this group' });
const invalidConfig = () => protocolError({ type: 'INVALID_CONFIG', code: 40, retriable: false, message: 'Configuration is invalid' });

describe('retryWhileTransient', () => {
  it('should retry a retriable Kafka error until the call succeeds', async () => {
    let calls = 0;
    const result = await retryWhileTransient(async () => {
      calls += 1;
      if (calls < 3) throw notCoordinator();
      return 'done';
    }, { timeoutMs: 5_000 });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('should rethrow a non-retriable error at once', async () => {
    let calls = 0;
    await expect(retryWhileTransient(async () => {
      calls += 1;
      throw invalidConfig();
    }, { timeoutMs: 5_000 })).rejects.toThrow('Configuration is invalid');
    expect(calls).toBe(1);
  });

  it('should give up with the last error once the deadline has passed', async () => {
    let calls = 0;
    await expect(retryWhileTransient(async () => {
      calls += 1;
      throw notCoordinator();
    }, { timeoutMs: 200 })).rejects.toThrow('not the correct coordinator');
    expect(calls).toBeGreaterThan(1);
  });

  it('should see a retriable cause behind kafkajs giving up on its own retries', () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(notCoordinator(), { retryCount: 5, retryTime: 100 });
    expect(isTransientKafkaError(exhausted)).toBe(true);
    expect(isTransientKafkaError(new KafkaJSNumberOfRetriesExceeded(invalidConfig(), { retryCount: 5, retryTime: 100 }))).toBe(false);
    expect(isTransientKafkaError(new Error('plain'))).toBe(false);
  });
});
