/**
 * The built CLI end to end against an embedded pipeline started in process: photos through
 * POST /files, a big file through resumable multipart direct upload, waiting for derivatives
 * judged by their pixels, an interrupted upload resumed, and the exit codes scripts rely on.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/project.js';
import { highFrequencyEnergy, isGray, makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { runCli } from './run-cli.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('knative-file-pipeline CLI', () => {
  let pipeline: TestPipeline;
  let work: string;
  let cache: string;
  const env = () => ({ PIPELINE_URL: pipeline.urls.upload, XDG_CACHE_HOME: cache });
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { cwd: work, env: { ...env(), ...extraEnv } });
  const api = (path: string) => new URL(path, pipeline.urls.upload).toString();
  const download = async (path: string) => Buffer.from(await (await fetch(api(path))).arrayBuffer());
  const stateFiles = async () => readdir(join(cache, 'knative-file-pipeline', 'cli-uploads')).catch(() => [] as string[]);

  beforeAll(async () => {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: projectRoot(), stdio: 'inherit' });
    work = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
    cache = await mkdtemp(join(tmpdir(), 'cli-e2e-cache-'));
    pipeline = await startTestPipeline({ functionEnv: { DIRECT_UPLOAD_THRESHOLD: String(MiB), DIRECT_UPLOAD_PART_SIZE: String(5 * MiB) } });
  }, 900_000);
  afterAll(async () => {
    await pipeline?.dispose();
    await rm(work, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }, 60_000);

  it('should upload two photos and a 12 MiB file, wait for the derivatives, and report them as JSON', async () => {
    const photos = [await makeImage({ width: 640, height: 480 }), await makeImage({ width: 480, height: 360, format: 'png' })];
    const big = randomBytes(12 * MiB);
    await writeFile(join(work, 'beach.jpg'), photos[0]!);
    await writeFile(join(work, 'forest.png'), photos[1]!);
    await writeFile(join(work, 'archive.bin'), big);

    const run = await cli(['upload', 'beach.jpg', 'forest.png', 'archive.bin', '--wait', '--json']);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; files: Record<string, any>[] };
    expect(report.ok).toBe(true);
    const [beach, forest, archive] = report.files;
    expect(beach).toMatchObject({ file: 'beach.jpg', ok: true, path: 'form', kind: 'image', status: 'complete', sha256: sha256(photos[0]!) });
    expect(forest).toMatchObject({ file: 'forest.png', ok: true, path: 'form', kind: 'image', status: 'complete' });
    expect(archive).toMatchObject({ file: 'archive.bin', ok: true, path: 'direct', kind: 'other', size: big.length, sha256: sha256(big), resumed: false, partsSent: 3 });

    for (const [index, file] of [beach!, forest!].entries()) {
      expect(file['appliedEffects'].sort()).toEqual(['blur', 'grayscale']);
      expect(file['processedBy'].map((step: { function: string; instance: string }) => step.function).sort()).toEqual(['blur', 'grayscale']);
      const derivative = (chain: string) => download(file['derivatives'].find((d: { chain: string }) => d.chain === chain).url);
      expect(await isGray(await derivative('grayscale'))).toBe(true);
      expect(await highFrequencyEnergy(await derivative('blur'))).toBeLessThan((await highFrequencyEnergy(photos[index]!)) / 2);
    }
    expect(sha256(await download(`/files/${archive!['id']}/content`))).toBe(sha256(big));
    expect(await stateFiles()).toEqual([]);
  }, 180_000);

  it('should resume an interrupted multipart upload, sending only the missing parts', async () => {
    const big = randomBytes(12 * MiB + 12_345);
    await writeFile(join(work, 'scan.bin'), big);

    const interrupted = await cli(['upload', 'scan.bin', '--effects', 'none', '--json'], { KNATIVE_FILE_PIPELINE_TEST_STOP_AFTER_PARTS: '1' });
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toMatch(/scan\.bin: stopped after 1 of 3 parts/);
    const [stateFile] = await stateFiles();
    const { id } = JSON.parse(await readFile(join(cache, 'knative-file-pipeline', 'cli-uploads', stateFile!), 'utf8')) as { id: string };
    const before = await pipeline.json(api(`/uploads/${id}`));
    expect(before).toMatchObject({ state: 'pending', uploadedParts: [{ partNumber: 1, size: 5 * MiB }] });
    expect(before.parts.map((part: { partNumber: number }) => part.partNumber)).toEqual([2, 3]);

    const resumed = await cli(['upload', 'scan.bin', '--effects', 'none', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`resuming upload ${id}: 2 part\\(s\\) left`));
    const [file] = (JSON.parse(resumed.stdout) as { files: Record<string, any>[] }).files;
    expect(file).toMatchObject({ ok: true, id, path: 'direct', resumed: true, partsSent: 2, sha256: sha256(big), effects: [] });
    expect((await pipeline.json(api(`/uploads/${id}`))).state).toBe('complete');
    expect(sha256(await download(`/files/${id}/content`))).toBe(sha256(big));
    expect(await stateFiles()).toEqual([]);
  }, 120_000);

  it('should exit 1 with the reason for a missing file and the server message for a bad effect', async () => {
    await writeFile(join(work, 'small.jpg'), await makeImage({ width: 64, height: 64 }));
    const run = await cli(['upload', 'small.jpg', 'missing.jpg', '--effects', 'sharpen']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('small.jpg: server said 400: Unknown effect "sharpen"; known effects: blur, grayscale');
    expect(run.stderr).toContain('missing.jpg: no such file');
    expect(run.stdout).toMatch(/^small\.jpg\s+-.*FAILED$/m);
    expect(run.stdout).toMatch(/0 of 2 file\(s\) ok/);
  }, 60_000);

  it('should exit 2 with help for an unknown flag or no files, and 0 for --help', async () => {
    const unknown = await cli(['upload', 'a.jpg', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage: knative-file-pipeline upload/);
    expect((await cli(['upload'])).code).toBe(2);
    const help = await cli(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: knative-file-pipeline status <id>/);
  }, 30_000);

  it('should show a file with status, as a summary or as the server JSON', async () => {
    const photo = await makeImage({ width: 200, height: 150 });
    await writeFile(join(work, 'gray.jpg'), photo);
    const uploaded = await cli(['upload', 'gray.jpg', '--effects', 'grayscale', '--wait', '30s', '--json']);
    expect(uploaded.code).toBe(0);
    const id = (JSON.parse(uploaded.stdout) as { files: { id: string }[] }).files[0]!.id;

    const pretty = await cli(['status', id]);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(new RegExp(`id: +${id}`));
    expect(pretty.stdout).toMatch(/status: +complete/);
    expect(pretty.stdout).toMatch(/grayscale +0 +grayscale +grayscale /);
    const json = await cli(['status', id, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, name: 'gray.jpg', status: 'complete', appliedEffects: ['grayscale'] });
    const missing = await cli(['status', '01a2091e-0000-7000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/server said 404: No file with id/);
  }, 60_000);
});
