import '../lib/http/streaming-bodies.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from 'cloudevents';
import { EventType } from '../lib/events.js';
import { functionApp, type CloudEventHandler } from '../lib/http/function-app.js';
import { keys } from '../lib/keys.js';
import { listKeys, readAll } from '../lib/store/port.js';
import { isGray, makeImage, makePdf } from '../../test/support/images.js';
import { serveFunction, type ServedFunction } from '../../test/support/function-server.js';
import { createTestContext, received, type TestContext } from '../../test/support/function-context.js';
import { handleBlur } from '../blur/handler.js';
import { handleGrayscale } from '../grayscale/handler.js';
import { handleClassify } from '../classify/handler.js';
import { uploadRoutes } from './handler.js';

let ctx: TestContext;
let served: ServedFunction;
let base: string;

functions.http('upload-under-test', functionApp({ name: 'upload', context: async () => ctx, routes: uploadRoutes }));

beforeAll(async () => {
  served = await serveFunction('upload-under-test');
  base = served.url;
});
afterAll(() => served.close());
beforeEach(async () => {
  ctx = await createTestContext({ K_SERVICE: 'upload', UPLOAD_MAX_BYTES: String(1024 * 1024) });
});
afterEach(() => ctx.cleanup());

function form(file: Buffer | undefined, name = 'photo.jpg', fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  if (file) body.append('file', new Blob([new Uint8Array(file)]), name);
  return body;
}

async function post(path: string, body: FormData | string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, { method: 'POST', body, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('upload API', () => {
  describe('POST /files', () => {
    it('should store a JPEG, sniff it, and request the chain it was asked for', async () => {
      const jpeg = await makeImage();
      const { status, body } = await post('/files?effects=grayscale,blur', form(jpeg, 'holiday photo.png'));
      expect(status).toBe(201);
      expect(body).toMatchObject({ kind: 'image', contentType: 'image/jpeg', size: jpeg.length, name: 'holiday photo.png', effects: [['grayscale', 'blur']] });
      const id = body['id'] as string;
      const { info, bytes } = await readAll(ctx.store, keys.original(id));
      expect(bytes.equals(jpeg)).toBe(true);
      expect(info.contentType).toBe('image/jpeg');
      expect(info.metadata['original-name']).toBe(encodeURIComponent('holiday photo.png'));
      const published = ctx.bus.published.map((e) => [e.type, e['effect']]);
      expect(published).toEqual([
        [EventType.fileUploaded, undefined],
        [EventType.effectRequested, 'grayscale'],
      ]);
      expect(new Set(ctx.bus.published.map((e) => String(e.traceparent).split('-')[1])).size).toBe(1);
    });

    it('should request blur and grayscale of the original by default', async () => {
      const { body } = await post('/files', form(await makeImage()));
      expect(body['effects']).toEqual([['blur'], ['grayscale']]);
      expect(ctx.bus.published.filter((e) => e.type === EventType.effectRequested).map((e) => e['effect'])).toEqual(['blur', 'grayscale']);
    });

    it('should take effects from a form field and several chains from repeated values', async () => {
      const { body } = await post('/files', form(await makeImage(), 'a.jpg', { effects: 'blur' }), {});
      expect(body['effects']).toEqual([['blur']]);
      const again = await post('/files?effects=blur&effects=grayscale,blur', form(await makeImage()));
      expect(again.body['effects']).toEqual([['blur'], ['grayscale', 'blur']]);
    });

    it('should accept any file and request no effects for documents', async () => {
      const { status, body } = await post('/files', form(makePdf(), 'report.pdf'));
      expect(status).toBe(201);
      expect(body).toMatchObject({ kind: 'document', contentType: 'application/pdf', effects: [] });
      expect(ctx.bus.published.map((e) => e.type)).toEqual([EventType.fileUploaded]);
    });

    it.each([
      ['an unknown effect', '/files?effects=grayscale,sepia', () => makeImage(), 400, /Unknown effect "sepia"; known effects: blur, grayscale/],
      ['a sigma out of range', '/files?sigma=900', () => makeImage(), 400, /Expected a number between 0.3 and 50 for sigma but received "900"/],
      ['a bad wait', '/files?wait=soon', () => makeImage(), 400, /for wait/],
      ['an empty file', '/files', async () => Buffer.alloc(0), 400, /File is empty/],
      ['a file over the limit', '/files', async () => Buffer.alloc(1024 * 1024 + 10, 7), 413, /larger than the limit of 1048576 bytes/],
    ])('should refuse %s with a clear message and keep nothing', async (_name, path, file, status, message) => {
      const response = await post(path, form(await file()));
      expect(response.status).toBe(status);
      expect(String(response.body['message'])).toMatch(message);
      expect(await listKeys(ctx.store, '')).toEqual([]);
      expect(ctx.bus.published).toEqual([]);
    });

    it('should refuse a request without a file', async () => {
      const response = await post('/files', form(undefined, '', { effects: 'blur' }));
      expect(response).toMatchObject({ status: 400, body: { code: 'E_INVALID_INPUT' } });
      expect(String(response.body['message'])).toMatch(/No file in the request/);
    });

    it('should refuse a body that is not multipart', async () => {
      const response = await post('/files', '{"file":"x"}', { 'content-type': 'application/json' });
      expect(response.status).toBe(400);
      expect(String(response.body['message'])).toMatch(/multipart\/form-data/);
    });

    it('should cut a chunked body (no Content-Length) at our limit and keep nothing', async () => {
      const multipart = new Response(form(Buffer.alloc(3 * 1024 * 1024, 1)));
      const response = await fetch(`${base}/files`, {
        method: 'POST',
        body: multipart.body,
        headers: { 'content-type': multipart.headers.get('content-type')! },
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(await listKeys(ctx.store, '')).toEqual([]);
    });
  });

  describe('reading and deleting', () => {
    async function upload(file: Buffer, name: string, query = '') {
      return (await post(`/files${query}`, form(file, name))).body['id'] as string;
    }

    it('should list files newest first and describe one', async () => {
      const first = await upload(makePdf(), 'a.pdf');
      const second = await upload(Buffer.from('plain text'), 'b.txt');
      const list = (await (await fetch(`${base}/files`)).json()) as { files: { id: string; kind: string }[] };
      expect(list.files.map((f) => f.id)).toEqual([second, first]);
      expect(list.files[0]!.kind).toBe('other');
      const paged = (await (await fetch(`${base}/files?limit=1`)).json()) as { files: unknown[]; next: string };
      expect(paged.files).toHaveLength(1);
      expect(paged.next).toBe(`/files?limit=1&before=${second}`);
      const view = (await (await fetch(`${base}/files/${first}`)).json()) as Record<string, unknown>;
      expect(view).toMatchObject({ id: first, name: 'a.pdf', kind: 'document', status: 'processing', derivatives: [], classification: null });
    });

    it('should serve content with its type, nosniff, and documents as attachments', async () => {
      const id = await upload(makePdf(), 'report.pdf');
      const response = await fetch(`${base}/files/${id}/content`);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''report.pdf`);
      expect(Buffer.from(await response.arrayBuffer()).equals(makePdf())).toBe(true);
    });

    it('should answer 400 for a malformed id and 404 for an unknown one', async () => {
      expect((await fetch(`${base}/files/..%2F..%2Fetc`)).status).toBe(400);
      expect((await fetch(`${base}/files/0190a7d2-3c4e-7a00-8000-00000000ffff`)).status).toBe(404);
      expect((await fetch(`${base}/nowhere`)).status).toBe(404);
      expect((await fetch(`${base}/files`, { method: 'PUT' })).status).toBe(405);
    });

    it('should delete the file, its derivatives and metadata, and announce it', async () => {
      const id = await upload(await makeImage(), 'p.jpg', '?effects=blur');
      await ctx.store.put(keys.derived(id, ['blur'], 0, 'jpg'), Buffer.from('x'));
      const response = await fetch(`${base}/files/${id}`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(await listKeys(ctx.store, '')).toEqual([]);
      const announced = ctx.bus.published.at(-1)!;
      expect(announced.type).toBe(EventType.fileDeleted);
      expect((announced.data as { keys: string[] }).keys).toEqual(expect.arrayContaining([keys.original(id), keys.uploadRecord(id), keys.derived(id, ['blur'], 0, 'jpg')]));
      expect((await fetch(`${base}/files/${id}`)).status).toBe(404);
    });
  });

  describe('?wait', () => {
    /** Delivers what upload published to the real handlers, and their replies onward, in process. */
    async function runPipeline(until: () => boolean) {
      const handlers: Record<string, CloudEventHandler> = { blur: handleBlur, grayscale: handleGrayscale };
      const queue: CloudEvent<unknown>[] = [];
      let seen = 0;
      while (!until()) {
        queue.push(...ctx.bus.published.slice(seen));
        seen = ctx.bus.published.length;
        const event = queue.shift();
        if (!event) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const handler = event.type === EventType.fileUploaded ? handleClassify : event.type === EventType.effectRequested ? handlers[String(event['effect'])] : undefined;
        const reply = handler ? await handler(received(event), ctx) : undefined;
        if (reply) queue.push(reply);
      }
    }

    it('should answer with the applied effects and who processed each step once the pipeline is done', async () => {
      let answered = false;
      const pending = post('/files?effects=grayscale,blur&wait=10s', form(await makeImage(), 'p.jpg')).finally(() => (answered = true));
      await runPipeline(() => answered);
      const { status, body } = await pending;
      expect(status).toBe(201);
      expect(body).toMatchObject({ status: 'complete', applied_effects: ['grayscale+blur'] });
      expect(body['processed_by']).toEqual([
        { chain: 'grayscale+blur', step: 0, effect: 'grayscale', function: 'upload', revision: 'test-00001', instance: 'test-instance' },
        { chain: 'grayscale+blur', step: 1, effect: 'blur', function: 'upload', revision: 'test-00001', instance: 'test-instance' },
      ]);
      expect(body['view_url']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
      const derived = (body['derivatives'] as { url: string }[]).at(-1)!;
      const image = Buffer.from(await (await fetch(base + derived.url)).arrayBuffer());
      expect(await isGray(image)).toBe(true);
      expect((body['classification'] as { kind: string }).kind).toBe('image');
    });

    it('should report a file still processing when the wait runs out', async () => {
      const { body } = await post('/files?wait=150ms', form(await makeImage()));
      expect(body['status']).toBe('processing');
      expect(body['applied_effects']).toEqual([]);
    });
  });
});
