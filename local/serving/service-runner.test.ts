/** Serving semantics (knative-semantics.md §10, §12.8) on real processes behind the activator. */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceRunner, type ServiceSettings } from './service-runner.js';
import { waitFor } from '../../test/support/wait.js';

const probe = fileURLToPath(new URL('../../test/fixtures/probe-server.mjs', import.meta.url));
let runner: ServiceRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

async function start(overrides: Partial<ServiceSettings> = {}, env: Record<string, string> = {}) {
  const settings: ServiceSettings = {
    name: 'probe',
    revision: 'probe-00001',
    minScale: 0,
    maxScale: 1,
    containerConcurrency: 0,
    timeoutMs: 10_000,
    idleMs: 60_000,
    burstCapacity: 0,
    instance: { service: 'probe', revision: 'probe-00001', command: [process.execPath, probe], env: { PATH: process.env['PATH'] ?? '', ...env }, readinessPath: '/healthz', readinessPeriodMs: 50, startTimeoutMs: 10_000 },
    ...overrides,
  };
  runner = new ServiceRunner(settings, () => undefined);
  await runner.start(0);
  return runner;
}

const get = async (path: string) => {
  const response = await fetch(`${runner!.url}${path}`);
  return { status: response.status, body: response.ok ? ((await response.json()) as { instance: string; peak: number; revision: string }) : await response.text() };
};

describe('ServiceRunner', () => {
  it('should hold a request at zero until an instance is ready, with the Knative env', async () => {
    await start({}, { READY_AFTER_MS: '300' });
    expect(runner!.status().ready).toBe(0);
    const { status, body } = await get('/');
    expect(status).toBe(200);
    expect(body).toMatchObject({ revision: 'probe-00001', instance: expect.stringMatching(/^probe-00001-deployment-/) });
    expect(runner!.status().coldStarts).toBe(1);
  });

  it('should never give one instance more than containerConcurrency requests at once', async () => {
    await start({ containerConcurrency: 2, maxScale: 1 });
    const results = await Promise.all(Array.from({ length: 6 }, () => get('/?delay=150')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(Math.max(...results.map((r) => (r.body as { peak: number }).peak))).toBe(2);
  });

  it('should scale out on concurrency up to max-scale', async () => {
    await start({ containerConcurrency: 1, maxScale: 3 });
    const results = await Promise.all(Array.from({ length: 6 }, () => get('/?delay=400')));
    const instances = new Set(results.map((r) => (r.body as { instance: string }).instance));
    expect(instances.size).toBe(3);
    expect(runner!.status().instances.length).toBeLessThanOrEqual(3);
  });

  it('should answer 504 when a request outlives timeoutSeconds', async () => {
    await start({ timeoutMs: 300 });
    const { status, body } = await get('/?delay=2000');
    expect(status).toBe(504);
    expect(body).toMatch(/exceeded timeoutSeconds/);
  });

  it('should answer 503 once instances, their queues (10 × containerConcurrency) and the burst capacity are full', async () => {
    await start({ containerConcurrency: 1, maxScale: 1, burstCapacity: 2 });
    const results = await Promise.all(Array.from({ length: 16 }, () => get('/?delay=300')));
    expect(results.filter((r) => r.status === 503)).toHaveLength(3);
    expect(results.filter((r) => r.status === 200)).toHaveLength(13);
  });

  it('should scale to zero after the idle window, and keep min-scale instances', async () => {
    await start({ idleMs: 200, minScale: 0 });
    await get('/');
    await waitFor(() => runner!.status().ready === 0, 5000, 'scale to zero');
    await runner!.stop();
    await start({ idleMs: 200, minScale: 1 });
    expect(runner!.status().ready).toBe(1);
    await get('/');
    await expect(waitFor(() => runner!.status().ready === 0, 800, 'scale below min-scale')).rejects.toThrow(/timed out/);
  });

  it('should replace a crashed instance on the next request', async () => {
    await start({ minScale: 1 });
    const first = (await get('/')).body as { instance: string };
    expect(runner!.killInstance()).toBe(first.instance);
    await waitFor(() => runner!.status().crashes === 1, 5000, 'the crash to be seen');
    const second = (await get('/')).body as { instance: string };
    expect(second.instance).not.toBe(first.instance);
  });
});
