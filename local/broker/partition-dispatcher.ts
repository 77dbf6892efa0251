/**
 * The consumer side shared by both backends: records arrive per partition in offset order
 * (pushed by the backend), are handed to the handler with `ordered`/`unordered` concurrency,
 * and the commit point of each partition follows the highest *contiguous* settled offset
 * (knative-semantics.md §5.3, EKB OffsetManager).
 *
 * A handler rejection stalls its partition for the rest of the subscription: nothing past the
 * rejected record is committed, so it and everything after it is handed out again after a
 * restart (close + subscribe). Stalling, rather than carrying on, keeps `ordered` order intact
 * and bounds the duplicates; the dispatcher above never rejects for a delivery outcome.
 */
import type { DeliveredRecord, RecordHandler, SubscribeOptions } from './backend.js';
import { InvalidSubscribeOptionsError } from './backend-errors.js';

/** pino-compatible subset. */
export interface BackendLogger {
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
}

export interface DispatcherHooks {
  /** The partition's commit point moved: records below `nextOffset` are all settled. */
  onCommittable(partition: number, nextOffset: bigint): void;
  /** A handler rejected; the partition takes no more records in this subscription. */
  onStall(partition: number, offset: bigint, error: unknown): void;
  /** The partition's queue has room again (feed it / resume fetching it). */
  onRoom(partition: number): void;
}

export function validateSubscribeOptions(options: SubscribeOptions): void {
  if (!options.topic) throw new InvalidSubscribeOptionsError('topic is empty');
  if (!options.group) throw new InvalidSubscribeOptionsError('group is empty');
  if (options.ordering !== 'ordered' && options.ordering !== 'unordered') {
    throw new InvalidSubscribeOptionsError(`ordering must be ordered or unordered, got ${String(options.ordering)}`);
  }
  if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
    throw new InvalidSubscribeOptionsError(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
  }
}

interface Entry {
  readonly offset: bigint;
  /** Absent for a record that could not be decoded: it counts as settled on arrival. */
  readonly record: DeliveredRecord | undefined;
  settled: boolean;
}

class PartitionState {
  /** Received and not yet committable, in offset order (queued, in flight, or settled out of order). */
  outstanding: Entry[] = [];
  queue: Entry[] = [];
  inFlight = 0;
  stalled = false;
  /** Given to another consumer-group member: what settles now is not ours to commit. */
  revoked = false;
  /** Offset expected next; lower ones are refetches (after a rebalance) and are dropped. */
  next: bigint | undefined;
}

export class PartitionDispatcher {
  /** Per-partition queue length at which the backend should stop feeding the partition. */
  readonly bufferLimit: number;
  private readonly partitions = new Map<number, PartitionState>();
  private inFlight = 0;
  private rotation = 0;
  private closing = false;
  /** After close: late settlements are ignored, the records were given up. */
  private detached = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly drained = new Set<number>();
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly options: Pick<SubscribeOptions, 'ordering' | 'maxInFlight'>,
    private readonly handler: RecordHandler,
    private readonly hooks: DispatcherHooks,
  ) {
    this.bufferLimit = Math.max(2 * options.maxInFlight, 16);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Whether a record at this offset would be taken (not closing, not stalled, not a refetch). */
  accepts(partition: number, offset: bigint): boolean {
    const state = this.partitions.get(partition);
    if (this.closing || state?.stalled) return false;
    return state?.next === undefined || offset >= state.next;
  }

  isStalled(partition: number): boolean {
    return this.partitions.get(partition)?.stalled ?? false;
  }

  queued(partition: number): number {
    return this.partitions.get(partition)?.queue.length ?? 0;
  }

  push(record: DeliveredRecord): void {
    const offset = BigInt(record.offset);
    if (!this.accepts(record.partition, offset)) return;
    const state = this.state(record.partition);
    const entry: Entry = { offset, record, settled: false };
    state.next = offset + 1n;
    state.outstanding.push(entry);
    state.queue.push(entry);
    this.pump();
  }

  /** A record that cannot be handed out (not a CloudEvent): settled without a handler. */
  skip(partition: number, offset: bigint): void {
    if (!this.accepts(partition, offset)) return;
    const state = this.state(partition);
    state.next = offset + 1n;
    state.outstanding.push({ offset, record: undefined, settled: true });
    this.advance(partition, state);
  }

  /** The partition went to another group member: drops its queue; its in-flight outcomes are ignored. */
  revoke(partition: number): void {
    const state = this.partitions.get(partition);
    if (!state) return;
    this.partitions.delete(partition);
    state.revoked = true;
    state.queue = [];
  }

  /** Partitions that have received records and were not revoked. */
  knownPartitions(): number[] {
    return [...this.partitions.keys()];
  }

  /**
   * Stops handing out records and waits up to `drainTimeoutMs` for those in flight; whatever
   * has not settled by then is given up (not committed, so redelivered after a restart).
   * Resolves to the number of records given up.
   */
  async close(drainTimeoutMs: number): Promise<number> {
    this.closing = true;
    for (const state of this.partitions.values()) state.queue = [];
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      clearTimeout(timer);
    }
    this.detached = true;
    return this.inFlight;
  }

  private state(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      state = new PartitionState();
      this.partitions.set(partition, state);
    }
    return state;
  }

  /** Re-entrant calls (hooks feeding records back in) are folded into the running loop. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.startReady();
        for (const partition of this.drained) {
          this.drained.delete(partition);
          if (!this.closing && !this.isStalled(partition)) this.hooks.onRoom(partition);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /** Round-robin over partitions, one record per partition per pass. */
  private startReady(): void {
    if (this.closing) return;
    const states = [...this.partitions];
    let started = true;
    while (started && this.inFlight < this.options.maxInFlight) {
      started = false;
      for (let i = 0; i < states.length && this.inFlight < this.options.maxInFlight; i++) {
        const [partition, state] = states[(this.rotation + i) % states.length]!;
        if (state.stalled || state.queue.length === 0) continue;
        if (this.options.ordering === 'ordered' && state.inFlight > 0) continue;
        this.start(partition, state, state.queue.shift()!);
        started = true;
      }
      this.rotation++;
    }
  }

  private start(partition: number, state: PartitionState, entry: Entry): void {
    state.inFlight++;
    this.inFlight++;
    if (state.queue.length < this.bufferLimit) this.drained.add(partition);
    const record = entry.record!;
    void Promise.resolve()
      .then(() => this.handler(record))
      .then(
        () => this.finish(partition, state, entry, undefined),
        (error: unknown) => this.finish(partition, state, entry, { error }),
      );
  }

  private finish(partition: number, state: PartitionState, entry: Entry, failure: { error: unknown } | undefined): void {
    if (this.detached) return;
    state.inFlight--;
    this.inFlight--;
    if (state.revoked) {
      // nothing to record
    } else if (failure === undefined) {
      entry.settled = true;
      this.advance(partition, state);
    } else if (!state.stalled) {
      state.stalled = true;
      state.queue = [];
      this.hooks.onStall(partition, entry.offset, failure.error);
    }
    if (this.closing && this.inFlight === 0) this.onIdle?.();
    this.pump();
  }

  private advance(partition: number, state: PartitionState): void {
    let next: bigint | undefined;
    while (state.outstanding[0]?.settled) next = state.outstanding.shift()!.offset + 1n;
    if (next !== undefined) this.hooks.onCommittable(partition, next);
  }
}
