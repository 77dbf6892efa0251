import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { contextLoader } from './context.js';
import { StorageUnavailableError } from './errors.js';

describe('function context', () => {
  it('should build the ports once and share them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ctx-'));
    try {
      const load = contextLoader('test', loadConfig({ STORE_FS_ROOT: root, K_SINK: 'http://127.0.0.1:1/ns/default', LOG_LEVEL: 'silent' }));
      const [a, b] = await Promise.all([load(), load()]);
      expect(a).toBe(b);
      expect(a.bus).toBeDefined();
      expect(a.store.bucket).toBe('files');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('should report a store that cannot start as retriable, and try again next time', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ctx-'));
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, 'a file where the store wants a folder');
    try {
      const load = contextLoader('test', loadConfig({ STORE_FS_ROOT: blocker, LOG_LEVEL: 'silent' }));
      await expect(load()).rejects.toThrow(StorageUnavailableError);
      await rm(blocker);
      expect((await load()).bus).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
