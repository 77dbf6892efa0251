/**
 * The MinIO adapter against fake servers: what goes on the wire, and how network and server
 * failures are reported. Its behaviour on a real MinIO is test/conformance/object-store.test.ts.
 */
import http from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, PreconditionFailedError, StorageUnavailableError } from '../errors.js';
import { createMinioStore } from './minio.js';
import type { ObjectStore } from './port.js';

const ACCESS_KEY = 'AKIAFAKEACCESSKEY123';
const SECRET_KEY = 'fake/Secret+Key/0123456789abcdefghijklmn';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

function storeAt(port: number, extra: { requestTimeoutMs?: number } = {}): ObjectStore {
  return createMinioStore({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, region: 'us-east-1', bucket: 'files', ...extra });
}

async function listen(server: Server | http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const operations: [string, (store: ObjectStore) => Promise<unknown>][] = [
  ['ensureReady', (store) => store.ensureReady()],
  ['put', (store) => store.put('originals/x', Buffer.from('x'))],
  ['get', (store) => store.get('originals/x')],
  ['getRange', (store) => store.getRange('originals/x', 0, 4)],
  ['head', (store) => store.head('originals/x')],
  ['list', async (store) => { for await (const _ of store.list('originals/')) void _; }],
  ['delete', (store) => store.delete('originals/x')],
];

function expectUnavailable(error: unknown, port: number): void {
  expect(error).toBeInstanceOf(StorageUnavailableError);
  const { message, retriable } = error as StorageUnavailableError;
  expect(retriable).toBe(true);
  expect(message).toContain(`127.0.0.1:${port}`);
  expect(message).not.toContain(ACCESS_KEY);
  expect(message).not.toContain(SECRET_KEY);
  expect(JSON.stringify(error)).not.toContain(SECRET_KEY);
}

describe('MinIO adapter failures', () => {
  it.each(operations)('%s on a closed port is StorageUnavailableError naming the endpoint, never the keys', async (_name, operation) => {
    const port = await closedPort();
    const error = await operation(storeAt(port)).then(() => undefined, (e: unknown) => e);
    expectUnavailable(error, port);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('a server that accepts and never answers times out as StorageUnavailableError', async () => {
    const port = await listen(createServer(() => undefined));
    const started = Date.now();
    const error = await storeAt(port, { requestTimeoutMs: 300 }).head('originals/x').then(() => undefined, (e: unknown) => e);
    expectUnavailable(error, port);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([500, 503])('a %i answer is StorageUnavailableError', async (status) => {
    const port = await listen(
      http.createServer((request, response) => {
        request.resume();
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error</Message></Error>');
      }),
    );
    const error = await storeAt(port).put('originals/x', Buffer.from('x')).then(() => undefined, (e: unknown) => e);
    expectUnavailable(error, port);
  });

  it('keeps working through a long run of 5xx answers (their bodies are drained, sockets reused)', async () => {
    const port = await listen(
      http.createServer((request, response) => {
        request.resume();
        response.writeHead(503, { 'content-type': 'application/xml' });
        response.end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      }),
    );
    const store = storeAt(port, { requestTimeoutMs: 2_000 });
    for (let i = 0; i < 100; i++) await expect(store.put(`originals/${i}`, Buffer.from('x'))).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('refused credentials are StorageUnavailableError without the keys in the message', async () => {
    const port = await listen(
      http.createServer((request, response) => {
        request.resume();
        response.writeHead(403, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The Access Key Id ${ACCESS_KEY} does not exist</Message></Error>`);
      }),
    );
    const error = await storeAt(port).put('originals/x', Buffer.from('x')).then(() => undefined, (e: unknown) => e);
    expectUnavailable(error, port);
  });

  it('a connection cut while the body streams fails the body with StorageUnavailableError', async () => {
    const port = await listen(
      http.createServer((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-length': '100000', etag: '"abc"', 'content-type': 'application/octet-stream' });
        response.write(Buffer.alloc(1000));
        setImmediate(() => response.socket?.destroy());
      }),
    );
    const { body } = await storeAt(port).get('originals/x');
    const error = await (async () => {
      for await (const chunk of body) void chunk;
    })().then(() => undefined, (e: unknown) => e);
    expectUnavailable(error, port);
  });

  it('sends conditions as real If-Match / If-None-Match headers and metadata as x-amz-meta-*', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    let status = 200;
    const port = await listen(
      http.createServer((request, response) => {
        request.resume();
        seen.push(request.headers);
        response.writeHead(status, { etag: '"0123"', 'content-type': 'application/xml' });
        response.end(status === 412 ? '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>' : '');
      }),
    );
    const store = storeAt(port);
    expect(await store.put('originals/x', Buffer.from('x'), { ifMatch: 'abc', metadata: { Function: 'upload' }, contentType: 'image/png' })).toEqual({ etag: '0123', size: 1 });
    await store.put('originals/y', Buffer.from('y'), { ifNoneMatch: '*' });
    expect(seen[0]).toMatchObject({ 'if-match': '"abc"', 'x-amz-meta-function': 'upload', 'content-type': 'image/png' });
    expect(seen[0]).not.toHaveProperty('x-amz-meta-if-match');
    expect(seen[1]).toMatchObject({ 'if-none-match': '*', 'content-type': 'application/octet-stream' });
    expect(seen[1]).not.toHaveProperty('if-match');
    status = 412;
    await expect(store.put('originals/x', Buffer.from('x'), { ifMatch: 'abc' })).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('refuses an invalid bucket name or part size up front', () => {
    expect(() => createMinioStore({ endPoint: '127.0.0.1', port: 9000, useSSL: false, accessKey: 'a', secretKey: 'b', bucket: 'Bad_Bucket' })).toThrow(InvalidInputError);
    expect(() => createMinioStore({ endPoint: '127.0.0.1', port: 9000, useSSL: false, accessKey: 'a', secretKey: 'b', bucket: 'files', partSize: 1024 })).toThrow(InvalidInputError);
  });
});
