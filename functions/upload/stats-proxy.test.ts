import '../lib/http/streaming-bodies.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { functionApp } from '../lib/http/function-app.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { waitFor } from '../../test/support/wait.js';
import { uploadRoutes } from './handler.js';
import { createStatsProxyRoutes } from './stats-proxy.js';

const SNAPSHOT = { files: { total: 2, image: 1, document: 1, other: 0 }, bytes: 300, derivatives: 1, classifications: 2, failures: 0, deleted: 0 };

/** A stand-in for the stats service: JSON at /stats, and a stream whose frames the test pushes. */
function fakeStats() {
  const streams = new Set<ServerResponse>();
  let closed = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/stats') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(SNAPSHOT));
    } else if (req.url === '/stats/stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(`event: stats\ndata: ${JSON.stringify(SNAPSHOT)}\n\n`);
      streams.add(res);
      req.on('close', () => {
        streams.delete(res);
        closed++;
      });
    } else {
      res.writeHead(404).end();
    }
  });
  return {
    server,
    streams,
    closed: () => closed,
    push: (data: unknown) => streams.forEach((res) => res.write(`event: stats\ndata: ${JSON.stringify(data)}\n\n`)),
    cut: () => streams.forEach((res) => res.socket?.destroy()),
  };
}

let ctx: TestContext;
let stats: ReturnType<typeof fakeStats>;
let statsUrl: string;
let upload: Server;
let base: string;
let shortLived: Server;
let shortBase: string;

functions.http('stats-proxy-under-test', functionApp({ name: 'upload', context: async () => ctx, routes: uploadRoutes }));
functions.http('stats-proxy-short-streams', functionApp({ name: 'upload', context: async () => ctx, routes: createStatsProxyRoutes({ streamMaxMs: 300, retryMs: 250 }) }));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

beforeAll(async () => {
  stats = fakeStats();
  statsUrl = await listen(stats.server);
  upload = getTestServer('stats-proxy-under-test');
  base = await listen(upload);
  shortLived = getTestServer('stats-proxy-short-streams');
  shortBase = await listen(shortLived);
});
afterAll(async () => {
  stats.streams.forEach((res) => res.destroy());
  await Promise.all([close(upload), close(shortLived), close(stats.server)]);
});
beforeEach(async () => {
  ctx = await createTestContext({ K_SERVICE: 'upload', STATS_URL: `${statsUrl}/` });
});
afterEach(() => ctx.cleanup());

/** Reads a streamed body until `predicate` holds on what arrived so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, predicate: (text: string) => boolean, sofar = ''): Promise<string> {
  const decoder = new TextDecoder();
  let text = sofar;
  while (!predicate(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before the condition held; got ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('the stats proxy on upload', () => {
  it('should forward GET /stats', async () => {
    const response = await fetch(`${base}/stats`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(SNAPSHOT);
  });

  it('should stream /stats/stream frame by frame, and let go of stats when the browser leaves', async () => {
    const abort = new AbortController();
    const response = await fetch(`${base}/stats/stream`, { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const first = await readUntil(reader, (t) => t.includes('"total":2'));
    expect(first).toMatch(/^retry: 1000\n\nevent: stats\ndata: \{/);
    // A frame pushed later arrives while the response is still open: nothing is buffered.
    stats.push({ ...SNAPSHOT, files: { ...SNAPSHOT.files, total: 3 } });
    await readUntil(reader, (t) => t.includes('"total":3'), first);
    const closedBefore = stats.closed();
    abort.abort();
    await waitFor(() => stats.closed() === closedBefore + 1, 5000, 'the proxy to close its stats stream');
  });

  it('should end a stream cleanly before Knative would cut it, and when stats cuts it', async () => {
    const rotated = await fetch(`${shortBase}/stats/stream`);
    const text = await rotated.text();
    expect(text).toMatch(/^retry: 250\n\nevent: stats\n/);

    const response = await fetch(`${base}/stats/stream`);
    const reader = response.body!.getReader();
    await readUntil(reader, (t) => t.includes('event: stats'));
    stats.cut();
    for (;;) if ((await reader.read()).done) break;
  });

  it('should answer 503 with a clear message when STATS_URL is not set', async () => {
    ctx = await createTestContext({ K_SERVICE: 'upload' });
    for (const path of ['/stats', '/stats/stream']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ code: 'E_STATS_UNAVAILABLE', message: expect.stringMatching(/STATS_URL is not set/) });
    }
  });

  it('should answer 503 with a clear message when stats is unreachable', async () => {
    const gone = createServer();
    const goneUrl = await listen(gone);
    await close(gone);
    ctx = await createTestContext({ K_SERVICE: 'upload', STATS_URL: goneUrl });
    const response = await fetch(`${base}/stats/stream`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('E_STATS_UNAVAILABLE');
    expect(body.message).toMatch(new RegExp(`^The stats service at ${goneUrl} is unreachable: .*ECONNREFUSED`));
  });
});
