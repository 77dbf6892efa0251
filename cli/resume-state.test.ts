import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResumeStore, resumeStateDir, resumeStateFile } from './resume-state.js';

describe('ResumeStore', () => {
  let cache: string;
  let store: ResumeStore;
  const file = { path: '/data/video.mp4', size: 12_345_678, mtimeMs: 1_700_000_000_123.4 };
  const state = { id: '0190a0b0-0000-7000-8000-000000000001', url: 'http://127.0.0.1:8080', request: '{"effects":[]}' };

  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), 'cli-resume-'));
    store = new ResumeStore({ XDG_CACHE_HOME: cache });
  });
  afterEach(async () => rm(cache, { recursive: true, force: true }));

  it('should keep its files under $XDG_CACHE_HOME, or ~/.cache without it', () => {
    expect(resumeStateDir({ XDG_CACHE_HOME: cache })).toBe(join(cache, 'knative-file-pipeline', 'cli-uploads'));
    expect(resumeStateDir({})).toMatch(/\.cache[/\\]knative-file-pipeline[/\\]cli-uploads$/);
  });

  it('should give back what was saved for the same file version, then forget it on remove', async () => {
    expect(await store.load(file)).toBeUndefined();
    await store.save(file, state);
    expect(await store.load(file)).toMatchObject({ ...state, path: file.path, size: file.size });
    await store.remove(file);
    expect(await store.load(file)).toBeUndefined();
    await store.remove(file); // twice is fine
  });

  it('should key on path, size and mtime, so a changed file does not resume', async () => {
    await store.save(file, state);
    expect(await store.load({ ...file, size: file.size + 1 })).toBeUndefined();
    expect(await store.load({ ...file, mtimeMs: file.mtimeMs + 1000 })).toBeUndefined();
    expect(await store.load({ ...file, path: '/data/other.mp4' })).toBeUndefined();
  });

  it('should leave no temporary file behind after a save', async () => {
    await store.save(file, state);
    expect(await readdir(resumeStateDir({ XDG_CACHE_HOME: cache }))).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.json$/)]);
  });

  it('should ignore a corrupt or foreign state file', async () => {
    await store.save(file, state);
    const target = resumeStateFile(file, { XDG_CACHE_HOME: cache });
    await writeFile(target, '{"id": 1');
    expect(await store.load(file)).toBeUndefined();
    await writeFile(target, '{"something": "else"}');
    expect(await store.load(file)).toBeUndefined();
  });
});
