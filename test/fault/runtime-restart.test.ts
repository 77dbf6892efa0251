/**
 * The runtime itself dies (kill -9) in the middle of a stream of 200 uploads on real Kafka +
 * MinIO, and is started again on the same namespace, bucket and data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfra } from '../../local/infra/index.js';
import { projectRoot } from '../../local/project.js';
import { expectAllProcessedOnce, makeImages, streamUploads, type Endpoints } from '../support/load.js';
import { waitFor } from '../support/wait.js';

const UPLOADS = 200;
const KILL_AFTER = 80;

interface Runtime {
  readonly child: ChildProcess;
  readonly endpoints: Endpoints & { admin: string };
  readonly output: string[];
}

describe('kill -9 of the runtime under 200 uploads, then a restart (real Kafka + MinIO)', () => {
  const suffix = randomBytes(4).toString('hex');
  const namespace = `restart-${suffix}`;
  let dataDir: string;
  let images: Buffer[];
  let runtime: Runtime | undefined;

  /** `npm start -- --real` as its own process group (the runtime and its function instances). */
  async function startRuntime(): Promise<Runtime> {
    const endpointFile = join(dataDir, 'runtime', 'endpoint.json');
    await rm(endpointFile, { force: true });
    const output: string[] = [];
    const child = spawn(
      process.execPath,
      [join(projectRoot(), 'dist', 'local', 'cli.js'), 'start', '--real', '--port', '0', '--namespace', namespace, '--bucket', namespace, '--data-dir', dataDir],
      { cwd: projectRoot(), detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, API_TOKEN: '' } },
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    let endpoints: Runtime['endpoints'] | undefined;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the runtime exited with ${child.exitCode}: ${output.join('').slice(-2000)}`);
        const text = await readFile(endpointFile, 'utf8').catch(() => '');
        if (!text) return false;
        const parsed = JSON.parse(text) as { admin: string; upload: string; services: Record<string, string> };
        endpoints = { admin: parsed.admin, upload: parsed.upload, stats: parsed.services['stats']! };
        return true;
      },
      180_000,
      'the runtime to write its endpoint file',
      100,
    );
    return { child, endpoints: endpoints!, output };
  }

  /** SIGKILL to the whole process group at once: the runtime and every function instance, as a crashed node. */
  async function killRuntime(target: Runtime): Promise<void> {
    const exited = new Promise((resolve) => target.child.once('exit', resolve));
    process.kill(-target.child.pid!, 'SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    await ensureInfra({ kafka: true, minio: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pipeline-restart-'));
    images = await makeImages(UPLOADS);
  }, 900_000);
  afterAll(async () => {
    if (runtime && runtime.child.exitCode === null) {
      const exited = new Promise((resolve) => runtime!.child.once('exit', resolve));
      process.kill(-runtime.child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      try {
        process.kill(-runtime.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  /**
   * Killed: the runtime process (`node dist/local/cli.js start --real`) and its function
   * instances, with SIGKILL to the process group, once 80 uploads were answered 201; the client
   * keeps sending (retrying refused connections) while it is down, and the runtime is started
   * again with the same namespace (topics, consumer groups), bucket and data folder.
   * Checked: every upload that got a 201 — before the kill or after the restart — completes with
   * exactly its two derivatives and its classification (Kafka kept the events and committed
   * offsets; deliveries in flight at the kill are redelivered), stats count exactly what the
   * bucket holds, and the dead-letter sink is empty.
   */
  it('should complete every accepted upload after the restart, doubling nothing', async () => {
    const started = Date.now();
    runtime = await startRuntime();
    const first = runtime;
    let killed: Promise<void> | undefined;
    let restartMs = 0;
    const { accepted, refused } = await streamUploads(() => runtime!.endpoints.upload, images, {
      concurrency: 4,
      retry: true,
      onAccepted: (count) => {
        if (count !== KILL_AFTER) return;
        killed = (async () => {
          await killRuntime(first);
          const restarting = Date.now();
          runtime = await startRuntime();
          restartMs = Date.now() - restarting;
        })();
      },
    });
    await killed;
    expect(refused).toEqual([]);
    expect(accepted).toHaveLength(UPLOADS);
    expect(runtime).not.toBe(first);

    const endpoints = () => runtime!.endpoints;
    await expectAllProcessedOnce(endpoints, accepted, 180_000);
    // Uploads cut off by the kill may have left an original the client never heard of; stats
    // must count exactly what the bucket shows, and at least everything that was accepted.
    const listed = ((await (await fetch(`${endpoints().upload}/files?limit=500`)).json()) as { files: { id: string; size: number }[] }).files;
    expect(listed.length).toBeGreaterThanOrEqual(UPLOADS);
    const views = await Promise.all(listed.map(async (f) => (await fetch(`${endpoints().upload}/files/${f.id}`)).json() as Promise<any>));
    const derivatives = views.reduce((sum, v) => sum + v.derivatives.length, 0);
    const classified = views.filter((v) => v.classification).length;
    await waitFor(
      async () => {
        const stats = (await (await fetch(`${endpoints().stats}/stats`)).json()) as any;
        return stats.derivatives === derivatives && stats.classifications === classified;
      },
      60_000,
      'stats to match the bucket',
      500,
    );
    const stats = (await (await fetch(`${endpoints().stats}/stats`)).json()) as any;
    expect(stats).toMatchObject({ derivatives, classifications: classified, failures: 0, deleted: 0 });
    expect(stats.files.total).toBeGreaterThanOrEqual(UPLOADS);
    expect(stats.files.total).toBeLessThanOrEqual(listed.length);
    expect(await (await fetch(`${endpoints().admin}/-/dead-letters`)).json()).toEqual([]);
    console.log(`runtime-restart fault test: ${UPLOADS} uploads, ${listed.length} originals in the bucket, restart took ${restartMs} ms, total ${Date.now() - started} ms`);
  }, 420_000);
});
