/**
 * One kafkajs consumer per subscription. kafkajs only fetches again once every batch handler
 * has returned, so `eachBatch` never waits for the record handlers: it pushes the records into
 * a PartitionDispatcher (which does ordered/unordered, maxInFlight and the contiguous commit
 * point) and returns; a partition whose queue is full is paused until it has room again.
 * Offsets are committed by hand (autoCommit off), only for settled records: every
 * commitIntervalMs, as Knative's OffsetManager does, and at once on close and on a rebalance.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { RecordHandler, StoredEvent, SubscribeOptions, Subscription } from './backend.js';
import { RecordDecodeError, SubscribeFailedError, messageOf } from './backend-errors.js';
import { retryWhileTransient } from './kafka-retry.js';
import { type BackendLogger, PartitionDispatcher } from './partition-dispatcher.js';
import { decodeRecord } from './record-codec.js';

export interface KafkaSubscriptionContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly log: BackendLogger;
  readonly drainTimeoutMs: number;
  readonly joinTimeoutMs: number;
  readonly commitIntervalMs: number;
}

/** Consumer settings for latency (Knative's data-plane defaults where they matter, §5.2). */
export const CONSUMER_TUNING = {
  sessionTimeout: 10_000,
  rebalanceTimeout: 10_000,
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 500,
  minBytes: 1,
} as const;

export async function openKafkaSubscription(
  context: KafkaSubscriptionContext,
  options: SubscribeOptions,
  handler: RecordHandler,
): Promise<Subscription> {
  const { topic, group } = options;
  // Knative's InitOffsets: a group without a committed offset starts where the log is *now*.
  const startOffsets = await uncommittedStartOffsets(context.admin, options, context.joinTimeoutMs);
  const consumer = context.kafka.consumer({ groupId: group, allowAutoTopicCreation: false, ...CONSUMER_TUNING });
  const committer = new OffsetCommitter(consumer, topic, context.log, context.commitIntervalMs);
  const backpressured = new Set<number>();
  const dispatcher = new PartitionDispatcher(options, handler, {
    onCommittable: (partition, next) => committer.mark(partition, next),
    onStall: (partition, offset, error) => {
      context.log.error(
        { topic, group, partition, offset: String(offset), err: error },
        'record handler rejected; partition stalled until the subscription restarts',
      );
      consumer.pause([{ topic, partitions: [partition] }]);
    },
    onRoom: (partition) => {
      if (backpressured.delete(partition)) consumer.resume([{ topic, partitions: [partition] }]);
    },
  });

  const eachBatch = async ({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    if (dispatcher.isStalled(partition)) {
      // Only reachable after kafkajs restarted its consumer internally, which forgets pauses.
      consumer.pause([{ topic, partitions: [partition] }]);
      return;
    }
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || dispatcher.isClosing || dispatcher.isStalled(partition)) return;
      const offset = BigInt(message.offset);
      if (dispatcher.accepts(partition, offset)) {
        try {
          dispatcher.push({ topic, partition, offset: message.offset, event: decodeOrWrap(message, topic, partition, options) });
        } catch (error) {
          if (!(error instanceof RecordDecodeError)) throw error;
          context.log.warn({ topic, partition, offset: message.offset, err: error }, 'skipping a record that is not a binary-mode CloudEvent');
          dispatcher.skip(partition, offset);
        }
      }
      resolveOffset(message.offset); // moves the fetch position only; commits are ours
    }
    if (dispatcher.queued(partition) >= dispatcher.bufferLimit) {
      backpressured.add(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
    }
  };

  const joined = waitForFirstJoin(consumer, context.joinTimeoutMs, (assigned) => {
    // Runs inside kafkajs's join, before its first fetch: the seek decides where that fetch starts.
    for (const partition of assigned) {
      const start = startOffsets.get(partition);
      if (start !== undefined) consumer.seek({ topic, partition, offset: String(start) });
    }
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? false });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
    const assigned = await joined.promise;
    // Only now may kafkajs commit (it drops commits while its runner is still starting).
    for (const partition of assigned) {
      const start = startOffsets.get(partition);
      if (start !== undefined) committer.mark(partition, start);
    }
    await committer.flush();
  } catch (error) {
    joined.cancel();
    await consumer.disconnect().catch(() => {});
    if (error instanceof SubscribeFailedError) throw error;
    throw new SubscribeFailedError(topic, group, messageOf(error), error);
  }
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(payload.memberAssignment[topic] ?? []);
    context.log.info({ topic, group, assigned: [...assigned] }, 'consumer group rebalanced');
    for (const partition of dispatcher.knownPartitions()) {
      if (assigned.has(partition)) continue;
      // Its new owner starts from the last commit; a late commit from us could move that back.
      dispatcher.revoke(partition);
      committer.forget(partition);
      backpressured.delete(partition);
      consumer.resume([{ topic, partitions: [partition] }]); // kafkajs keeps pauses across assignments
    }
  });
  // Knative commits revoked partitions before they go; kafkajs has no revoke hook, but the
  // generation is still valid while the group prepares its rebalance.
  consumer.on(consumer.events.REBALANCING, () => committer.commitSoon());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const message = payload.restart ? 'kafka consumer crashed; kafkajs restarts it' : 'kafka consumer crashed and stopped';
    context.log.error({ topic, group, err: payload.error }, message);
  });

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        const abandoned = await dispatcher.close(context.drainTimeoutMs);
        committer.stop();
        if (abandoned > 0) {
          context.log.warn({ topic, group, abandoned }, 'closing with unsettled records; they will be redelivered');
        }
        await committer.flush().catch((error: unknown) => {
          context.log.warn({ topic, group, err: error }, 'final offset commit failed; settled records may be redelivered');
        });
        await consumer.disconnect();
      })()),
  };
}

function decodeOrWrap(message: KafkaMessage, topic: string, partition: number, options: SubscribeOptions): StoredEvent {
  try {
    return decodeRecord(message);
  } catch (error) {
    if (!(error instanceof RecordDecodeError) || !options.wrapPlainRecord) throw error;
    return options.wrapPlainRecord({ ...message, topic, partition });
  }
}

/** Partition → where a group without a committed offset must start. */
async function uncommittedStartOffsets(admin: Admin, options: SubscribeOptions, timeoutMs: number): Promise<Map<number, bigint>> {
  const transient = { timeoutMs };
  const [committed] = await retryWhileTransient(() => admin.fetchOffsets({ groupId: options.group, topics: [options.topic] }), transient);
  const uncommitted = new Set((committed?.partitions ?? []).filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition));
  const starts = new Map<number, bigint>();
  if (uncommitted.size === 0) return starts;
  for (const { partition, low, high } of await retryWhileTransient(() => admin.fetchTopicOffsets(options.topic), transient)) {
    if (uncommitted.has(partition)) starts.set(partition, BigInt(options.fromBeginning ? low : high));
  }
  return starts;
}

/** Resolves with this member's partitions when it first joins the group; rejects on crash or timeout. */
function waitForFirstJoin(
  consumer: Consumer,
  timeoutMs: number,
  onJoin: (partitions: number[]) => void,
): { promise: Promise<number[]>; cancel: () => void } {
  const removers: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(timer);
    removers.forEach((remove) => remove());
  };
  const promise = new Promise<number[]>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`did not join the consumer group within ${timeoutMs} ms`)), timeoutMs);
    removers.push(
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = Object.values(payload.memberAssignment).flat();
        onJoin(partitions);
        cancel();
        resolve(partitions);
      }),
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        cancel();
        reject(payload.error);
      }),
    );
  });
  promise.catch(() => {}); // observed by the caller's await; avoid an unhandled rejection before that
  return { promise, cancel };
}

/**
 * Serialises commits and coalesces them: at most one request per interval, carrying the newest
 * commit point of every partition that moved meanwhile. A failed commit is retried with the next.
 */
class OffsetCommitter {
  private readonly pending = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly log: BackendLogger,
    private readonly intervalMs: number,
  ) {}

  mark(partition: number, next: bigint): void {
    const known = this.pending.get(partition) ?? this.committed.get(partition);
    if (known !== undefined && next <= known) return;
    this.pending.set(partition, next);
    if (!this.stopped) this.timer ??= setTimeout(() => this.commitSoon(), this.intervalMs);
  }

  /** Commits what is pending now, in the background. */
  commitSoon(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    this.kick().catch((error: unknown) => {
      this.log.warn({ topic: this.topic, err: error }, 'offset commit failed; retrying at the next interval');
      if (!this.stopped) this.timer ??= setTimeout(() => this.commitSoon(), this.intervalMs);
    });
  }

  /** No more timed commits (the subscription is closing; its last flush is explicit). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  forget(partition: number): void {
    this.pending.delete(partition);
    this.committed.delete(partition);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
    if (this.pending.size > 0) await this.kick();
  }

  private kick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending];
      this.pending.clear();
      try {
        await this.consumer.commitOffsets(
          batch.map(([partition, offset]) => ({ topic: this.topic, partition, offset: String(offset) })),
        );
      } catch (error) {
        for (const [partition, offset] of batch) if (!this.pending.has(partition)) this.pending.set(partition, offset);
        throw error;
      }
      for (const [partition, offset] of batch) this.committed.set(partition, offset);
    }
  }
}
