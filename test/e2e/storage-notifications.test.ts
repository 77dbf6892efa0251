/**
 * S3-native ingestion on real Kafka + MinIO: files written with a plain S3 client (the `minio`
 * SDK, not our API) reach the pipeline through MinIO's bucket notifications → Kafka → the
 * KafkaSource of eventing/ → upload's /storage-events, and every file is announced once —
 * including the ones that also came through the API (POST /files, direct upload + complete).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'minio';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfra } from '../../local/infra/index.js';
import { highFrequencyEnergy, isGray, makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('storage notifications: files written straight into MinIO enter the pipeline once (real Kafka + MinIO)', () => {
  let pipeline: TestPipeline;
  let s3: Client;
  let bucket: string;
  const uploadedDeliveries: string[] = [];
  const stats = () => pipeline.json(`${pipeline.urls.services['stats']}/stats`);
  const api = (path: string) => new URL(path, pipeline.urls.upload).toString();

  beforeAll(async () => {
    const { minio } = await ensureInfra({ log: () => undefined });
    // debug: notifications that are ignored (API uploads) are logged at that level only.
    pipeline = await startTestPipeline({ mode: 'real', functionEnv: { LOG_LEVEL: 'debug' } });
    bucket = pipeline.namespace; // startTestPipeline names the bucket after the namespace
    pipeline.onReport((report) => {
      if (report.event.type === 'pipeline.file.uploaded') uploadedDeliveries.push(report.event.id);
    });
    s3 = new Client({ endPoint: minio.endPoint, port: minio.port, useSSL: minio.useSSL, accessKey: minio.accessKey, secretKey: minio.secretKey, region: 'us-east-1' });
  }, 900_000);
  afterAll(async () => pipeline?.dispose(), 60_000);

  async function fileNamed(name: string): Promise<Record<string, any> | undefined> {
    const { files } = await pipeline.json(api('/files?limit=500'));
    return (files as Record<string, any>[]).find((file) => file.name === name);
  }

  async function originals(): Promise<string[]> {
    const names: string[] = [];
    for await (const object of s3.listObjectsV2(bucket, 'originals/', true)) if (object.name) names.push(object.name);
    return names;
  }

  it('should adopt a photo copied in under its own name: new id, both derivatives, classification, counted once', async () => {
    const photo = await makeImage({ width: 800, height: 600 });
    await s3.putObject(bucket, 'originals/summer holiday.jpg', photo, photo.length, { 'Content-Type': 'image/jpeg' });

    await waitFor(async () => (await fileNamed('summer holiday.jpg')) !== undefined, 60_000, 'the copied photo to be announced');
    const listed = (await fileNamed('summer holiday.jpg'))!;
    expect(listed).toMatchObject({ kind: 'image', contentType: 'image/jpeg', size: photo.length, sha256: sha256(photo) });
    await waitFor(async () => (await pipeline.json(api(`/files/${listed['id']}`))).status === 'complete', 60_000, 'derivatives and classification');
    const view = await pipeline.json(api(`/files/${listed['id']}`));
    const derived = Object.fromEntries(
      await Promise.all((view.derivatives as { chain: string; url: string }[]).map(async (d) => [d.chain, Buffer.from(await (await fetch(api(d.url))).arrayBuffer())] as const)),
    );
    expect(Object.keys(derived).sort()).toEqual(['blur', 'grayscale']);
    expect(await isGray(derived['grayscale']!)).toBe(true);
    expect(await highFrequencyEnergy(derived['blur']!)).toBeLessThan((await highFrequencyEnergy(photo)) / 2);
    expect(view.classification).toMatchObject({ kind: 'image', format: 'jpeg', width: 800, height: 600 });
    // The foreign-named object is replaced by the id-named one.
    await waitFor(async () => !(await originals()).includes('originals/summer holiday.jpg'), 30_000, 'the foreign key to be removed');
    expect(await originals()).toEqual([`originals/${listed['id']}`]);
    await waitFor(async () => (await stats()).classifications === 1 && (await stats()).derivatives === 2, 30_000, 'stats');
    expect((await stats()).files).toEqual({ total: 1, image: 1, document: 0, other: 0 });
  }, 180_000);

  it('should announce an object written under an id as that id', async () => {
    const id = uuidv7();
    const bytes = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await s3.putObject(bucket, `originals/${id}`, bytes, bytes.length, { 'X-Amz-Meta-Original-Name': 'minutes.pdf' });
    await waitFor(async () => (await fetch(api(`/files/${id}`))).status === 200, 60_000, 'the object to be announced');
    expect(await pipeline.json(api(`/files/${id}`))).toMatchObject({ id, name: 'minutes.pdf', kind: 'document', sha256: sha256(bytes), chains: [] });
    // Settled before the next test takes its baseline: classified and counted.
    await waitFor(async () => (await pipeline.json(api(`/files/${id}`))).status === 'complete', 30_000, 'the document to be classified');
    await waitFor(async () => (await stats()).files.document === 1 && (await stats()).classifications === 2, 30_000, 'stats to count the document');
  }, 120_000);

  it('should announce API uploads once although MinIO notifies them too', async () => {
    const before = await stats();
    const photo = await makeImage({ width: 320, height: 240 });
    const viaApi = await pipeline.upload(photo, 'through-the-api.jpg', '?wait=30s');
    expect(viaApi.status).toBe(201);

    const direct = await makeImage({ width: 640, height: 480 });
    const created = (await (
      await fetch(api('/uploads'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'direct.jpg', size: direct.length }) })
    ).json()) as { id: string; upload: { url: string; headers: Record<string, string> } };
    expect((await fetch(created.upload.url, { method: 'PUT', headers: created.upload.headers, body: direct })).status).toBe(200);
    // The notification and this complete race to announce the same file.
    const completed = await fetch(api(`/uploads/${created.id}/complete?wait=30s`), { method: 'POST' });
    expect(completed.status).toBe(201);
    expect(await completed.json()).toMatchObject({ id: created.id, status: 'complete', sha256: sha256(direct) });

    const handled = (id: string) => pipeline.logs.filter((line) => line.includes('storage notification handled') && line.includes(id));
    await waitFor(() => handled(created.id).length > 0 && handled(viaApi.body['id']).length > 0, 60_000, 'both notifications to be handled');
    let last: any;
    await waitFor(
      async () => {
        last = await stats();
        return last.derivatives === before.derivatives + 4 && last.classifications === before.classifications + 2;
      },
      60_000,
      'stats to count both files',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: before ${JSON.stringify(before)}, last ${JSON.stringify(last)}; logs:\n${pipeline.logs.filter((l) => /error|warn|dead|storage notification/i.test(l)).slice(-40).join('\n')}`);
    });
    expect((await stats()).files.total).toBe(before.files.total + 2);
    expect(handled(viaApi.body['id']).every((line) => line.includes('"outcome":"ignored"'))).toBe(true);
    expect(handled(created.id).every((line) => line.includes('"outcome":"already-announced"') || line.includes('"outcome":"announced"'))).toBe(true);
    // Announced once: each consumer saw one file.uploaded per file.
    for (const id of [viaApi.body['id'] as string, created.id]) {
      expect(uploadedDeliveries.filter((eventId) => eventId === `${id}:uploaded`)).toHaveLength(2); // classify and stats
    }
  }, 180_000);

  it('should dead-letter a notification that is not one, and keep going', async () => {
    const bogus = randomBytes(8).toString('hex');
    const response = await fetch(`${pipeline.urls.services['upload']}/storage-events`, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0', 'ce-id': bogus, 'ce-source': '/test', 'ce-type': 'dev.knative.kafka.event', 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/Not a MinIO bucket notification: Records/);
  });
});
