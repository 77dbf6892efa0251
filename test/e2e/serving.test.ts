/** Knative Serving behaviour a user can see: scale to zero, requests held at zero, crashed instances replaced. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { waitFor } from '../support/wait.js';

describe('serving in the local runtime (embedded)', () => {
  let pipeline: TestPipeline;
  const service = (name: string) => pipeline.services.get(name)!.status();

  beforeAll(async () => {
    pipeline = await startTestPipeline({ idleMs: 400 });
  });
  afterAll(() => pipeline?.dispose());

  it('should start at zero, hold the first request while an instance starts, and scale back to zero when idle', async () => {
    expect(service('upload').ready).toBe(0);
    const first = await pipeline.upload(Buffer.from('one\n'), 'one.txt', '?wait=20s');
    expect(first.body['status']).toBe('complete');
    expect(service('upload').coldStarts).toBe(1);
    const pids = [...pipeline.services.values()].flatMap((s) => s.status().instances.map((i) => i.pid!));
    expect(pids.length).toBeGreaterThanOrEqual(1);
    await waitFor(() => [...pipeline.services.values()].every((s) => s.status().ready === 0 && s.status().starting === 0 && s.status().terminating === 0), 20_000, 'every service to scale to zero');
    // The process list agrees: every instance process has exited.
    expect(pids.filter(isAlive)).toEqual([]);
    const second = await pipeline.upload(Buffer.from('two\n'), 'two.txt', '?wait=20s');
    expect(second.status).toBe(201);
    expect(second.body['status']).toBe('complete');
    expect(service('upload').coldStarts).toBe(2);
    expect(service('classify').coldStarts).toBe(2);
  });

  it('should replace a crashed instance and still process the next event', async () => {
    // Its own pipeline with Knative's idle window: the blur instance must still be there to kill.
    const steady = await startTestPipeline();
    try {
      await crashAndRecover(steady);
    } finally {
      await steady.dispose();
    }
  });
});

async function crashAndRecover(pipeline: TestPipeline): Promise<void> {
  await pipeline.upload(await makeImage({ width: 50, height: 40 }), 'warm.jpg', '?effects=blur&wait=20s');
  const killed = pipeline.services.get('blur')!.killInstance('SIGKILL');
  expect(killed).toMatch(/^blur-00001-deployment-/);
  await waitFor(() => pipeline.services.get('blur')!.status().crashes === 1, 10_000, 'the crash to be noticed');
  const { body } = await pipeline.upload(await makeImage({ width: 60, height: 40 }), 'after-crash.jpg', '?effects=blur&wait=20s');
  expect(body['status']).toBe('complete');
  expect(body['processed_by'][0].instance).not.toBe(killed);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
