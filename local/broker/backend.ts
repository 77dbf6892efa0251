/**
 * The storage side of a Knative broker: an append-only, partitioned log per topic, read by
 * consumer groups (one per Trigger). The dispatcher (filters, retries, dead letters, replies)
 * sits above this port and is the same for every backend; a backend only stores and hands out
 * records, in the Kafka broker's layout (knative-semantics.md §5.3).
 */
import type { CloudEventV1 } from 'cloudevents';
import type { PlainRecordWrapper } from './kafka-source-record.js';

/** A CloudEvent as stored in the log: context attributes + extensions, and its data. */
export type StoredEvent = CloudEventV1<unknown>;

export interface DeliveredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly event: StoredEvent;
}

export interface SubscribeOptions {
  readonly topic: string;
  /** Consumer group, e.g. `knative-trigger-<ns>-<trigger>`; its committed offsets survive restarts. */
  readonly group: string;
  /** `ordered`: one record at a time per partition; `unordered`: up to maxInFlight at once. */
  readonly ordering: 'ordered' | 'unordered';
  /** Records handed out but not yet settled, per subscription (Knative: max.poll.records = 50). */
  readonly maxInFlight: number;
  /**
   * Where a group with no committed offset starts. Knative triggers start at `latest`
   * (knative-semantics.md §5.3); `earliest` is for tools such as the dead-letter list.
   */
  readonly fromBeginning?: boolean;
  /**
   * Records that are not CloudEvents (written by something other than a broker, e.g. MinIO's
   * notifications) are skipped unless this turns them into one (a KafkaSource's job).
   */
  readonly wrapPlainRecord?: PlainRecordWrapper;
}

/**
 * Called once per record. The returned promise settles when the record's outcome is final
 * (delivered, or dead-lettered, or dropped); only then may the backend commit its offset.
 * A rejection means "not settled": the record is handed out again after a restart.
 */
export type RecordHandler = (record: DeliveredRecord) => Promise<void>;

export interface Subscription {
  /** Stops handing out records; waits for in-flight handlers; commits what settled. */
  close(): Promise<void>;
}

export interface BrokerBackend {
  readonly name: 'memory' | 'kafka';
  /** Creates the topic if missing (idempotent). */
  ensureTopic(topic: string, partitions: number): Promise<void>;
  /**
   * Durably appends one event. Resolves only once stored (Kafka: acks=all). The record key is
   * the `partitionkey` extension when present, otherwise records spread over partitions.
   */
  publish(topic: string, event: StoredEvent): Promise<void>;
  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription>;
  /** Reads a whole topic from the beginning without a consumer group (for listing dead letters). */
  readAll(topic: string): Promise<DeliveredRecord[]>;
  close(): Promise<void>;
}
