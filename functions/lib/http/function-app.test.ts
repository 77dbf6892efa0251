import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { CloudEvent, HTTP } from 'cloudevents';
import { InvalidEventError, StorageUnavailableError } from '../errors.js';
import { serveFunction, type ServedFunction } from '../../../test/support/function-server.js';
import { createTestContext, type TestContext } from '../../../test/support/function-context.js';
import { functionApp, sendJson } from './function-app.js';

let ctx: TestContext;
let served: ServedFunction;
let base: string;

functions.http(
  'app-under-test',
  functionApp({
    name: 'probe',
    context: async () => ctx,
    onEvent: async (event) => {
      switch (event.type) {
        case 'reply':
          return new CloudEvent({ type: 'replied', source: '/probe', id: `${event.id}:reply`, data: { seen: event.data } });
        case 'ack':
          return undefined;
        case 'invalid':
          throw new InvalidEventError('that data breaks the contract');
        case 'transient':
          throw new StorageUnavailableError('store is down');
        default:
          throw new Error('a bug');
      }
    },
    routes: [{ method: 'GET', path: /^\/things\/(?<name>[^/]+)$/, handle: async (_req, res, _ctx, params) => sendJson(res, 200, params) }],
  }),
);

beforeAll(async () => {
  ctx = await createTestContext();
  served = await serveFunction('app-under-test');
  base = served.url;
});
afterAll(async () => {
  await served.close();
  await ctx.cleanup();
});

async function send(type: string, mode: 'binary' | 'structured' = 'binary') {
  const event = new CloudEvent({ type, source: '/test', id: `id-${type}`, data: { n: 1 } });
  const message = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event);
  return fetch(base, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
}

describe('the CloudEvent HTTP app every function shares', () => {
  it('should send a reply as a binary-mode CloudEvent the broker can read', async () => {
    const response = await send('reply');
    expect(response.status).toBe(200);
    expect(response.headers.get('ce-type')).toBe('replied');
    const reply = HTTP.toEvent({ headers: Object.fromEntries(response.headers), body: await response.text() }) as CloudEvent<unknown>;
    expect(reply.id).toBe('id-reply:reply');
    expect(reply.data).toEqual({ seen: { n: 1 } });
  });

  it('should accept structured mode too', async () => {
    expect((await send('reply', 'structured')).status).toBe(200);
  });

  it('should ack with an empty 202 when there is no reply', async () => {
    const response = await send('ack');
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('should answer 400 (dead letter, no retry) to a broken contract and to a non-event', async () => {
    const invalid = await send('invalid');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ code: 'E_INVALID_EVENT', message: 'that data breaks the contract' });
    const notEvent = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(notEvent.status).toBe(400);
    expect(((await notEvent.json()) as { message: string }).message).toMatch(/^Not a valid CloudEvent/);
  });

  it('should answer 5xx (retry) to transient failures and bugs, without leaking details', async () => {
    expect((await send('transient')).status).toBe(503);
    const bug = await send('bug');
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ code: 'E_INTERNAL', message: 'internal error' });
  });

  it('should serve health, routes with params, 404 and 405', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', function: 'probe' });
    expect(await (await fetch(`${base}/things/a%20b`)).json()).toEqual({ name: 'a b' });
    expect((await fetch(`${base}/things/x`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});

describe('a function whose store is down at its first event', () => {
  it('should still answer 503 and log the failure with the loader\'s logger', async () => {
    const lines: { fields: Record<string, unknown>; message?: string }[] = [];
    const record = (fields: object | string, message?: string) => void lines.push(typeof fields === 'string' ? { fields: {}, message: fields } : { fields: fields as Record<string, unknown>, message });
    const log = { level: 'info', fatal: record, error: record, warn: record, info: record, debug: record, trace: record };
    const failing = Object.assign(async () => Promise.reject(new StorageUnavailableError('Object store not ready: connect ECONNREFUSED')), { log });
    functions.http('store-down', functionApp({ name: 'probe', context: failing, onEvent: async () => undefined }));
    const served = await serveFunction('store-down');
    try {
      const event = new CloudEvent({ type: 'ack', source: '/test', id: 'first', data: {} });
      const message = HTTP.binary(event);
      const response = await fetch(served.url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
      expect(response.status).toBe(503);
      expect(lines).toEqual([expect.objectContaining({ message: 'event failed', fields: expect.objectContaining({ id: 'first', outcome: 'retry', status: 503 }) })]);
    } finally {
      await served.close();
    }
  });
});
