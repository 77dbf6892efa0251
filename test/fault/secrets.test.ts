/**
 * Secrets never leak: with MinIO stopped, uploads, reads and events fail in every way they can,
 * and neither the MinIO access key, its secret key nor the API token appears in any function or
 * runtime log line, any HTTP error body, or any dead letter (its knativeerrordata included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP, type CloudEvent } from 'cloudevents';
import { events } from '../../functions/lib/events.js';
import { ensureInfra, stopInfra, type Infra } from '../../local/infra/index.js';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

const TOKEN = `secret-token-${'9f8e7d6c5b4a'.repeat(2)}`;

describe('no secret in logs, error bodies or dead letters (real Kafka + MinIO)', () => {
  let infra: Infra;
  let pipeline: TestPipeline;
  const bodies: string[] = [];

  beforeAll(async () => {
    infra = await ensureInfra({ kafka: true, minio: true });
    pipeline = await startTestPipeline({
      mode: 'real',
      models: false,
      apiToken: TOKEN,
      delivery: { retry: 1, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' },
      functionEnv: { LOG_LEVEL: 'debug' },
    });
  }, 900_000);
  afterAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    await pipeline?.dispose();
  }, 120_000);

  async function record(response: Promise<Response>): Promise<number> {
    const answer = await response;
    bodies.push(`${answer.status} ${[...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await answer.text()}`);
    return answer.status;
  }

  function upload(image: Buffer, token: string | undefined, query = ''): Promise<Response> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(image)]), 'photo.jpg');
    return fetch(`${pipeline.urls.upload}/files${query}`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  }

  /**
   * Stopped: MinIO, once three uploads are complete (every function warm). While it is down:
   * uploads, reads, a delete and stats are tried, with and without the token, and blur,
   * grayscale, classify and stats get events they cannot handle (retried once, dead-lettered). Checked: every log line, error
   * body (headers included) and dead letter is free of the access key, secret key and token.
   */
  it('should keep the MinIO credentials and the API token out of everything it says', async () => {
    const { accessKey, secretKey } = infra.minio;
    expect(accessKey.length).toBeGreaterThan(0);
    const image = await makeImage();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await upload(image, TOKEN, '?wait=30s');
      expect(response.status).toBe(201);
      const body = (await response.json()) as { id: string; status: string };
      expect(body.status).toBe('complete');
      ids.push(body.id);
    }
    await stopInfra({ only: 'minio' });
    try {
      // Events for the warm functions, whose store is now gone: each fails, is retried, dead-lettered.
      const build = { source: '/upload', traceparent: '' };
      const failing: CloudEvent<unknown>[] = [
        events.effectRequested({ id: ids[2]!, sourceKey: `originals/${ids[2]}`, chain: ['blur'], step: 0, options: {} }, build),
        events.effectRequested({ id: ids[2]!, sourceKey: `originals/${ids[2]}`, chain: ['grayscale'], step: 0, options: {} }, build),
        events.fileUploaded({ id: ids[2]!, bucket: pipeline.namespace, key: `originals/${ids[2]}`, name: 'photo.jpg', contentType: 'image/jpeg', size: image.length, sha256: 'a'.repeat(64), kind: 'image', uploadedAt: new Date().toISOString() }, build),
      ];
      for (const event of failing) {
        const message = HTTP.binary(event.cloneWith({ id: `${event.id}:again` }));
        expect((await fetch(pipeline.urls.broker, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string })).status).toBe(202);
      }
      expect(await record(upload(image, TOKEN))).toBe(503);
      expect(await record(upload(image, undefined))).toBe(401);
      expect(await record(upload(image, `${TOKEN}-wrong`))).toBe(401);
      expect(await record(fetch(`${pipeline.urls.upload}/files`))).toBe(503);
      expect(await record(fetch(`${pipeline.urls.upload}/files/${ids[0]}`))).toBe(503);
      expect(await record(fetch(`${pipeline.urls.upload}/files/${ids[0]}/content`))).toBe(503);
      expect(await record(fetch(`${pipeline.urls.upload}/files/${ids[1]}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } }))).toBe(503);
      expect(await record(fetch(`${pipeline.urls.upload}/stats`))).toBeGreaterThanOrEqual(500);
      await waitFor(async () => (await pipeline.deadLetters()).length >= 4, 60_000, 'failed deliveries to be dead-lettered', 200);
    } finally {
      await ensureInfra({ kafka: false, minio: true });
    }
    const letters = await pipeline.deadLetters();
    const letterTexts = letters.map((letter) => {
      const data = (letter as Record<string, unknown>)['knativeerrordata'];
      return `${JSON.stringify(letter)}\n${typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : ''}`;
    });
    expect(letterTexts.join('\n')).toContain('E_STORAGE_UNAVAILABLE');
    // Function logs arrive over the instances' stdout: wait for the failures to be written.
    await waitFor(() => pipeline.logs.some((line) => line.includes('event failed')), 20_000, 'the failed deliveries to be logged', 100).catch((error: Error) => {
      throw new Error(`${error.message}; last lines:\n${pipeline.logs.slice(-15).join('\n')}`);
    });
    // ...with the error itself serialised into the line: what a careless serializer would leak through.
    expect(pipeline.logs.some((line) => line.includes('event failed') && line.includes('"err":{'))).toBe(true);

    for (const secret of [secretKey, TOKEN, ...(accessKey === secretKey ? [] : [accessKey])]) {
      expect(pipeline.logs.filter((line) => line.includes(secret)), 'log lines').toEqual([]);
      expect(bodies.filter((body) => body.includes(secret)), 'HTTP error bodies').toEqual([]);
      expect(letterTexts.filter((text) => text.includes(secret)), 'dead letters').toEqual([]);
    }
  }, 240_000);
});
