/**
 * In-process BrokerBackend: an append-only partitioned log per topic holding records in the
 * Kafka binary layout, and consumer groups whose committed offsets live in this object, so a
 * subscription closed and opened again with the same group resumes where Kafka would.
 */
import { randomInt } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import pino from 'pino';
import type { BrokerBackend, DeliveredRecord, RecordHandler, StoredEvent, SubscribeOptions, Subscription } from './backend.js';
import { BackendClosedError, GroupBusyError, RecordDecodeError, TopicNotFoundError } from './backend-errors.js';
import { type BackendLogger, PartitionDispatcher, validateSubscribeOptions } from './partition-dispatcher.js';
import { type EncodedRecord, decodeRecord, encodeEvent } from './record-codec.js';

export interface MemoryBackendOptions {
  /** Overrides the partition count asked for in ensureTopic (e.g. 1 for one total order). */
  readonly partitions?: number;
  /** How long close() waits for in-flight handlers before giving their records up. Default 10 s. */
  readonly drainTimeoutMs?: number;
  readonly log?: BackendLogger;
}

interface TopicLog {
  readonly partitions: EncodedRecord[][];
  roundRobin: number;
  readonly subscriptions: Set<MemorySubscription>;
}

interface GroupOffsets {
  /** Next offset to read, per partition. */
  readonly committed: bigint[];
  open: boolean;
}

export function createMemoryBackend(options: MemoryBackendOptions = {}): BrokerBackend {
  return new MemoryBackend(options);
}

class MemoryBackend implements BrokerBackend {
  readonly name = 'memory';
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, GroupOffsets>();
  // Kafka's (murmur2) partitioner, so a partitionkey lands on the same partition in both backends.
  private readonly keyPartitioner = Partitioners.DefaultPartitioner();
  private readonly log: BackendLogger;
  private closed = false;

  constructor(private readonly options: MemoryBackendOptions) {
    this.log = options.log ?? pino({ level: 'warn' });
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    this.assertOpen();
    if (this.topics.has(topic)) return;
    const count = this.options.partitions ?? partitions;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`partitions must be a positive integer, got ${count}`);
    this.topics.set(topic, {
      partitions: Array.from({ length: count }, () => []),
      roundRobin: randomInt(count),
      subscriptions: new Set(),
    });
  }

  async publish(topic: string, event: StoredEvent): Promise<void> {
    this.assertOpen();
    const log = this.topicLog(topic);
    const record = encodeEvent(event);
    const partition = this.partitionFor(topic, log, record.key);
    log.partitions[partition]!.push(record);
    for (const subscription of log.subscriptions) subscription.feed(partition);
  }

  async subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    this.assertOpen();
    validateSubscribeOptions(options);
    const log = this.topicLog(options.topic);
    const key = `${options.topic}\u0000${options.group}`;
    let group = this.groups.get(key);
    if (!group) {
      // Knative InitOffsets: the new group's position is fixed now, not at its first read.
      const start = (records: EncodedRecord[]) => (options.fromBeginning ? 0n : BigInt(records.length));
      group = { committed: log.partitions.map(start), open: false };
      this.groups.set(key, group);
    }
    if (group.open) throw new GroupBusyError(options.topic, options.group);
    group.open = true;
    const subscription = new MemorySubscription(options, handler, log, group, this.options.drainTimeoutMs ?? 10_000, this.log);
    log.subscriptions.add(subscription);
    subscription.feedAll();
    return subscription;
  }

  async readAll(topic: string): Promise<DeliveredRecord[]> {
    this.assertOpen();
    return this.topicLog(topic).partitions.flatMap((records, partition) =>
      records.flatMap((record, offset) => {
        const event = tryDecode(record, this.log, topic, partition, offset);
        return event ? [{ topic, partition, offset: String(offset), event }] : [];
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = [...this.topics.values()].flatMap((log) => [...log.subscriptions]);
    await Promise.all(open.map((subscription) => subscription.close()));
  }

  private topicLog(topic: string): TopicLog {
    const log = this.topics.get(topic);
    if (!log) throw new TopicNotFoundError(topic);
    return log;
  }

  private partitionFor(topic: string, log: TopicLog, key: string | null): number {
    const count = log.partitions.length;
    if (key === null) return (log.roundRobin = (log.roundRobin + 1) % count);
    const partitionMetadata: PartitionMetadata[] = log.partitions.map((_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    return this.keyPartitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendClosedError(this.name);
  }
}

class MemorySubscription implements Subscription {
  private readonly dispatcher: PartitionDispatcher;
  /** Next offset to hand to the dispatcher, per partition. */
  private readonly cursor: bigint[];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: SubscribeOptions,
    handler: RecordHandler,
    private readonly log: TopicLog,
    private readonly group: GroupOffsets,
    private readonly drainTimeoutMs: number,
    private readonly logger: BackendLogger,
  ) {
    this.cursor = [...group.committed];
    this.dispatcher = new PartitionDispatcher(options, handler, {
      onCommittable: (partition, next) => {
        group.committed[partition] = next;
      },
      onStall: (partition, offset, error) => {
        logger.error(
          { topic: options.topic, group: options.group, partition, offset: String(offset), err: error },
          'record handler rejected; partition stalled until the subscription restarts',
        );
      },
      onRoom: (partition) => this.feed(partition),
    });
  }

  feedAll(): void {
    this.log.partitions.forEach((_, partition) => this.feed(partition));
  }

  /** Moves records from the log into the dispatcher while it has room. */
  feed(partition: number): void {
    const records = this.log.partitions[partition]!;
    const dispatcher = this.dispatcher;
    while (
      !dispatcher.isClosing &&
      !dispatcher.isStalled(partition) &&
      dispatcher.queued(partition) < dispatcher.bufferLimit &&
      this.cursor[partition]! < BigInt(records.length)
    ) {
      const offset = this.cursor[partition]!;
      this.cursor[partition] = offset + 1n;
      const event = tryDecode(records[Number(offset)]!, this.logger, this.options.topic, partition, Number(offset));
      if (event) dispatcher.push({ topic: this.options.topic, partition, offset: String(offset), event });
      else dispatcher.skip(partition, offset);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.log.subscriptions.delete(this);
      await this.dispatcher.close(this.drainTimeoutMs);
      this.group.open = false;
    })();
    return this.closing;
  }
}

function tryDecode(record: EncodedRecord, logger: BackendLogger, topic: string, partition: number, offset: number): StoredEvent | undefined {
  try {
    return decodeRecord(record);
  } catch (error) {
    if (!(error instanceof RecordDecodeError)) throw error;
    logger.warn({ topic, partition, offset, err: error }, 'skipping a record that is not a binary-mode CloudEvent');
    return undefined;
  }
}
