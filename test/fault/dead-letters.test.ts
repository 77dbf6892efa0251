/**
 * A function that answers 503 (its object store is down) is retried as the Broker's delivery
 * says, then its event lands in the dead-letter sink with the knativeerror* extensions; once the
 * store is back, replay sends it through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { ensureInfra, stopInfra } from '../../local/infra/index.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

describe('dead letters and replay on real Kafka and MinIO', () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    pipeline = await startTestPipeline({ mode: 'real', delivery: { retry: 2, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' } });
  }, 900_000);
  afterAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    await pipeline?.dispose();
  }, 120_000);

  it('should retry a 503 twice, dead-letter it, and process it on replay', async () => {
    const { body } = await pipeline.upload(Buffer.from('a note\n'), 'note.txt', '?wait=20s');
    expect(body['status']).toBe('complete');
    const uploaded = new CloudEvent({
      type: 'pipeline.file.uploaded',
      source: '/upload',
      id: `${body['id']}:uploaded-again`,
      subject: body['id'],
      data: { id: body['id'], bucket: pipeline.namespace, key: `originals/${body['id']}`, name: 'note.txt', contentType: 'text/plain', size: 7, sha256: body['sha256'], kind: 'other', uploadedAt: new Date().toISOString() },
    });

    await stopInfra({ only: 'minio' });
    try {
      const message = HTTP.binary(uploaded);
      expect((await fetch(pipeline.urls.broker, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string })).status).toBe(202);
      await waitFor(async () => (await pipeline.deadLetters()).filter((e) => e.id === uploaded.id).length === 2, 30_000, 'classify and stats to dead-letter the event');
    } finally {
      await ensureInfra({ kafka: false, minio: true });
    }
    const letters = (await pipeline.deadLetters()).filter((e) => e.id === uploaded.id) as unknown as Record<string, string>[];
    expect(letters.map((l) => l['knativeerrordest']).sort()).toEqual([pipeline.urls.services['classify'], pipeline.urls.services['stats']].sort());
    for (const letter of letters) {
      expect(letter['knativeerrorcode']).toBe('503');
      expect(Buffer.from(letter['knativeerrordata']!, 'base64').toString()).toContain('E_STORAGE_UNAVAILABLE');
    }
    const classifyAttempts = pipeline.logs.filter((line) => line.includes(uploaded.id) && line.includes('classify-') && line.includes('event failed'));
    expect(classifyAttempts).toHaveLength(3);

    const replayed = await pipeline.replayDeadLetters([uploaded.id]);
    expect(replayed).toBe(2);
    await waitFor(() => pipeline.logs.some((line) => line.includes(uploaded.id) && line.includes('classify-') && line.includes('"outcome":"replied"')), 30_000, 'classify to handle the replayed event');
    expect((await pipeline.deadLetters()).filter((e) => e.id === uploaded.id)).toHaveLength(2);
  }, 180_000);
});
