/**
 * The upload and status commands run in process against an embedded pipeline (the child-process
 * suite, upload.test.ts, proves the built binary; this one lets coverage see the CLI's code),
 * with a terminal-like stderr so the progress bars are drawn.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadOptions } from '../../cli/args.js';
import { runStatus } from '../../cli/status-command.js';
import { runUpload } from '../../cli/upload-command.js';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';

const MiB = 1024 * 1024;

function sink(tty: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns: 200 });
  return { stream, text: () => chunks.join('') };
}

describe('CLI commands in process', () => {
  let pipeline: TestPipeline;
  let work: string;
  const options = (files: string[], extra: Partial<UploadOptions> = {}): UploadOptions => ({
    url: pipeline.urls.upload,
    token: undefined,
    json: true,
    files: files.map((name) => join(work, name)),
    effects: [],
    sigma: undefined,
    waitMs: undefined,
    concurrency: 2,
    direct: undefined,
    ...extra,
  });
  async function upload(opts: UploadOptions, env: Record<string, string> = {}) {
    const stdout = sink(false);
    const stderr = sink(true);
    const code = await runUpload(opts, { env: { XDG_CACHE_HOME: work, ...env }, stdout: stdout.stream, stderr: stderr.stream });
    return { code, report: opts.json ? (JSON.parse(stdout.text()) as { files: Record<string, any>[] }) : undefined, stdout: stdout.text(), stderr: stderr.text() };
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cli-in-process-'));
    pipeline = await startTestPipeline({ functionEnv: { DIRECT_UPLOAD_THRESHOLD: String(MiB), DIRECT_UPLOAD_PART_SIZE: String(5 * MiB) } });
  }, 900_000);
  afterAll(async () => {
    await pipeline?.dispose();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('should send a photo by form and a big file in parts, wait, and draw bars on a terminal', async () => {
    const big = randomBytes(11 * MiB);
    await writeFile(join(work, 'photo.jpg'), await makeImage());
    await writeFile(join(work, 'big.bin'), big);
    const run = await upload(options(['photo.jpg', 'big.bin'], { effects: ['grayscale,blur'], sigma: 4, waitMs: 30_000 }));
    expect(run.code).toBe(0);
    expect(run.report!.files.map((file) => [file['path'], file['status']])).toEqual([['form', 'complete'], ['direct', 'complete']]);
    expect(run.report!.files[0]!['appliedEffects']).toEqual(['grayscale+blur']);
    expect(run.report!.files[1]!['sha256']).toBe(createHash('sha256').update(big).digest('hex'));
    expect(run.stderr).toMatch(/\x1b\[2K.*big\.bin +\[#{24}\] 100% 11 MiB\/11 MiB/);
  }, 120_000);

  it('should resume a single-PUT direct upload and print a table', async () => {
    await writeFile(join(work, 'two.bin'), randomBytes(2 * MiB));
    const stopped = await upload(options(['two.bin'], { json: false }), { KNATIVE_FILE_PIPELINE_TEST_STOP_AFTER_PARTS: '0' });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/two\.bin: stopped before the upload/);
    const resumed = await upload(options(['two.bin'], { json: false, direct: true }));
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming upload [0-9a-f-]{36}: pending/);
    expect(resumed.stdout).toMatch(/two\.bin +[0-9a-f-]{36} +other .* 2\.0 MiB .* ok\n/);
  }, 60_000);

  it('should report a file the pipeline did not finish in time, and an unreachable server', async () => {
    await writeFile(join(work, 'slow.jpg'), await makeImage({ width: 800, height: 600 }));
    const late = await upload(options(['slow.jpg'], { waitMs: 1 }));
    expect(late.code).toBe(1);
    expect(late.report!.files[0]!['error']).toMatch(/pipeline not complete within 1ms \(status processing\)/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const down = await upload(options(['slow.jpg'], { url: `http://127.0.0.1:${port}` }));
    expect(down.code).toBe(1);
    expect(down.report!.files[0]!['error']).toBe(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
  }, 60_000);

  it('should summarise a file for status', async () => {
    const photo = await pipeline.upload(await makeImage(), 'view.jpg', '?wait=30s');
    const stdout = sink(false);
    const code = await runStatus({ url: pipeline.urls.upload, token: undefined, json: false, id: photo.body['id'] }, { stdout: stdout.stream, stderr: sink(false).stream });
    expect(code).toBe(0);
    expect(stdout.text()).toMatch(/kind: +image \(image\/jpeg/);
    expect(stdout.text()).toMatch(/blur +0 +blur +blur \S+ +\S+ +\/files\/.*\/derived\/blur\/0-blur\./);
  }, 60_000);
});
