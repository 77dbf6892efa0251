/**
 * EventBus: how a function that is not itself triggered by an event (upload) puts events on the
 * broker. On Knative that is an HTTP POST of a binary-mode CloudEvent to `K_SINK` (the broker
 * ingress); functions never see Kafka.
 */
import { HTTP, type CloudEvent } from 'cloudevents';
import { BrokerUnavailableError, InvalidEventError } from './errors.js';

export interface EventBus {
  publish(event: CloudEvent<unknown>): Promise<void>;
}

export interface HttpEventBusOptions {
  /** Per attempt. */
  readonly attemptTimeoutMs?: number;
  /** How long a retriable failure (broker down, 5xx) is retried before giving up. */
  readonly retryForMs?: number;
}

/**
 * Posts binary-mode events to the broker ingress. A broker that is briefly away (Kafka
 * restarting answers 503) is retried with capped exponential backoff, so a short outage makes
 * uploads slower rather than failed; a 400/413 is final.
 */
export function createHttpEventBus(sinkUrl: string, options: HttpEventBusOptions = {}): EventBus {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  const retryForMs = options.retryForMs ?? 30_000;
  return {
    async publish(event) {
      const message = HTTP.binary(event);
      const deadline = Date.now() + retryForMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await postOnce(sinkUrl, event.id, message, attemptTimeoutMs);
          return;
        } catch (error) {
          const retriable = error instanceof BrokerUnavailableError;
          const wait = Math.min(2000, 50 * 2 ** attempt);
          if (!retriable || Date.now() + wait > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    },
  };
}

async function postOnce(sinkUrl: string, id: string, message: { headers: unknown; body: unknown }, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(sinkUrl, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new BrokerUnavailableError(`Broker ingress ${sinkUrl} unreachable: ${(error as Error).message}`, { cause: error });
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.status >= 200 && response.status < 300) return;
  if (response.status === 400 || response.status === 413) {
    throw new InvalidEventError(`Broker ingress rejected event ${id} with ${response.status}`);
  }
  throw new BrokerUnavailableError(`Broker ingress ${sinkUrl} answered ${response.status} for event ${id}`);
}

/** In-process bus for unit tests and tools: keeps what was published, in order. */
export function createMemoryEventBus(): EventBus & { readonly published: CloudEvent<unknown>[] } {
  const published: CloudEvent<unknown>[] = [];
  return {
    published,
    async publish(event) {
      published.push(event);
    },
  };
}
