/**
 * One behaviour, two backends: everything the dispatcher relies on from a BrokerBackend, run on
 * the in-process log and on a real Kafka (started by the repo's infra scripts).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerBackend, DeliveredRecord, RecordHandler, StoredEvent, SubscribeOptions, Subscription } from '../../local/broker/backend.js';
import { TopicNotFoundError } from '../../local/broker/backend-errors.js';
import { createKafkaBackend } from '../../local/broker/kafka.js';
import { createMemoryBackend } from '../../local/broker/memory.js';
import { ensureInfra } from '../../local/infra/index.js';
import { waitFor } from '../support/wait.js';

/** Close gives up on handlers still running after this long. */
const DRAIN_MS = 300;
const INSTALL_TIMEOUT_MS = 20 * 60_000;
const log = pino({ level: 'warn' });

async function kafkaBrokers(): Promise<string[]> {
  const infra = await ensureInfra({ kafka: true, minio: false });
  return infra.kafka.brokers;
}

interface BackendCase {
  readonly name: string;
  readonly create: () => Promise<BrokerBackend>;
  /** Per test. */
  readonly testTimeoutMs: number;
  /** For one condition to come true. */
  readonly waitMs: number;
}

const backends: BackendCase[] = [
  {
    name: 'memory',
    create: async () => createMemoryBackend({ drainTimeoutMs: DRAIN_MS, log }),
    testTimeoutMs: 10_000,
    waitMs: 5_000,
  },
  {
    name: 'kafka',
    create: async () => createKafkaBackend({ brokers: await kafkaBrokers(), clientId: 'conformance', drainTimeoutMs: DRAIN_MS, log }),
    testTimeoutMs: 120_000,
    waitMs: 30_000,
  },
];

function testEvent(overrides: Partial<StoredEvent> & Record<string, unknown> = {}): StoredEvent {
  return { specversion: '1.0', id: randomUUID(), source: '/conformance', type: 'com.example.conformance', ...overrides };
}

const ids = (records: readonly DeliveredRecord[]) => records.map((record) => record.event.id);
const eventIds = (events: readonly StoredEvent[]) => events.map((event) => event.id);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)('BrokerBackend conformance: $name', ({ create, testTimeoutMs, waitMs }) => {
  let backend: BrokerBackend;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    backend = await create();
  }, INSTALL_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
  }, 60_000);

  async function newTopic(partitions: number): Promise<string> {
    const topic = `test-${randomUUID()}`;
    await backend.ensureTopic(topic, partitions);
    return topic;
  }

  const newGroup = () => `test-${randomUUID()}`;

  /** Subscribes; `received` lists every record handed to the handler, settled or not. */
  async function consume(options: SubscribeOptions, handler: RecordHandler = async () => {}) {
    const received: DeliveredRecord[] = [];
    const subscription = await backend.subscribe(options, (record) => {
      received.push(record);
      return handler(record);
    });
    subscriptions.push(subscription);
    return { received, subscription };
  }

  async function publishAll(topic: string, events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) await backend.publish(topic, event); // sequential: keeps per-key order
  }

  it('delivers a JSON event with every attribute, extension and the data intact', async () => {
    const topic = await newTopic(3);
    await backend.ensureTopic(topic, 3); // idempotent
    const { received } = await consume({ topic, group: newGroup(), ordering: 'unordered', maxInFlight: 10 });
    const sent = testEvent({
      subject: 'uploads/cat.png',
      time: '2024-05-01T12:34:56.789Z',
      datacontenttype: 'application/json',
      dataschema: 'https://example.com/schemas/uploaded.json',
      partitionkey: 'cat',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      imgext: 'x1',
      data: { key: 'cat.png', size: 1234, tags: ['a', 'b'], nested: { ok: true, none: null }, unicode: 'žluťoučký 🐈' },
    });
    await backend.publish(topic, sent);
    await waitFor(() => received.length === 1, waitMs, 'the event to be delivered');
    const [record] = received;
    expect(record!.event).toEqual(sent);
    expect(record!.topic).toBe(topic);
    expect(record!.partition).toBeGreaterThanOrEqual(0);
    expect(record!.partition).toBeLessThan(3);
    expect(record!.offset).toBe('0');
  }, testTimeoutMs);

  it('keeps binary data as bytes', async () => {
    const topic = await newTopic(1);
    const { received } = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 1 });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const sent = testEvent({ datacontenttype: 'application/octet-stream', subject: 'raw', data: bytes });
    await backend.publish(topic, sent);
    await waitFor(() => received.length === 1, waitMs, 'the event to be delivered');
    const { data, ...attributes } = received[0]!.event;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect((data as Buffer).equals(bytes)).toBe(true);
    const { data: _sentData, ...sentAttributes } = sent;
    expect(attributes).toEqual(sentAttributes);
  }, testTimeoutMs);

  it('declares application/json for object data without a datacontenttype, text/plain for strings', async () => {
    const topic = await newTopic(1);
    const { received } = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 1 });
    const json = testEvent({ data: { n: 1 } });
    const text = testEvent({ data: 'hello, world' });
    await publishAll(topic, [json, text]);
    await waitFor(() => received.length === 2, waitMs, 'both events to be delivered');
    expect(received[0]!.event).toEqual({ ...json, datacontenttype: 'application/json' });
    expect(received[1]!.event).toEqual({ ...text, datacontenttype: 'text/plain; charset=utf-8' });
  }, testTimeoutMs);

  it('rejects publishing to, subscribing to and reading a topic that does not exist', async () => {
    const topic = `test-${randomUUID()}`;
    await expect(backend.publish(topic, testEvent())).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(backend.subscribe({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 1 }, async () => {})).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
    await expect(backend.readAll(topic)).rejects.toBeInstanceOf(TopicNotFoundError);
  }, testTimeoutMs);

  it('starts a new group at the log end, or at the beginning with fromBeginning', async () => {
    const topic = await newTopic(1);
    const before = testEvent();
    await backend.publish(topic, before);
    const latest = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 10 });
    const earliest = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 10, fromBeginning: true });
    const after = testEvent();
    await backend.publish(topic, after);
    await waitFor(
      () => ids(latest.received).includes(after.id) && ids(earliest.received).includes(after.id),
      waitMs,
      'both groups to receive the later event',
    );
    // One partition: had `before` been handed to the latest group, it would have come first.
    expect(ids(latest.received)).toEqual([after.id]);
    expect(ids(earliest.received)).toEqual([before.id, after.id]);
  }, testTimeoutMs);

  it("fixes a new group's start when it first subscribes, not when it first reads", async () => {
    const topic = await newTopic(1);
    const group = newGroup();
    const first = await consume({ topic, group, ordering: 'ordered', maxInFlight: 10 });
    await first.subscription.close();
    const missed = testEvent();
    await backend.publish(topic, missed);
    const second = await consume({ topic, group, ordering: 'ordered', maxInFlight: 10 });
    await waitFor(() => second.received.length === 1, waitMs, 'the event published while the group had no consumer');
    expect(ids(second.received)).toEqual([missed.id]);
  }, testTimeoutMs);

  it('gives every record to each of two groups', async () => {
    const topic = await newTopic(3);
    const a = await consume({ topic, group: newGroup(), ordering: 'unordered', maxInFlight: 50 });
    const b = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 50 });
    const events = Array.from({ length: 20 }, () => testEvent());
    await publishAll(topic, events);
    const everything = new Set(eventIds(events));
    await waitFor(
      () => new Set(ids(a.received)).size === 20 && new Set(ids(b.received)).size === 20,
      waitMs,
      'both groups to receive all 20 records',
    );
    expect(new Set(ids(a.received))).toEqual(everything);
    expect(new Set(ids(b.received))).toEqual(everything);
  }, testTimeoutMs);

  it('ordered: one record at a time per partition, in offset order, same key same partition', async () => {
    const topic = await newTopic(3);
    const inFlight = new Map<number, number>();
    let peakPerPartition = 0;
    let settled = 0;
    const { received } = await consume({ topic, group: newGroup(), ordering: 'ordered', maxInFlight: 50 }, async (record) => {
      const now = (inFlight.get(record.partition) ?? 0) + 1;
      inFlight.set(record.partition, now);
      peakPerPartition = Math.max(peakPerPartition, now);
      await delay(Math.floor(Math.random() * 8)); // a slow subscriber
      inFlight.set(record.partition, now - 1);
      settled++;
    });
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const events = Array.from({ length: 30 }, (_, seq) => testEvent({ partitionkey: keys[seq % keys.length]!, data: { seq } }));
    await publishAll(topic, events);
    await waitFor(() => settled === 30, waitMs, 'all 30 records to be handled');

    expect(peakPerPartition).toBe(1);
    expect(new Set(ids(received))).toEqual(new Set(eventIds(events)));
    const offsetsByPartition = groupBy(received, (r) => String(r.partition), (r) => BigInt(r.offset));
    for (const offsets of offsetsByPartition.values()) expect(isAscending(offsets)).toBe(true);
    const byKey = groupBy(received, (r) => String(r.event['partitionkey']), (r) => r);
    for (const records of byKey.values()) {
      expect(new Set(records.map((r) => r.partition)).size).toBe(1);
      expect(isAscending(records.map((r) => BigInt((r.event.data as { seq: number }).seq)))).toBe(true);
    }
  }, testTimeoutMs);

  it('unordered: never more than maxInFlight at once, and more than one', async () => {
    const topic = await newTopic(3);
    const maxInFlight = 4;
    let inFlight = 0;
    let peak = 0;
    let settled = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    await consume({ topic, group: newGroup(), ordering: 'unordered', maxInFlight }, async () => {
      peak = Math.max(peak, ++inFlight);
      await gate;
      await delay(2);
      inFlight--;
      settled++;
    });
    await publishAll(topic, Array.from({ length: 30 }, () => testEvent()));
    await waitFor(() => inFlight === maxInFlight, waitMs, `${maxInFlight} records in flight`);
    openGate();
    await waitFor(() => settled === 30, waitMs, 'all 30 records to be handled');
    expect(peak).toBe(maxInFlight);
  }, testTimeoutMs);

  it.each(['ordered', 'unordered'] as const)(
    '%s: a rejected record is redelivered after close and subscribe, the settled ones before it are not',
    async (ordering) => {
      const topic = await newTopic(1);
      const group = newGroup();
      const events = Array.from({ length: 5 }, (_, seq) => testEvent({ data: { seq } }));
      const doomed = events[2]!;
      let rejected = false;
      const first = await consume({ topic, group, ordering, maxInFlight: 10 }, async (record) => {
        if (record.event.id === doomed.id) {
          rejected = true;
          throw new Error('not settled');
        }
      });
      await publishAll(topic, events);
      await waitFor(() => rejected, waitMs, 'the rejection');
      await first.subscription.close();
      expect(ids(first.received).slice(0, 3)).toEqual(eventIds(events.slice(0, 3)));
      if (ordering === 'ordered') expect(first.received).toHaveLength(3); // the partition stopped at the rejection

      const second = await consume({ topic, group, ordering, maxInFlight: 10 });
      await waitFor(() => ids(second.received).includes(events[4]!.id), waitMs, 'the redelivery');
      expect(ids(second.received)).toEqual(eventIds(events.slice(2)));
    },
    testTimeoutMs,
  );

  it('redelivers a record whose handler had not settled when the subscription closed', async () => {
    const topic = await newTopic(1);
    const group = newGroup();
    const events = Array.from({ length: 3 }, () => testEvent());
    const stuck = events[1]!;
    const first = await consume({ topic, group, ordering: 'ordered', maxInFlight: 10 }, (record) =>
      record.event.id === stuck.id ? new Promise<void>(() => {}) : Promise.resolve(),
    );
    await publishAll(topic, events);
    await waitFor(() => ids(first.received).includes(stuck.id), waitMs, 'the stuck record to be handed out');
    const closeStarted = Date.now();
    await first.subscription.close();
    expect(Date.now() - closeStarted).toBeLessThan(DRAIN_MS + 5_000);
    expect(ids(first.received)).toEqual(eventIds(events.slice(0, 2)));

    const second = await consume({ topic, group, ordering: 'ordered', maxInFlight: 10 });
    await waitFor(() => second.received.length === 2, waitMs, 'the redelivery');
    expect(ids(second.received)).toEqual(eventIds(events.slice(1)));
  }, testTimeoutMs);

  it('readAll returns every record, partition by partition in offset order', async () => {
    const topic = await newTopic(3);
    expect(await backend.readAll(topic)).toEqual([]);
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const events = Array.from({ length: 15 }, (_, seq) => testEvent({ partitionkey: keys[seq % keys.length]!, data: { seq } }));
    await publishAll(topic, events);
    const all = await backend.readAll(topic);

    expect(all).toHaveLength(15);
    const sentById = new Map(events.map((event) => [event.id, event]));
    for (const record of all) expect(record.event).toEqual({ ...sentById.get(record.event.id), datacontenttype: 'application/json' });
    const positions = all.map((r) => [r.partition, BigInt(r.offset)] as const);
    const sorted = [...positions].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    expect(positions).toEqual(sorted);
    const byKey = groupBy(all, (r) => String(r.event['partitionkey']), (r) => BigInt((r.event.data as { seq: number }).seq));
    for (const seqs of byKey.values()) expect(isAscending(seqs)).toBe(true);
  }, testTimeoutMs);

  it('hands a published event to the handler quickly (median over 50)', async () => {
    const topic = await newTopic(3);
    const deliveredAt = new Map<string, number>();
    await consume({ topic, group: newGroup(), ordering: 'unordered', maxInFlight: 50 }, async (record) => {
      deliveredAt.set(record.event.id, performance.now());
    });
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const event = testEvent({ data: { i } });
      const sentAt = performance.now();
      await backend.publish(topic, event);
      await waitFor(() => deliveredAt.has(event.id), waitMs, `event ${i} to be delivered`, 1);
      latencies.push(deliveredAt.get(event.id)! - sentAt);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[25]!;
    console.info(`publish→handler latency on ${backend.name}: median ${median.toFixed(1)} ms, p90 ${latencies[45]!.toFixed(1)} ms, max ${latencies[49]!.toFixed(1)} ms`);
    expect(median).toBeLessThan(500);
  }, testTimeoutMs);
});

describe('Kafka record layout (knative-semantics.md §5.3)', () => {
  it('stores ce_* headers, content-type, the partitionkey as key and the data bytes as value', async () => {
    const brokers = await kafkaBrokers();
    const backend = createKafkaBackend({ brokers, clientId: 'conformance-layout', log });
    const kafka = new Kafka({ clientId: 'conformance-layout-reader', brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 25 });
    try {
      const topic = `test-${randomUUID()}`;
      await backend.ensureTopic(topic, 2);
      const sent = testEvent({ subject: 'a/b.png', time: '2024-05-01T00:00:00.000Z', partitionkey: 'b.png', imgext: 'v', data: { ok: true } });
      await backend.publish(topic, sent);

      const raw: { key: string | undefined; value: string | undefined; headers: Record<string, string> }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          raw.push({ key: message.key?.toString(), value: message.value?.toString(), headers });
        },
      });
      await waitFor(() => raw.length === 1, 30_000, 'the raw record');
      expect(raw[0]).toEqual({
        key: 'b.png',
        value: '{"ok":true}',
        headers: {
          ce_specversion: '1.0',
          ce_id: sent.id,
          ce_source: sent.source,
          ce_type: sent.type,
          ce_subject: 'a/b.png',
          ce_time: '2024-05-01T00:00:00.000Z',
          ce_partitionkey: 'b.png',
          ce_imgext: 'v',
          'content-type': 'application/json',
        },
      });
    } finally {
      await consumer.disconnect();
      await backend.close();
    }
  }, INSTALL_TIMEOUT_MS);
});

function groupBy<T, V>(items: readonly T[], key: (item: T) => string, value: (item: T) => V): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(value(item));
    groups.set(key(item), list);
  }
  return groups;
}

function isAscending(values: readonly bigint[]): boolean {
  return values.every((value, i) => i === 0 || values[i - 1]! < value);
}

describe('Kafka offset commits (knative-semantics.md §5.3)', () => {
  it('commits settled records on its interval while the subscription stays open, and never an unsettled one', async () => {
    const brokers = await kafkaBrokers();
    const backend = createKafkaBackend({ brokers, clientId: 'conformance-commits', commitIntervalMs: 300, log });
    const kafka = new Kafka({ clientId: 'conformance-commits-admin', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const topic = `test-${randomUUID()}`;
    const group = `test-${randomUUID()}`;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const received: string[] = [];
    let subscription: Subscription | undefined;
    try {
      await admin.connect();
      await backend.ensureTopic(topic, 1);
      const events = [testEvent(), testEvent(), testEvent()];
      // The third record's handler is held: the commit point may reach it but not pass it.
      subscription = await backend.subscribe({ topic, group, ordering: 'ordered', maxInFlight: 1 }, async (record) => {
        received.push(record.event.id);
        if (record.event.id === events[2]!.id) await held;
      });
      for (const event of events) await backend.publish(topic, event);
      const committed = async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return Number(offsets?.partitions[0]?.offset ?? -1);
      };
      const start = Number((await admin.fetchTopicOffsets(topic))[0]!.high) - events.length;
      await waitFor(async () => (await committed()) === start + 2, 30_000, 'the two settled records to be committed');
      expect(received).toEqual(eventIds(events));
      release();
      await waitFor(async () => (await committed()) === start + 3, 30_000, 'the third record to be committed once settled');
    } finally {
      release();
      await subscription?.close();
      await admin.disconnect();
      await backend.close();
    }
  }, INSTALL_TIMEOUT_MS);
});
