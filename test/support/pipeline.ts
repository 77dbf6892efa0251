/** Starts the local runtime in process for a test, isolated by a random namespace, bucket and data folder. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalPipeline, type LocalPipeline, type LocalPipelineOptions } from '../../local/runtime.js';

export interface TestPipeline extends LocalPipeline {
  readonly logs: string[];
  upload(file: Buffer, name: string, query?: string): Promise<{ status: number; body: Record<string, any> }>;
  json(url: string): Promise<any>;
  dispose(): Promise<void>;
}

export async function startTestPipeline(options: Partial<LocalPipelineOptions> = {}): Promise<TestPipeline> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pipeline-e2e-'));
  const suffix = randomBytes(4).toString('hex');
  const logs: string[] = [];
  const pipeline = await createLocalPipeline({
    port: 0,
    namespace: `test-${suffix}`,
    bucket: `test-${suffix}`,
    dataDir,
    log: (line) => logs.push(line),
    instanceLog: (line, instance) => logs.push(`[${instance}] ${line}`),
    ...options,
  });
  return Object.assign(pipeline, {
    logs,
    async upload(file: Buffer, name: string, query = '') {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(file)]), name);
      const response = await fetch(`${pipeline.urls.upload}/files${query}`, { method: 'POST', body: form });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    async json(url: string) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return response.json();
    },
    async dispose() {
      await pipeline.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
