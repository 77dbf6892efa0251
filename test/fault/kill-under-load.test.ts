/**
 * Processes die the hard way in the middle of a stream of 200 uploads on real Kafka + MinIO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfra } from '../../local/infra/index.js';
import { expectAllProcessedOnce, expectExactStats, makeImages, streamUploads, type Endpoints } from '../support/load.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

const UPLOADS = 200;

describe('kill -9 of busy function instances under 200 uploads (real Kafka + MinIO)', () => {
  let pipeline: TestPipeline;
  let images: Buffer[];

  beforeAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    images = await makeImages(UPLOADS);
    pipeline = await startTestPipeline({ mode: 'real' });
  }, 900_000);
  afterAll(async () => {
    await pipeline?.dispose();
  }, 120_000);

  /**
   * Killed: one blur and then one grayscale instance, each with SIGKILL while it has requests in
   * flight (ServiceRunner.killInstance picks the busiest), once 40 and 100 uploads are accepted.
   * Checked: every upload has exactly its two derivatives and its classification (the killed
   * requests were redelivered, nothing made twice), stats are exact, the dead-letter sink is empty.
   */
  it('should redeliver what a killed blur or grayscale instance was doing, and double nothing', async () => {
    const started = Date.now();
    const endpoints = (): Endpoints => ({ upload: pipeline.urls.upload, stats: pipeline.urls.services['stats']! });
    const kills: { service: string; instance: string; active: number }[] = [];
    const retried: string[] = [];
    const unsubscribe = pipeline.onReport((report) => {
      if ((report.trigger === 'blur' || report.trigger === 'grayscale') && report.outcome === 'delivered' && report.attempts > 1) retried.push(`${report.trigger} ${report.event.id}`);
    });
    let accepted = 0;
    /**
     * Waits until an instance of `service` is working on a request (forwarded, no response yet),
     * freezes it with SIGSTOP, lets the activator take anything it had already written, and
     * SIGKILLs it only if the request is still unanswered: the kill then surely cuts real work.
     */
    const killWhenBusy = async (service: string, afterAccepted: number) => {
      await waitFor(() => accepted >= afterAccepted, 120_000, `${afterAccepted} uploads accepted`, 20);
      const runner = pipeline.services.get(service)!;
      const working = (pid: number) => (runner.status().instances.find((i) => i.pid === pid)?.working ?? 0) > 0;
      for (;;) {
        await waitFor(() => runner.status().instances.some((i) => i.working > 0), 60_000, `${service} to be busy`, 2);
        const target = runner.status().instances.find((i) => i.working > 0);
        if (!target?.pid) continue;
        process.kill(target.pid, 'SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 150)); // the frozen instance's already-sent bytes arrive
        if (working(target.pid)) {
          process.kill(target.pid, 'SIGKILL');
          kills.push({ service, instance: target.name, active: target.active });
          return;
        }
        process.kill(target.pid, 'SIGCONT');
      }
    };
    const killer = (async () => {
      await killWhenBusy('blur', 40);
      await killWhenBusy('grayscale', 100);
    })();
    const { accepted: uploads, refused } = await streamUploads(() => pipeline.urls.upload, images, {
      concurrency: 4,
      retry: false,
      onAccepted: (count) => (accepted = count),
    });
    await killer;
    expect(refused).toEqual([]);
    expect(uploads).toHaveLength(UPLOADS);
    expect(kills.map((k) => k.service)).toEqual(['blur', 'grayscale']);
    for (const kill of kills) expect(kill.active, `${kill.instance} had requests in flight`).toBeGreaterThan(0);

    await expectAllProcessedOnce(endpoints, uploads, 150_000);
    await expectExactStats(endpoints, uploads, 60_000);
    expect(await pipeline.deadLetters()).toEqual([]);
    unsubscribe();
    // The kills really cut deliveries short: the runtime saw the instances crash, and the
    // requests they were working on were delivered again (a second attempt that succeeded).
    expect(pipeline.services.get('blur')!.status().crashes + pipeline.services.get('grayscale')!.status().crashes).toBeGreaterThanOrEqual(2);
    expect(retried.some((r) => r.startsWith('blur '))).toBe(true);
    expect(retried.some((r) => r.startsWith('grayscale '))).toBe(true);
    console.log(`kill-instance fault test: ${UPLOADS} uploads, kills ${JSON.stringify(kills)}, redelivered ${JSON.stringify(retried)}, ${Date.now() - started} ms`);
  }, 300_000);
});
