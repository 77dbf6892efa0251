/**
 * Kafka or MinIO goes away for ten seconds while uploads keep coming. Afterwards every accepted
 * upload has all its derivatives and its classification, nothing is made twice, stats are
 * exact, and the dead-letter sink is empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfra, stopInfra } from '../../local/infra/index.js';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

const UPLOADS = 200;
const CONCURRENCY = 4;
const OUTAGE_MS = 10_000;

describe('real Kafka and MinIO restarting under load', () => {
  let pipeline: TestPipeline;
  let accepted: string[] = [];
  let expectedBytes = 0;

  beforeAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    pipeline = await startTestPipeline({ mode: 'real' });
  }, 900_000);
  afterAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    await pipeline?.dispose();
  }, 120_000);

  /** A client with a retry policy: 503s and dropped connections during an outage are retried. */
  async function uploadUntilAccepted(file: Buffer, name: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, body } = await pipeline.upload(file, name);
        if (status === 201) return body['id'] as string;
        if (status !== 503 && status !== 502) throw new Error(`upload of ${name} answered ${status}: ${JSON.stringify(body)}`);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error; // fetch failed: connection reset
      }
      if (attempt > 200) throw new Error(`upload of ${name} never accepted`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** 200 uploads, four at a time; the outage starts once the first 20 are in. */
  async function streamOfUploadsDuring(outage: () => Promise<void>): Promise<void> {
    let outageStarted: Promise<void> | undefined;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < UPLOADS; i = next++) {
        if (i === 20) outageStarted = outage();
        const image = await makeImage({ width: 64 + (i % 200), height: 48 });
        accepted.push(await uploadUntilAccepted(image, `photo-${i}.jpg`));
        expectedBytes += image.length;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await outageStarted;
  }

  async function expectEverythingProcessedOnce(): Promise<void> {
    const pending = new Set(accepted);
    await waitFor(
      async () => {
        for (const id of [...pending]) {
          const view = await pipeline.json(`${pipeline.urls.upload}/files/${id}`);
          if (view.status !== 'complete') return false;
          pending.delete(id);
        }
        return true;
      },
      300_000,
      'every accepted upload to complete',
      500,
    );
    for (const id of accepted) {
      const view = await pipeline.json(`${pipeline.urls.upload}/files/${id}`);
      expect(view.derivatives.map((d: { chain: string }) => d.chain).sort()).toEqual(['blur', 'grayscale']);
      expect(view.failures).toEqual([]);
      expect(view.classification.kind).toBe('image');
    }
    const files = (await pipeline.json(`${pipeline.urls.upload}/files?limit=500`)).files;
    expect(files).toHaveLength(accepted.length);
    const statsUrl = `${pipeline.urls.services['stats']}/stats`;
    await waitFor(async () => (await pipeline.json(statsUrl)).derivatives === accepted.length * 2, 120_000, 'stats to count every derivative', 500);
    expect(await pipeline.json(statsUrl)).toEqual({
      files: { total: accepted.length, image: accepted.length, document: 0, other: 0 },
      bytes: expectedBytes,
      derivatives: accepted.length * 2,
      classifications: accepted.length,
      failures: 0,
      deleted: 0,
    });
    expect(await pipeline.deadLetters()).toEqual([]);
  }

  it('should lose and double nothing when Kafka stops for ten seconds', async () => {
    await streamOfUploadsDuring(async () => {
      await stopInfra({ only: 'kafka' });
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await ensureInfra({ kafka: true, minio: false });
    });
    await expectEverythingProcessedOnce();
  }, 600_000);

  it('should lose and double nothing when MinIO stops for ten seconds', async () => {
    await streamOfUploadsDuring(async () => {
      await stopInfra({ only: 'minio' });
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await ensureInfra({ kafka: false, minio: true });
    });
    await expectEverythingProcessedOnce();
  }, 600_000);
});
