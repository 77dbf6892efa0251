/**
 * One Trigger's dispatcher: its own consumer group on the broker's topic, the filter, delivery
 * with retries and backoff, replies written back to the broker, and the dead-letter sink with
 * knativeerrordest/code/data when delivery gives up (knative-semantics.md §3–§4).
 */
import type { BrokerBackend, DeliveredRecord, StoredEvent, Subscription } from '../broker/backend.js';
import type { PlainRecordWrapper } from '../broker/kafka-source-record.js';
import type { Destination } from '../manifests/schema.js';
import { backoffMs, type DeliveryPolicy } from './delivery.js';
import type { EventFilter } from './filters.js';
import { sendEvent, type AttemptResult } from './send.js';

export interface DeliveryReport {
  readonly trigger: string;
  readonly event: StoredEvent;
  readonly outcome: 'delivered' | 'dead-lettered' | 'dropped';
  readonly attempts: number;
  readonly status: number | undefined;
  readonly reply: string | undefined;
  readonly reason: string | undefined;
  readonly ms: number;
}

export interface TriggerDispatcherOptions {
  readonly name: string;
  readonly namespace: string;
  readonly topic: string;
  readonly group: string;
  readonly ordering: 'ordered' | 'unordered';
  readonly maxInFlight: number;
  readonly filter: EventFilter;
  readonly subscriberUrl: string;
  readonly policy: DeliveryPolicy;
  readonly backend: BrokerBackend;
  readonly resolve: (destination: Destination) => string;
  readonly report: (report: DeliveryReport) => void;
  /** 2 = every matching record is delivered twice at once (a duplicate storm, for exactly-once tests). */
  readonly copies?: number;
  /** A KafkaSource: replies are discarded (knative-semantics.md §6.1), plain records become events, a new group may start at the earliest offset. */
  readonly source?: { readonly wrapPlainRecord: PlainRecordWrapper; readonly fromBeginning: boolean };
}

/** Knative caps knativeerrordata at the first 1024 bytes of the response body. */
const ERROR_DATA_MAX_BYTES = 1024;

export function startTriggerDispatcher(options: TriggerDispatcherOptions): Promise<Subscription> {
  const { backend, policy } = options;
  const deliver = async (url: string, event: StoredEvent) => {
    let attempts = 0;
    for (;;) {
      const result = await sendEvent(url, event, { namespace: options.namespace, timeoutMs: policy.timeoutMs });
      attempts++;
      if (result.ok || !result.retriable || attempts > policy.retry) return { result, attempts };
      await new Promise((resolve) => setTimeout(resolve, backoffMs(policy, attempts)));
    }
  };

  let closing = false;
  const subscription = backend.subscribe(
    {
      topic: options.topic,
      group: options.group,
      ordering: options.ordering,
      maxInFlight: options.maxInFlight,
      ...(options.source ? { wrapPlainRecord: options.source.wrapPlainRecord, fromBeginning: options.source.fromBeginning } : {}),
    },
    async (record: DeliveredRecord) => {
      if (!options.filter(record.event)) return;
      await Promise.all(Array.from({ length: options.copies ?? 1 }, () => handleRecord(record.event)));
    },
  );
  async function handleRecord(event: StoredEvent): Promise<void> {
    const started = Date.now();
    const { result, attempts } = await deliver(options.subscriberUrl, event);
    let failure: Extract<AttemptResult, { ok: false }> | undefined = result.ok ? undefined : result;
    if (result.ok && result.reply && !options.source) {
      try {
        await publishPatiently(backend, options.topic, result.reply, () => closing);
      } catch (error) {
        if (closing) throw error; // unsettled: redelivered after the restart
        failure = { ok: false, status: result.status, body: undefined, retriable: false, reason: `storing the reply failed: ${(error as Error).message}` };
      }
    }
    const base = { trigger: options.name, event, attempts, ms: Date.now() - started };
    if (!failure) {
      options.report({ ...base, outcome: 'delivered', status: result.status, reply: result.ok ? result.reply?.type : undefined, reason: undefined });
      return;
    }
    const sink = policy.deadLetterSink;
    if (!sink) {
      options.report({ ...base, outcome: 'dropped', status: failure.status, reply: undefined, reason: `${failure.reason}; no dead-letter sink` });
      return;
    }
    const dead = deadLetter(event, options.subscriberUrl, failure);
    const sinkResult = await deliver(options.resolve(sink), dead);
    options.report({
      ...base,
      outcome: sinkResult.result.ok ? 'dead-lettered' : 'dropped',
      status: failure.status,
      reply: undefined,
      reason: sinkResult.result.ok ? failure.reason : `${failure.reason}; the dead-letter sink failed too`,
    });
  }
  return subscription.then((inner) => ({
    close: () => {
      closing = true;
      return inner.close();
    },
  }));
}

/**
 * Storing a reply while Kafka is away: keep trying (capped backoff) rather than dead-letter a
 * healthy event; the record stays unsettled meanwhile, so a restart redelivers it.
 */
async function publishPatiently(backend: BrokerBackend, topic: string, event: StoredEvent, closing: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await backend.publish(topic, event);
      return;
    } catch (error) {
      if (closing() || (error as { retriable?: boolean }).retriable === false) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}

export function deadLetter(event: StoredEvent, destination: string, failure: Extract<AttemptResult, { ok: false }>): StoredEvent {
  const extensions: Record<string, string> = { knativeerrordest: destination };
  if (failure.status !== undefined) extensions['knativeerrorcode'] = String(failure.status);
  if (failure.body && failure.body.length > 0) extensions['knativeerrordata'] = failure.body.subarray(0, ERROR_DATA_MAX_BYTES).toString('base64');
  return { ...event, ...extensions } as StoredEvent;
}
