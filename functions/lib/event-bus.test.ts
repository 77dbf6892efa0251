import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudEvent } from 'cloudevents';
import { BrokerUnavailableError, InvalidEventError } from './errors.js';
import { createHttpEventBus } from './event-bus.js';
import { freePort } from '../../local/net.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A broker ingress stand-in that answers each POST with the next status in `statuses`. */
async function ingress(statuses: number[]): Promise<{ url: string; received: IncomingMessage[] }> {
  const received: IncomingMessage[] = [];
  server = createServer((req, res) => {
    received.push(req);
    req.resume();
    res.writeHead(statuses[Math.min(received.length - 1, statuses.length - 1)]!).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/ns/default`, received };
}

const event = new CloudEvent({ type: 'pipeline.test', source: '/test', id: 'e1', data: { a: 1 } });

describe('HTTP event bus (upload → broker ingress)', () => {
  it('should post the event in binary mode', async () => {
    const broker = await ingress([202]);
    await createHttpEventBus(broker.url).publish(event);
    expect(broker.received).toHaveLength(1);
    expect(broker.received[0]!.headers['ce-id']).toBe('e1');
    expect(broker.received[0]!.headers['ce-type']).toBe('pipeline.test');
  });

  it('should retry while the broker answers 503, then succeed', async () => {
    const broker = await ingress([503, 503, 202]);
    await createHttpEventBus(broker.url, { retryForMs: 5000 }).publish(event);
    expect(broker.received).toHaveLength(3);
  });

  it('should not retry a 400: the event itself is wrong', async () => {
    const broker = await ingress([400]);
    await expect(createHttpEventBus(broker.url).publish(event)).rejects.toThrow(InvalidEventError);
    expect(broker.received).toHaveLength(1);
  });

  it('should give up with a retriable error when the broker stays away', async () => {
    const port = await freePort();
    const bus = createHttpEventBus(`http://127.0.0.1:${port}/ns/default`, { retryForMs: 300 });
    await expect(bus.publish(event)).rejects.toThrow(BrokerUnavailableError);
  });
});
