/**
 * Direct uploads end to end, the same scenarios on the embedded runtime (upload signs its own
 * URLs over the fs store) and on real Kafka + MinIO (MinIO's presigned URLs): one PUT for a
 * photo, resumable multipart for a big file, refusals that store nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { highFrequencyEnergy, isGray, makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Signed {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

export function directUploadSuite(mode: 'embedded' | 'real'): void {
  describe(`direct uploads (${mode})`, () => {
    let pipeline: TestPipeline;
    beforeAll(async () => {
      pipeline = await startTestPipeline({ mode, functionEnv: { DIRECT_UPLOAD_PART_SIZE: String(PART) } });
    }, 900_000);
    afterAll(async () => pipeline?.dispose(), 60_000);

    const api = (path: string) => new URL(path, pipeline.urls.upload).toString();
    const put = (signed: Signed, body: Buffer) => fetch(new URL(signed.url, pipeline.urls.upload), { method: signed.method, headers: signed.headers, body });
    async function post(path: string, body?: unknown) {
      const response = await fetch(api(path), {
        method: 'POST',
        ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    it('should take a photo in one presigned PUT and give it both derivatives on complete', async () => {
      const photo = await makeImage({ width: 640, height: 480 });
      const created = await post('/uploads', { name: 'holiday.jpg', size: photo.length });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ mode: 'single', size: photo.length, effects: [['blur'], ['grayscale']] });
      expect((await put(created.body['upload'], photo)).status).toBe(200);

      const completed = await post(`/uploads/${created.body['id']}/complete?wait=30s`);
      expect(completed.status).toBe(201);
      expect(completed.body).toMatchObject({ id: created.body['id'], name: 'holiday.jpg', kind: 'image', contentType: 'image/jpeg', sha256: sha256(photo), status: 'complete' });
      const files = Object.fromEntries(
        await Promise.all(
          (completed.body['derivatives'] as { chain: string; url: string }[]).map(async (d) => [d.chain, Buffer.from(await (await fetch(api(d.url))).arrayBuffer())] as const),
        ),
      );
      expect(await isGray(files['grayscale']!)).toBe(true);
      expect(await highFrequencyEnergy(files['blur']!)).toBeLessThan((await highFrequencyEnergy(photo)) / 2);
      const content = await fetch(api(`/files/${created.body['id']}/content`));
      expect(content.headers.get('content-type')).toBe('image/jpeg');
      expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(photo));
    }, 120_000);

    it('should resume a multipart upload: complete names the missing parts, GET gives their URLs, the file arrives whole', async () => {
      const bytes = randomBytes(2 * PART + 777_777);
      const created = await post('/uploads', { name: 'scan.bin', size: bytes.length, effects: 'none' });
      expect(created.status).toBe(201);
      expect(created.body['mode']).toBe('multipart');
      const parts = created.body['parts'] as (Signed & { partNumber: number; size: number })[];
      expect(parts.map((p) => p.size)).toEqual([PART, PART, 777_777]);
      expect((await put(parts[0]!, bytes.subarray(0, PART))).status).toBe(200);

      const early = await post(`/uploads/${created.body['id']}/complete`);
      expect(early.status).toBe(409);
      expect(early.body['message']).toMatch(/missing 2 of 3 parts \(2, 3\)/);

      const state = await pipeline.json(api(`/uploads/${created.body['id']}`));
      expect(state).toMatchObject({ state: 'pending', uploadedParts: [{ partNumber: 1, size: PART }] });
      for (const part of state.parts as (Signed & { partNumber: number })[]) {
        const from = (part.partNumber - 1) * PART;
        expect((await put(part, bytes.subarray(from, from + PART))).status).toBe(200);
      }
      const done = await post(`/uploads/${created.body['id']}/complete`);
      expect(done.status).toBe(201);
      expect(done.body).toMatchObject({ kind: 'other', size: bytes.length, sha256: sha256(bytes), effects: [] });
      const content = Buffer.from(await (await fetch(api(`/files/${created.body['id']}/content`))).arrayBuffer());
      expect(content.equals(bytes)).toBe(true);
      expect((await pipeline.json(api(`/uploads/${created.body['id']}`))).state).toBe('complete');
      const again = await post(`/uploads/${created.body['id']}/complete`);
      expect(again.status).toBe(201);
      expect(again.body['sha256']).toBe(sha256(bytes));
    }, 120_000);

    it('should refuse bad requests with a 4xx that says what is wrong, and store nothing', async () => {
      expect((await post('/uploads', { size: 10 })).body['message']).toMatch(/name/);
      expect((await post('/uploads', { name: 'x', size: -1 })).status).toBe(400);
      expect((await post('/uploads', { name: 'x', size: 0 })).body['message']).toBe('Invalid upload request: size: must be at least 1: the file is empty');
      expect((await post('/uploads', { name: 'x', size: 11 * 1024 ** 3 })).body['message']).toMatch(/direct upload limit/);
      expect((await post('/uploads', { name: 'x', size: 10, effects: 'sharpen' })).body['message']).toMatch(/Unknown effect "sharpen"/);

      const forged = await post('/uploads', { name: 'forged.bin', size: 10 });
      const url = new URL(forged.body['upload'].url, pipeline.urls.upload);
      const signatureName = url.searchParams.has('X-Amz-Signature') ? 'X-Amz-Signature' : 'token';
      const signature = url.searchParams.get(signatureName)!;
      url.searchParams.set(signatureName, signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA'));
      expect((await put({ ...forged.body['upload'], url: url.toString() }, randomBytes(10))).status).toBe(403);

      const created = await post('/uploads', { name: 'short.bin', size: 1000 });
      const tooLong = await put(created.body['upload'], randomBytes(1001)).catch(() => undefined);
      expect(tooLong === undefined || (tooLong.status >= 400 && tooLong.status < 500)).toBe(true);
      const complete = await post(`/uploads/${created.body['id']}/complete`);
      expect(complete.status).toBe(409);
      expect(complete.body['message']).toMatch(/Nothing has been uploaded/);
      const aborted = await fetch(api(`/uploads/${created.body['id']}`), { method: 'DELETE' });
      expect(aborted.status).toBe(200);
      expect((await fetch(api(`/uploads/${created.body['id']}`))).status).toBe(404);
      expect((await fetch(api(`/files/${created.body['id']}`))).status).toBe(404);
    }, 60_000);
  });
}
