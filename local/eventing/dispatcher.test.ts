/**
 * Delivery as the Kafka broker does it (knative-semantics.md §3–§4), on both broker backends:
 * which statuses retry, backoff timing, per-attempt timeout, dead letters with knativeerror*
 * extensions, replies written back to the broker, and filters.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import pino from 'pino';
import type { BrokerBackend, StoredEvent, Subscription } from '../broker/backend.js';
import { createKafkaBackend } from '../broker/kafka.js';
import { createMemoryBackend } from '../broker/memory.js';
import { ensureInfra } from '../infra/index.js';
import type { SubscriptionsFilter, Trigger } from '../manifests/schema.js';
import { waitFor } from '../../test/support/wait.js';
import { mergeDelivery, type DeliveryPolicy } from './delivery.js';
import { startTriggerDispatcher, type DeliveryReport } from './dispatcher.js';
import { compileTriggerFilter } from './filters.js';
import { toStored } from './send.js';

type Responder = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

interface Endpoint {
  url: string;
  attempts: { at: number; event: StoredEvent; headers: IncomingMessage['headers'] }[];
  respond: Responder;
}

const servers: Server[] = [];
async function endpoint(respond: Responder = (_q, res) => res.writeHead(202).end()): Promise<Endpoint> {
  const target: Endpoint = { url: '', attempts: [], respond };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = HTTP.toEvent({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      target.attempts.push({ at: Date.now(), event: toStored(event as never), headers: req.headers });
      target.respond(req, res, target.attempts.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return target;
}

const backends = [
  { name: 'memory', create: async (): Promise<BrokerBackend> => createMemoryBackend() },
  {
    name: 'kafka',
    create: async (): Promise<BrokerBackend> => {
      const infra = await ensureInfra({ kafka: true, minio: false });
      return createKafkaBackend({ brokers: infra.kafka.brokers, clientId: 'dispatcher-test', log: pino({ level: 'silent' }) });
    },
  },
];

describe.each(backends)('trigger dispatcher on the $name backend', ({ create }) => {
  let backend: BrokerBackend;
  let topic: string;
  const subscriptions: Subscription[] = [];
  const reports: DeliveryReport[] = [];

  beforeAll(async () => {
    backend = await create();
  }, 900_000);
  afterAll(async () => {
    await backend?.close();
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    for (const server of servers.splice(0)) server.closeAllConnections(), server.close();
    reports.length = 0;
  });

  async function dispatch(subscriber: Endpoint, policy: Partial<DeliveryPolicy>, deadLetters?: Endpoint, filters?: SubscriptionsFilter[]) {
    topic = `test-${randomUUID()}`;
    await backend.ensureTopic(topic, 3);
    const trigger = { spec: { filters } } as unknown as Trigger;
    subscriptions.push(
      await startTriggerDispatcher({
        name: 'probe',
        namespace: 'test-ns',
        topic,
        group: `test-${randomUUID()}`,
        ordering: 'unordered',
        maxInFlight: 10,
        filter: compileTriggerFilter(trigger),
        subscriberUrl: subscriber.url,
        policy: { ...mergeDelivery(undefined, undefined), ...(deadLetters ? { deadLetterSink: { uri: deadLetters.url } } : {}), ...policy },
        backend,
        resolve: (destination) => destination.uri!,
        report: (report) => reports.push(report),
      }),
    );
  }

  const event = (id: string = randomUUID(), extra: Record<string, string> = {}) =>
    ({ specversion: '1.0', id, source: '/test', type: 'pipeline.test', datacontenttype: 'application/json', data: { hello: 'world' }, ...extra }) as StoredEvent;

  it('should deliver in binary mode with Prefer: reply and Kn-Namespace', async () => {
    const subscriber = await endpoint();
    await dispatch(subscriber, {});
    await backend.publish(topic, event('e1'));
    await waitFor(() => reports.length === 1, 15_000, 'the delivery');
    const [attempt] = subscriber.attempts;
    expect(attempt!.headers['ce-id']).toBe('e1');
    expect(attempt!.headers['prefer']).toBe('reply');
    expect(attempt!.headers['kn-namespace']).toBe('test-ns');
    expect(attempt!.event.data).toEqual({ hello: 'world' });
    expect(reports[0]).toMatchObject({ outcome: 'delivered', attempts: 1, status: 202 });
  });

  it('should retry 503 with exponential backoff d·2^k, then dead-letter with knativeerror* extensions', async () => {
    const subscriber = await endpoint((_q, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('busy right now'));
    const sink = await endpoint();
    await dispatch(subscriber, { retry: 3, backoffPolicy: 'exponential', backoffDelayMs: 50 }, sink);
    await backend.publish(topic, event('e2'));
    await waitFor(() => sink.attempts.length === 1 && reports.length === 1, 15_000, 'the dead letter');
    expect(subscriber.attempts).toHaveLength(4);
    const gaps = subscriber.attempts.slice(1).map((a, i) => a.at - subscriber.attempts[i]!.at);
    [100, 200, 400].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 15);
      expect(gaps[i]).toBeLessThan(expected + 400);
    });
    const letter = sink.attempts[0]!.event as unknown as Record<string, unknown>;
    expect(letter).toMatchObject({ id: 'e2', type: 'pipeline.test', knativeerrordest: subscriber.url, knativeerrorcode: '503' });
    expect(Buffer.from(String(letter['knativeerrordata']), 'base64').toString()).toBe('busy right now');
    expect(reports[0]).toMatchObject({ outcome: 'dead-lettered', attempts: 4 });
  });

  it('should space linear retries d·k apart', async () => {
    const subscriber = await endpoint((_q, res, attempt) => res.writeHead(attempt < 3 ? 500 : 202).end());
    await dispatch(subscriber, { retry: 5, backoffPolicy: 'linear', backoffDelayMs: 100 });
    await backend.publish(topic, event());
    await waitFor(() => reports.length === 1, 15_000, 'the delivery');
    expect(reports[0]).toMatchObject({ outcome: 'delivered', attempts: 3 });
    const [a, b, c] = subscriber.attempts.map((x) => x.at);
    expect(b! - a!).toBeGreaterThanOrEqual(85);
    expect(c! - b!).toBeGreaterThanOrEqual(185);
  });

  it.each([
    [404, 3],
    [408, 3],
    [409, 3],
    [429, 3],
    [400, 1],
    [401, 1],
    [403, 1],
    [413, 1],
    [302, 1],
  ])('should answer status %i with %i attempt(s) when retry is 2', async (status, attempts) => {
    const subscriber = await endpoint((_q, res) => res.writeHead(status).end());
    const sink = await endpoint();
    await dispatch(subscriber, { retry: 2, backoffDelayMs: 1 }, sink);
    await backend.publish(topic, event());
    await waitFor(() => sink.attempts.length === 1, 15_000, 'the dead letter');
    expect(subscriber.attempts).toHaveLength(attempts);
    expect(sink.attempts[0]!.event).toMatchObject({ knativeerrorcode: String(status) });
  });

  it('should count a 2xx with a body that is not an event as a failure, without retrying', async () => {
    const subscriber = await endpoint((_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('OK'));
    const sink = await endpoint();
    await dispatch(subscriber, { retry: 3, backoffDelayMs: 1 }, sink);
    await backend.publish(topic, event());
    await waitFor(() => sink.attempts.length === 1, 15_000, 'the dead letter');
    expect(subscriber.attempts).toHaveLength(1);
    expect(sink.attempts[0]!.event).toMatchObject({ knativeerrorcode: '200' });
  });

  it('should retry an attempt that outlives the delivery timeout', async () => {
    const subscriber = await endpoint((_q, res, attempt) => (attempt === 1 ? setTimeout(() => res.writeHead(202).end(), 1500) : res.writeHead(202).end()));
    await dispatch(subscriber, { retry: 1, backoffDelayMs: 1, timeoutMs: 200 });
    await backend.publish(topic, event());
    await waitFor(() => reports.length === 1, 15_000, 'the delivery');
    expect(reports[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
  });

  it('should write a reply back to the broker, where triggers see it', async () => {
    const subscriber = await endpoint((req, res) => {
      if (req.headers['ce-type'] === 'pipeline.reply') return void res.writeHead(202).end();
      const reply = HTTP.binary(toCloudEventForReply());
      res.writeHead(200, reply.headers as Record<string, string>).end(reply.body as string);
    });
    await dispatch(subscriber, {});
    await backend.publish(topic, event('question'));
    await waitFor(() => subscriber.attempts.some((a) => a.event.type === 'pipeline.reply'), 15_000, 'the reply to come back through the broker');
    expect(reports.find((r) => r.event.id === 'question')).toMatchObject({ outcome: 'delivered', reply: 'pipeline.reply' });
  });

  it('should drop (and report) an event that fails with no dead-letter sink', async () => {
    const subscriber = await endpoint((_q, res) => res.writeHead(400).end());
    await dispatch(subscriber, {});
    await backend.publish(topic, event());
    await waitFor(() => reports.length === 1, 15_000, 'the report');
    expect(reports[0]).toMatchObject({ outcome: 'dropped', attempts: 1 });
  });

  it('should deliver only what the filters match', async () => {
    const subscriber = await endpoint();
    await dispatch(subscriber, {}, undefined, [{ exact: { type: 'pipeline.test' } }, { prefix: { subject: 'keep' } }]);
    await backend.publish(topic, event('skipped', { subject: 'drop-me' }));
    await backend.publish(topic, event('kept', { subject: 'keep-me' }));
    await waitFor(() => reports.length === 1, 15_000, 'the matching delivery');
    expect(subscriber.attempts.map((a) => a.event.id)).toEqual(['kept']);
  });
});

function toCloudEventForReply() {
  return new CloudEvent({ id: 'reply-1', source: '/probe', type: 'pipeline.reply', data: { ok: true } });
}
