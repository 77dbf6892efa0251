/**
 * StagedUploads conformance: what a client sees of a direct upload, the same on MinIO's own
 * presigned URLs (real MinIO from the infra scripts) and on the upload service's proxied URLs
 * over the fs store (served here by a plain HTTP server calling `receive`, as upload does).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, toHttpError } from '../../functions/lib/errors.js';
import { createFsStore } from '../../functions/lib/store/fs.js';
import { createMinioStore } from '../../functions/lib/store/minio.js';
import { readAll, type ObjectStore } from '../../functions/lib/store/port.js';
import { createProxiedStagedUploads, type PresignedRequest, type StagedUploads } from '../../functions/lib/store/staged-uploads.js';
import { ensureInfra } from '../../local/infra/index.js';

const MiB = 1024 * 1024;
const randomName = () => `test-${randomBytes(6).toString('hex')}`;

interface Harness {
  readonly store: ObjectStore;
  readonly staged: StagedUploads;
  /** Turns a presigned request's URL into one this test can fetch. */
  readonly resolve: (url: string) => string;
  cleanup(): Promise<void>;
}

const adapters: { name: string; setup(): Promise<Harness> }[] = [
  {
    name: 'proxied (fs)',
    async setup() {
      const dir = await mkdtemp(join(tmpdir(), 'staged-'));
      const store = createFsStore({ root: dir, bucket: randomName() });
      const staged = createProxiedStagedUploads(store, randomBytes(32).toString('hex'), '/put');
      const server = http.createServer((req, res) => {
        const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
        staged.receive(token, req).then(
          (part) => res.writeHead(200, { ETag: `"${part.etag}"` }).end(),
          (error: unknown) => {
            const { status, body } = toHttpError(error);
            res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' }).end(JSON.stringify(body));
          },
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        store,
        staged,
        resolve: (url) => new URL(url, base).toString(),
        cleanup: async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'minio',
    async setup() {
      const { minio } = await ensureInfra({ minio: true, kafka: false });
      const bucket = randomName();
      const store = createMinioStore({ ...minio, region: 'us-east-1', bucket });
      await store.ensureReady();
      const admin = new Client({ endPoint: minio.endPoint, port: minio.port, useSSL: minio.useSSL, accessKey: minio.accessKey, secretKey: minio.secretKey, region: 'us-east-1' });
      return {
        store,
        staged: store.staged,
        resolve: (url) => url,
        async cleanup() {
          const response = await admin.makeRequestAsync({ method: 'DELETE', bucketName: bucket, headers: { 'x-minio-force-delete': 'true' } }, '', [204, 404]);
          response.resume();
        },
      };
    },
  },
];

describe.each(adapters)('StagedUploads conformance: $name', ({ setup }) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await setup();
    await harness.store.ensureReady();
  }, 900_000);
  afterAll(async () => harness?.cleanup());

  const send = (request: PresignedRequest, body: Buffer) =>
    fetch(harness.resolve(request.url), { method: request.method, headers: request.headers, body });

  it('creates the object with its type and metadata from one presigned PUT', async () => {
    const key = `originals/${randomName()}`;
    const bytes = randomBytes(300_000);
    const request = await harness.staged.presignPut(key, { contentType: 'application/octet-stream', metadata: { ingest: 'direct', 'original-name': 'a%20b.bin' } }, bytes.length, 60);
    const response = await send(request, bytes);
    expect(response.status).toBe(200);
    const stored = await readAll(harness.store, key);
    expect(stored.bytes.equals(bytes)).toBe(true);
    expect(stored.info.metadata).toMatchObject({ ingest: 'direct', 'original-name': 'a%20b.bin' });
  });

  it('refuses a body of another size than the one signed, and stores nothing', async () => {
    const key = `originals/${randomName()}`;
    const request = await harness.staged.presignPut(key, { contentType: 'application/octet-stream', metadata: {} }, 1000, 60);
    const response = await send(request, randomBytes(1001));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await harness.store.head(key)).toBeUndefined();
  });

  it('refuses an expired URL with 403', async () => {
    const key = `originals/${randomName()}`;
    const request = await harness.staged.presignPut(key, { contentType: 'application/octet-stream', metadata: {} }, 10, 1);
    // The condition is time itself: S3 counts expiry in whole seconds from the signing second.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await send(request, randomBytes(10))).status).toBe(403);
    expect(await harness.store.head(key)).toBeUndefined();
  });

  it('assembles multipart parts sent out of order, lists them for a resume, and forgets the upload once complete', async () => {
    const key = `originals/${randomName()}`;
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(123_456)];
    const uploadId = await harness.staged.createMultipart(key, { contentType: 'application/pdf', metadata: { ingest: 'direct' } });
    for (const index of [2, 0]) {
      const request = await harness.staged.presignPart(key, uploadId, index + 1, parts[index]!.length, 60);
      expect((await send(request, parts[index]!)).status).toBe(200);
    }
    const listed = await harness.staged.listParts(key, uploadId);
    expect(listed.map((p) => [p.partNumber, p.size])).toEqual([
      [1, parts[0]!.length],
      [3, parts[2]!.length],
    ]);
    const resumed = await harness.staged.presignPart(key, uploadId, 2, parts[1]!.length, 60);
    expect((await send(resumed, parts[1]!)).status).toBe(200);
    await harness.staged.completeMultipart(key, uploadId, await harness.staged.listParts(key, uploadId));
    const stored = await readAll(harness.store, key);
    expect(stored.bytes.equals(Buffer.concat(parts))).toBe(true);
    expect(stored.info.contentType).toBe('application/pdf');
    expect(stored.info.metadata).toMatchObject({ ingest: 'direct' });
    await expect(harness.staged.listParts(key, uploadId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('aborts an upload: its parts are gone and the object never appears', async () => {
    const key = `originals/${randomName()}`;
    const uploadId = await harness.staged.createMultipart(key, { contentType: 'application/octet-stream', metadata: {} });
    const request = await harness.staged.presignPart(key, uploadId, 1, 5 * MiB, 60);
    expect((await send(request, randomBytes(5 * MiB))).status).toBe(200);
    await harness.staged.abortMultipart(key, uploadId);
    await harness.staged.abortMultipart(key, uploadId);
    await expect(harness.staged.listParts(key, uploadId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await harness.store.head(key)).toBeUndefined();
  });
});
