/**
 * Kafka names Knative derives from resources (config-kafka-features defaults,
 * knative-semantics.md §5.2), so that topics and groups look the same locally and in a cluster.
 */
import { InvalidNameError } from './backend-errors.js';

/** `brokers.topic.template`: `knative-broker-{{ .Namespace }}-{{ .Name }}`. */
export function brokerTopic(namespace: string, broker: string): string {
  return checkedTopic(`knative-broker-${namespace}-${broker}`);
}

/** `triggers.consumergroup.template`: `knative-trigger-{{ .Namespace }}-{{ .Name }}`. */
export function triggerGroup(namespace: string, trigger: string): string {
  return checked(`knative-trigger-${namespace}-${trigger}`, 'consumer group');
}

/** A KafkaSink writes to its `spec.topic` as given (no template). */
export function sinkTopic(spec: { readonly topic: string }): string {
  return checkedTopic(spec.topic);
}

const LEGAL = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;

function checkedTopic(name: string): string {
  if (name.length > MAX_TOPIC_LENGTH) throw new InvalidNameError('topic', name, `longer than ${MAX_TOPIC_LENGTH} characters`);
  return checked(name, 'topic');
}

function checked(name: string, kind: 'topic' | 'consumer group'): string {
  if (!LEGAL.test(name)) throw new InvalidNameError(kind, name, 'allowed characters are a-z A-Z 0-9 . _ -');
  return name;
}
