/**
 * A KafkaSource (knative-semantics.md §6.1) on the runtime's Kafka: its own consumer group on
 * its topics, plain records turned into `dev.knative.kafka.event`, delivery with its retries and
 * dead-letter sink, replies discarded. Only the real mode runs it: the topic is fed by MinIO.
 */
import type { BrokerBackend, Subscription } from '../broker/backend.js';
import { kafkaSourceWrapper } from '../broker/kafka-source-record.js';
import type { DeliverySpec, Destination, KafkaSource } from '../manifests/schema.js';
import { mergeDelivery } from './delivery.js';
import { startTriggerDispatcher, type DeliveryReport } from './dispatcher.js';

export interface KafkaSourceContext {
  readonly namespace: string;
  readonly backend: BrokerBackend;
  readonly resolve: (destination: Destination) => string;
  readonly report: (report: DeliveryReport) => void;
  /** Test runs: a group of their own (suffixed), starting at the log end. */
  readonly isolated: boolean;
  readonly delivery?: Partial<DeliverySpec>;
}

export async function startKafkaSource(source: KafkaSource, context: KafkaSourceContext): Promise<Subscription[]> {
  const { namespace, backend, isolated } = context;
  const name = source.metadata.name;
  const baseGroup = source.spec.consumerGroup ?? `knative-kafka-source-${namespace}-${name}`;
  const subscriptions: Subscription[] = [];
  for (const topic of source.spec.topics) {
    await backend.ensureTopic(topic, 3);
    subscriptions.push(
      await startTriggerDispatcher({
        name: `kafkasource/${name}`,
        namespace,
        topic,
        group: isolated ? `${baseGroup}.${namespace}` : baseGroup,
        ordering: source.spec.ordering,
        maxInFlight: 50,
        filter: () => true,
        subscriberUrl: context.resolve(source.spec.sink),
        policy: mergeDelivery({ ...source.spec.delivery, ...context.delivery }, undefined),
        backend,
        resolve: context.resolve,
        report: context.report,
        source: { wrapPlainRecord: kafkaSourceWrapper(namespace, name), fromBeginning: !isolated && source.spec.initialOffset === 'earliest' },
      }),
    );
  }
  return subscriptions;
}
