import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { HTTP } from 'cloudevents';
import { events } from '../lib/events.js';
import { serveFunction, type ServedFunction } from '../../test/support/function-server.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { createStatsFunction } from './index.js';

let ctx: TestContext;
let served: ServedFunction;
let base: string;
functions.http('stats-under-test', createStatsFunction(async () => ctx));

beforeAll(async () => {
  served = await serveFunction('stats-under-test');
  base = served.url;
});
afterAll(() => served.close());
beforeEach(async () => {
  ctx = await createTestContext({ K_SERVICE: 'stats' });
});
afterEach(() => ctx.cleanup());

const uploaded = (n: number) =>
  events.fileUploaded(
    { id: `0190a7d2-3c4e-7a00-8000-${String(n).padStart(12, '0')}`, bucket: 'files', key: 'k', name: 'n', contentType: 'image/png', size: 10, sha256: 'c'.repeat(64), kind: 'image', uploadedAt: new Date().toISOString() },
    { source: '/upload', traceparent: '' },
  );

async function deliver(event: ReturnType<typeof uploaded>) {
  const message = HTTP.binary(event);
  return fetch(base, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
}

describe('stats service over HTTP', () => {
  it('should count delivered events and serve them at GET /stats, same-origin only by default', async () => {
    expect((await deliver(uploaded(1))).status).toBe(202);
    const response = await fetch(`${base}/stats`, { headers: { origin: 'https://elsewhere.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
    expect(await response.json()).toMatchObject({ files: { total: 1, image: 1 }, bytes: 10 });
  });

  it('should allow exactly the origins CORS_ORIGINS lists', async () => {
    await ctx.cleanup();
    ctx = await createTestContext({ K_SERVICE: 'stats', CORS_ORIGINS: 'https://dash.example, http://127.0.0.1:3000' });
    const listed = await fetch(`${base}/stats`, { headers: { origin: 'https://dash.example' } });
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(listed.headers.get('vary')).toMatch(/Origin/);
    const other = await fetch(`${base}/stats`, { headers: { origin: 'https://dash.example.evil' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/stats`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('should push new totals to a live stream without a reload', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/stats/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const frames = async (count: number) => {
      while (text.split('\n\n').length - 1 < count) text += decoder.decode((await reader.read()).value, { stream: true });
      return text.split('\n\n').filter(Boolean).map((frame) => JSON.parse(frame.split('data: ')[1]!));
    };
    expect((await frames(1))[0].files.total).toBe(0);
    await deliver(uploaded(2));
    expect((await frames(2))[1].files.total).toBe(1);
    controller.abort();
  });
});
