/**
 * Delivery settings and retry timing exactly as the Kafka broker computes them
 * (knative-semantics.md §3): trigger fields override the broker's field by field, 0 counts as
 * unset; backoff before retry k is d·k (linear) or d·2^k (exponential); 5xx, 404, 408, 409, 429
 * and network errors retry, any other status does not.
 */
import type { DeliverySpec, Destination } from '../manifests/schema.js';
import { parseIsoDuration } from '../durations.js';

export interface DeliveryPolicy {
  readonly retry: number;
  readonly backoffPolicy: 'linear' | 'exponential';
  readonly backoffDelayMs: number;
  readonly timeoutMs: number;
  readonly deadLetterSink: Destination | undefined;
}

/** Kafka broker defaults: backoffDelay 1 s when only retry is set, per-attempt timeout 600 s. */
const DEFAULT_BACKOFF_DELAY_MS = 1000;
const DEFAULT_TIMEOUT_MS = 600_000;

export function mergeDelivery(brokerDelivery: DeliverySpec | undefined, triggerDelivery: DeliverySpec | undefined): DeliveryPolicy {
  const pick = <K extends keyof DeliverySpec>(key: K): DeliverySpec[K] => {
    const fromTrigger = triggerDelivery?.[key];
    return fromTrigger !== undefined && fromTrigger !== 0 && fromTrigger !== '' ? fromTrigger : brokerDelivery?.[key];
  };
  const backoffPolicy = (triggerDelivery && Object.keys(triggerDelivery).length > 0 ? triggerDelivery.backoffPolicy ?? brokerDelivery?.backoffPolicy : brokerDelivery?.backoffPolicy) ?? 'exponential';
  const delay = pick('backoffDelay');
  const timeout = pick('timeout');
  return {
    retry: pick('retry') ?? 0,
    backoffPolicy,
    backoffDelayMs: delay ? requireDuration(delay, 'backoffDelay') : DEFAULT_BACKOFF_DELAY_MS,
    timeoutMs: timeout ? requireDuration(timeout, 'timeout') : DEFAULT_TIMEOUT_MS,
    deadLetterSink: pick('deadLetterSink'),
  };
}

function requireDuration(text: string, field: string): number {
  const ms = parseIsoDuration(text);
  if (ms === undefined) throw new Error(`delivery.${field}: expected an ISO-8601 duration such as PT0.5S, got "${text}"`);
  return ms;
}

/** Wait before retry number `k` (1-based). */
export function backoffMs(policy: Pick<DeliveryPolicy, 'backoffPolicy' | 'backoffDelayMs'>, k: number): number {
  return policy.backoffPolicy === 'linear' ? policy.backoffDelayMs * k : policy.backoffDelayMs * 2 ** k;
}

export function isRetriableStatus(status: number): boolean {
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}
