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

export function createHttpEventBus(sinkUrl: string, options: { timeoutMs?: number } = {}): EventBus {
  return {
    async publish(event) {
      const message = HTTP.binary(event);
      let response: Response;
      try {
        response = await fetch(sinkUrl, {
          method: 'POST',
          headers: message.headers as Record<string, string>,
          body: message.body as string,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new BrokerUnavailableError(`Broker ingress ${sinkUrl} unreachable: ${(error as Error).message}`, { cause: error });
      }
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return;
      if (response.status === 400 || response.status === 413) {
        throw new InvalidEventError(`Broker ingress rejected event ${event.id} with ${response.status}`);
      }
      throw new BrokerUnavailableError(`Broker ingress ${sinkUrl} answered ${response.status} for event ${event.id}`);
    },
  };
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
