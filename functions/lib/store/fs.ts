/**
 * Filesystem ObjectStore for the embedded mode and unit tests. Layout under `<root>/<bucket>/`:
 * each key segment is percent-encoded (dots too, so `..` can never climb out), an object is the
 * file `<segment>%obj` with its metadata beside it in `<segment>%meta` (`%o`/`%m` never occur in
 * an encoded segment, so objects and "folders" cannot collide). Writes go to a temp file and are
 * renamed into place; conditional writes take a per-key lock file so several processes agree.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, PreconditionFailedError, StorageUnavailableError } from '../errors.js';
import type { ListedObject, ObjectInfo, ObjectStore, PutOptions } from './port.js';
import { checkContentType, checkKey, checkMetadata, compareKeys } from './rules.js';

interface Sidecar {
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
}

const OBJECT_SUFFIX = '%obj';
const META_SUFFIX = '%meta';
const LOCK_STALE_MS = 10_000;

const encodeSegment = (segment: string) => encodeURIComponent(segment).replace(/\./g, '%2E').replace(/\*/g, '%2A');
const decodeSegment = (segment: string) => decodeURIComponent(segment);

export function createFsStore(options: { root: string; bucket: string }): ObjectStore {
  const bucketDir = join(options.root, options.bucket);
  const tmpDir = join(options.root, '.tmp');

  function pathsFor(key: string) {
    // The same keys as S3 (no `.`/`..` segments, ...); the encoding below keeps any key inside the root.
    checkKey(key);
    const segments = key.split('/');
    const encoded = segments.map(encodeSegment);
    const base = join(bucketDir, ...encoded);
    return { object: base + OBJECT_SUFFIX, meta: base + META_SUFFIX, lock: base + '%lock' };
  }

  async function readSidecar(metaPath: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(metaPath, 'utf8')) as Sidecar;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function infoFor(key: string): Promise<ObjectInfo | undefined> {
    const paths = pathsFor(key);
    const sidecar = await readSidecar(paths.meta);
    if (!sidecar) return undefined;
    try {
      const stats = await stat(paths.object);
      return { key, size: stats.size, etag: sidecar.etag, contentType: sidecar.contentType, metadata: sidecar.metadata, lastModified: stats.mtime };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
    await mkdir(dirname(lockPath), { recursive: true });
    const deadline = Date.now() + LOCK_STALE_MS * 2;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lockPath, 'wx');
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > LOCK_STALE_MS) await unlink(lockPath).catch(() => undefined);
        if (Date.now() > deadline) throw new StorageUnavailableError(`Timed out waiting for the lock on ${lockPath}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 25)));
      }
    }
    try {
      return await work();
    } finally {
      await unlink(lockPath).catch(() => undefined);
    }
  }

  return {
    bucket: options.bucket,

    async ensureReady() {
      await mkdir(bucketDir, { recursive: true });
      await mkdir(tmpDir, { recursive: true });
    },

    async put(key, body, putOptions: PutOptions = {}) {
      const paths = pathsFor(key);
      const metadata = checkMetadata(putOptions.metadata);
      const contentType = checkContentType(putOptions.contentType);
      await mkdir(tmpDir, { recursive: true });
      const tmpObject = join(tmpDir, randomUUID());
      const tmpMeta = tmpObject + META_SUFFIX;
      const md5 = createHash('md5');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      try {
        const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
        await pipeline(source, measure, createWriteStream(tmpObject));
        const sidecar: Sidecar = {
          etag: md5.digest('hex'),
          contentType,
          metadata,
        };
        await writeFile(tmpMeta, JSON.stringify(sidecar));
        await mkdir(dirname(paths.object), { recursive: true });
        const commit = async () => {
          if (putOptions.ifNoneMatch === '*' || putOptions.ifMatch !== undefined) {
            const current = await readSidecar(paths.meta);
            if (putOptions.ifNoneMatch === '*' && current) {
              throw new PreconditionFailedError(`Object ${key} already exists`);
            }
            if (putOptions.ifMatch !== undefined && current?.etag !== putOptions.ifMatch) {
              throw new PreconditionFailedError(`Object ${key} changed (etag ${current?.etag ?? 'none'})`);
            }
          }
          // Object first, then the sidecar that carries the etag: a reader (sidecar first, then
          // object) may see a body newer than its etag, whose ifMatch then fails, but never a
          // newer etag with an older body, which would let a compare-and-swap lose an update.
          await rename(tmpObject, paths.object);
          await rename(tmpMeta, paths.meta);
          return { etag: sidecar.etag, size };
        };
        return await withLock(paths.lock, commit);
      } finally {
        await rm(tmpObject, { force: true });
        await rm(tmpMeta, { force: true });
      }
    },

    async get(key) {
      const info = await infoFor(key);
      if (!info) throw new NotFoundError(`No object ${key}`);
      // Open now, so that a delete racing with us is a NotFoundError, not an ENOENT on the stream.
      let handle;
      try {
        handle = await open(pathsFor(key).object, 'r');
      } catch (error) {
        if (isNotFound(error)) throw new NotFoundError(`No object ${key}`);
        throw error;
      }
      const stats = await handle.stat().catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      return { info: { ...info, size: stats.size, lastModified: stats.mtime }, body: handle.createReadStream() };
    },

    async getRange(key, offset, length) {
      const paths = pathsFor(key);
      let handle;
      try {
        handle = await open(paths.object, 'r');
      } catch (error) {
        if (isNotFound(error)) throw new NotFoundError(`No object ${key}`);
        throw error;
      }
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    head: infoFor,

    async *list(prefix) {
      const slash = prefix.lastIndexOf('/');
      const dirSegments = slash >= 0 ? prefix.slice(0, slash).split('/') : [];
      if (dirSegments.some((s) => s.length === 0)) return;
      const startDir = join(bucketDir, ...dirSegments.map(encodeSegment));
      const startKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
      const found: ListedObject[] = [];
      await walk(startDir, startKey, prefix, found);
      found.sort((a, b) => compareKeys(a.key, b.key));
      yield* found;
    },

    async delete(key) {
      const paths = pathsFor(key);
      await rm(paths.object, { force: true });
      await rm(paths.meta, { force: true });
    },
  };
}

async function walk(dir: string, keyPrefix: string, wanted: string, found: ListedObject[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) {
      const childKey = `${keyPrefix}${decodeSegment(entry.name)}/`;
      if (childKey.startsWith(wanted) || wanted.startsWith(childKey)) await walk(join(dir, entry.name), childKey, wanted, found);
    } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
      const key = keyPrefix + decodeSegment(entry.name.slice(0, -OBJECT_SUFFIX.length));
      if (!key.startsWith(wanted)) continue;
      const stats = await stat(join(dir, entry.name)).catch(() => undefined);
      if (stats) found.push({ key, size: stats.size, lastModified: stats.mtime });
    }
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

