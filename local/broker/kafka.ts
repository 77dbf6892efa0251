/**
 * BrokerBackend on a real Kafka (kafkajs), writing and reading records in the Knative Kafka
 * broker's binary CloudEvents layout, with the data plane's producer settings
 * (acks=all, no idempotence, no auto-created topics; knative-semantics.md §5.2).
 */
import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, type LogEntry, Partitioners, type Producer, logLevel } from 'kafkajs';
import pino from 'pino';
import type { BrokerBackend, DeliveredRecord, RecordHandler, StoredEvent, SubscribeOptions, Subscription } from './backend.js';
import {
  BackendClosedError,
  PublishFailedError,
  ReadAllFailedError,
  RecordDecodeError,
  TopicNotFoundError,
  messageOf,
} from './backend-errors.js';
import { retryWhileTransient } from './kafka-retry.js';
import { CONSUMER_TUNING, openKafkaSubscription } from './kafka-subscription.js';
import { type BackendLogger, validateSubscribeOptions } from './partition-dispatcher.js';
import { decodeRecord, encodeEvent } from './record-codec.js';

export interface KafkaBackendOptions {
  readonly brokers: string[];
  readonly clientId?: string;
  /** Receives kafkajs's own warnings and errors (at warn) and the backend's. */
  readonly log?: BackendLogger;
  /** How long a subscription's close() waits for in-flight handlers. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** How long subscribe()/readAll() wait to join their consumer group. Default 30 s. */
  readonly joinTimeoutMs?: number;
  /**
   * How often settled offsets are committed: Knative's data plane commits every
   * `auto.commit.interval.ms` (5 s, knative-semantics.md §5.3), and on close and rebalance.
   */
  readonly commitIntervalMs?: number;
}

export function createKafkaBackend(options: KafkaBackendOptions): BrokerBackend {
  return new KafkaBackend(options);
}

class KafkaBackend implements BrokerBackend {
  readonly name = 'kafka';
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly log: BackendLogger;
  private readonly joinTimeoutMs: number;
  private connecting: Promise<void> | undefined;
  /** Topics seen to exist; the others are looked up so that a missing one fails fast. */
  private readonly knownTopics = new Set<string>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(private readonly options: KafkaBackendOptions) {
    this.log = options.log ?? pino({ level: 'warn' });
    this.joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'knative-file-pipeline',
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => forwardKafkaLog(this.log, entry),
    });
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    await this.ready();
    if (await this.topicExists(topic)) return; // spares kafkajs's error log for TOPIC_ALREADY_EXISTS
    const transient = { timeoutMs: this.joinTimeoutMs };
    try {
      await retryWhileTransient(() => this.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false }), transient);
    } catch (error) {
      if (!isTopicAlreadyExists(error)) throw error;
    }
    await retryWhileTransient(() => this.requireLeaders(topic), transient);
    this.knownTopics.add(topic);
  }

  async publish(topic: string, event: StoredEvent): Promise<void> {
    const record = encodeEvent(event);
    await this.ready();
    await this.requireTopic(topic);
    try {
      await this.producer.send({ topic, acks: -1, messages: [{ key: record.key, value: record.value, headers: { ...record.headers } }] });
    } catch (error) {
      throw new PublishFailedError(topic, error);
    }
  }

  async subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    validateSubscribeOptions(options);
    await this.ready();
    await this.requireTopic(options.topic);
    const subscription = await openKafkaSubscription(
      { kafka: this.kafka, admin: this.admin, log: this.log, drainTimeoutMs: this.options.drainTimeoutMs ?? 10_000, joinTimeoutMs: this.joinTimeoutMs, commitIntervalMs: this.options.commitIntervalMs ?? 5_000 },
      options,
      handler,
    );
    if (this.closed) {
      await subscription.close();
      throw new BackendClosedError(this.name);
    }
    const tracked: Subscription = {
      close: async () => {
        this.subscriptions.delete(tracked);
        await subscription.close();
      },
    };
    this.subscriptions.add(tracked);
    return tracked;
  }

  /** Reads every partition up to its high-water mark as of the call, with a throwaway group. */
  async readAll(topic: string): Promise<DeliveredRecord[]> {
    await this.ready();
    await this.requireTopic(topic);
    const remaining = new Map<number, bigint>(); // partition → last offset to read
    const offsets = await retryWhileTransient(() => this.admin.fetchTopicOffsets(topic), { timeoutMs: this.joinTimeoutMs });
    for (const { partition, low, high } of offsets) {
      if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high) - 1n);
    }
    if (remaining.size === 0) return [];
    const groupId = `readall-${topic}-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, ...CONSUMER_TUNING });
    const records: DeliveredRecord[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`not done after ${this.joinTimeoutMs} ms`)), this.joinTimeoutMs);
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const last = remaining.get(batch.partition);
              for (const message of batch.messages) {
                if (last === undefined || BigInt(message.offset) > last) break;
                const event = this.decodeOrSkip(message, topic, batch.partition);
                if (event) records.push({ topic, partition: batch.partition, offset: message.offset, event });
                if (BigInt(message.offset) === last) remaining.delete(batch.partition);
              }
              if (remaining.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } catch (error) {
      throw new ReadAllFailedError(topic, messageOf(error), error);
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
      await this.admin.deleteGroups([groupId]).catch(() => {});
    }
    return records.sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.connecting) {
      await this.connecting.catch(() => {});
      await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
    }
  }

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new BackendClosedError(this.name));
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(() => {});
    return this.connecting;
  }

  private async requireTopic(topic: string): Promise<void> {
    if (!(await this.topicExists(topic))) throw new TopicNotFoundError(topic);
  }

  private async topicExists(topic: string): Promise<boolean> {
    if (this.knownTopics.has(topic)) return true;
    const names = await retryWhileTransient(() => this.admin.listTopics(), { timeoutMs: this.joinTimeoutMs });
    for (const name of names) this.knownTopics.add(name);
    return this.knownTopics.has(topic);
  }

  /** Resolves once every partition of a new topic has a leader; throws a retriable error before. */
  private async requireLeaders(topic: string): Promise<void> {
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0 || partitions.some((partition) => partition.leader < 0)) {
      throw Object.assign(new Error(`topic ${topic} has no leader for every partition yet`), { retriable: true });
    }
  }

  private decodeOrSkip(message: Parameters<typeof decodeRecord>[0] & { offset: string }, topic: string, partition: number): StoredEvent | undefined {
    try {
      return decodeRecord(message);
    } catch (error) {
      if (!(error instanceof RecordDecodeError)) throw error;
      this.log.warn({ topic, partition, offset: message.offset, err: error }, 'skipping a record that is not a binary-mode CloudEvent');
      return undefined;
    }
  }
}

/**
 * kafkajs logs every error response at error level, including those it handles itself
 * (REBALANCE_IN_PROGRESS during a join, TOPIC_ALREADY_EXISTS): those go to debug, the rest to warn.
 */
function forwardKafkaLog(log: BackendLogger, { namespace, level, log: entry }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
  const handledByKafkajs = namespace === 'Connection' && message.startsWith('Response ');
  log[handledByKafkajs ? 'debug' : 'warn']({ kafkajs: namespace, kafkajsLevel: KAFKAJS_LEVELS[level] ?? level, ...fields }, message);
}

const KAFKAJS_LEVELS: Partial<Record<logLevel, string>> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function isTopicAlreadyExists(error: unknown): boolean {
  const nested = (error as { errors?: unknown[] } | undefined)?.errors;
  const all = Array.isArray(nested) ? nested : [error];
  return all.length > 0 && all.every((e) => (e as { type?: unknown } | undefined)?.type === 'TOPIC_ALREADY_EXISTS');
}

function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
