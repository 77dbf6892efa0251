/**
 * The classic Knative replica test: 20 concurrent requests to a service whose every request
 * takes 2 s (containerConcurrency 1), with max-scale 1 and then 4.
 */
import { join } from 'node:path';
import { ServiceRunner } from '../local/serving/service-runner.js';
import { projectRoot } from '../local/project.js';

export async function scaleOut(maxScale: number, requests = 20, delayMs = 2000): Promise<number> {
  const probe = join(projectRoot(), 'test', 'fixtures', 'probe-server.mjs');
  const runner = new ServiceRunner(
    {
      name: 'sleeper',
      revision: 'sleeper-00001',
      minScale: 0,
      maxScale,
      containerConcurrency: 1,
      timeoutMs: 120_000,
      idleMs: 60_000,
      burstCapacity: 200,
      instance: { service: 'sleeper', revision: 'sleeper-00001', command: [process.execPath, probe], env: { PATH: process.env['PATH'] ?? '' }, readinessPath: '/healthz', readinessPeriodMs: 50, startTimeoutMs: 30_000 },
    },
    () => undefined,
  );
  await runner.start(0);
  try {
    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: requests }, () => fetch(`${runner.url}/?delay=${delayMs}`).then(async (r) => (await r.arrayBuffer(), r.status))));
    if (statuses.some((status) => status !== 200)) throw new Error(`scale-out: not every request succeeded (${statuses.join(',')})`);
    return performance.now() - started;
  } finally {
    await runner.stop();
  }
}

