/**
 * ObjectStore conformance: one suite, run on every adapter (DESIGN.md §7). The fs adapter runs in
 * a temp dir; the MinIO adapter runs on a real MinIO started by the repo's infra scripts, in a
 * random bucket that is removed afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, PreconditionFailedError } from '../../functions/lib/errors.js';
import { createFsStore } from '../../functions/lib/store/fs.js';
import { createMinioStore } from '../../functions/lib/store/minio.js';
import { listKeys, readAll, type ObjectStore } from '../../functions/lib/store/port.js';
import { ensureInfra } from '../../local/infra/index.js';

const MiB = 1024 * 1024;

interface Harness {
  readonly store: ObjectStore;
  /** fs only: the directory the store must never write outside of (its parent is checked too). */
  readonly root?: string;
  /** MinIO only: multipart uploads still open for a key (a failed put must abort its upload). */
  readonly openUploads?: (key: string) => Promise<number>;
  cleanup(): Promise<void>;
}

interface AdapterCase {
  readonly name: string;
  setup(): Promise<Harness>;
}

const randomName = () => `test-${randomBytes(6).toString('hex')}`;

const adapters: AdapterCase[] = [
  {
    name: 'fs',
    async setup() {
      const parent = await mkdtemp(join(tmpdir(), 'store-conformance-'));
      const root = join(parent, 'root');
      await mkdir(root);
      return {
        store: createFsStore({ root, bucket: randomName() }),
        root,
        cleanup: () => rm(parent, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'minio',
    async setup() {
      const { minio } = await ensureInfra({ minio: true, kafka: false });
      const bucket = randomName();
      // A small part size so that the multi-MiB stream tests go through the multipart path.
      const store = createMinioStore({ ...minio, region: 'us-east-1', bucket, partSize: 5 * MiB });
      const admin = new Client({ endPoint: minio.endPoint, port: minio.port, useSSL: minio.useSSL, accessKey: minio.accessKey, secretKey: minio.secretKey, region: 'us-east-1' });
      return {
        store,
        async openUploads(key) {
          let count = 0;
          for await (const upload of admin.listIncompleteUploads(bucket, key, true)) if (upload.key === key) count++;
          return count;
        },
        async cleanup() {
          // MinIO's force delete removes the bucket with whatever is left in it.
          const response = await admin.makeRequestAsync({ method: 'DELETE', bucketName: bucket, headers: { 'x-minio-force-delete': 'true' } }, '', [204, 404]);
          response.resume();
        },
      };
    },
  },
];

/** A stream of `size` pseudo-random bytes in chunks of odd sizes; optionally fails after `failAfter` bytes. */
function byteStream(size: number, options: { seed?: number; failAfter?: number } = {}): Readable {
  let sent = 0;
  let state = options.seed ?? 1;
  return new Readable({
    read() {
      if (options.failAfter !== undefined && sent >= options.failAfter) {
        this.destroy(new Error('source broke midway'));
        return;
      }
      if (sent >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(size - sent, 99_991);
      const chunk = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) {
        state = (state * 1103515245 + 12345) & 0x7fffffff;
        chunk[i] = state >>> 16;
      }
      sent += length;
      this.push(chunk);
    },
  });
}

async function sha256Of(stream: Readable): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), size };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe.each(adapters)('ObjectStore conformance: $name', (adapter) => {
  let harness: Harness;
  let store: ObjectStore;

  beforeAll(async () => {
    harness = await adapter.setup();
    store = harness.store;
    await store.ensureReady();
  }, 15 * 60_000); // the first MinIO build (`go install`) takes minutes

  afterAll(async () => {
    await harness?.cleanup();
  }, 120_000);

  it('ensureReady is idempotent, also when called concurrently', async () => {
    await Promise.all([store.ensureReady(), store.ensureReady(), store.ensureReady()]);
    await store.ensureReady();
  });

  it('round-trips a Buffer with content type and encoded unicode metadata', async () => {
    const bytes = Buffer.from('hello, object store\n');
    const name = 'résumé – 履歴書 😀.pdf';
    const put = await store.put('roundtrip/buffer.txt', bytes, {
      contentType: 'text/plain; charset=utf-8',
      metadata: { 'Original-Name': encodeURIComponent(name), function: 'upload', 'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736' },
    });
    expect(put.size).toBe(bytes.length);
    expect(put.etag).toMatch(/^[^"]+$/);

    const { info, bytes: read } = await readAll(store, 'roundtrip/buffer.txt');
    expect(read.equals(bytes)).toBe(true);
    expect(info).toMatchObject({ key: 'roundtrip/buffer.txt', size: bytes.length, etag: put.etag, contentType: 'text/plain; charset=utf-8' });
    expect(info.metadata).toEqual({ 'original-name': encodeURIComponent(name), function: 'upload', 'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(decodeURIComponent(info.metadata['original-name'] ?? '')).toBe(name);
  });

  it('streams a multi-MiB Readable in and out', async () => {
    const size = 12 * MiB + 12_345;
    const expected = await sha256Of(byteStream(size, { seed: 7 }));
    const put = await store.put('roundtrip/big.bin', byteStream(size, { seed: 7 }), { contentType: 'application/x-test', metadata: { sha256: expected.hex } });
    expect(put.size).toBe(size);

    const { info, body } = await store.get('roundtrip/big.bin');
    expect(info).toMatchObject({ size, etag: put.etag, contentType: 'application/x-test', metadata: { sha256: expected.hex } });
    expect(await sha256Of(body)).toEqual(expected);
  });

  it('stores empty objects from a Buffer and from a stream', async () => {
    expect((await store.put('roundtrip/empty-buffer', Buffer.alloc(0))).size).toBe(0);
    expect((await store.put('roundtrip/empty-stream', Readable.from([]))).size).toBe(0);
    for (const key of ['roundtrip/empty-buffer', 'roundtrip/empty-stream']) {
      const { info, bytes } = await readAll(store, key);
      expect(info.size).toBe(0);
      expect(bytes.length).toBe(0);
    }
  });

  it('head reports size, the put etag, content type, metadata and a recent lastModified', async () => {
    const before = Date.now();
    const put = await store.put('head/one.json', Buffer.from('{"a":1}'), { contentType: 'application/json', metadata: { Step: '1' } });
    const info = await store.head('head/one.json');
    expect(info).toMatchObject({ key: 'head/one.json', size: 7, etag: put.etag, contentType: 'application/json', metadata: { step: '1' } });
    expect(info?.lastModified).toBeInstanceOf(Date);
    // S3 dates have one-second resolution.
    expect(Math.abs((info?.lastModified.getTime() ?? 0) - before)).toBeLessThan(120_000);
  });

  it('defaults the content type to application/octet-stream, whatever the key looks like', async () => {
    await store.put('head/guess.json', Buffer.from('{}'));
    expect((await store.head('head/guess.json'))?.contentType).toBe('application/octet-stream');
  });

  it('head of a missing key is undefined; get and getRange of it throw NotFoundError', async () => {
    expect(await store.head('missing/nothing-here')).toBeUndefined();
    await expect(store.get('missing/nothing-here')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getRange('missing/nothing-here', 0, 10)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.getRange('missing/nothing-here', 0, 0)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('getRange reads a slice, a short tail, and nothing past the end', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await store.put('range/data.bin', bytes);
    expect((await store.getRange('range/data.bin', 0, 16)).equals(bytes.subarray(0, 16))).toBe(true);
    expect((await store.getRange('range/data.bin', 10, 20)).equals(bytes.subarray(10, 30))).toBe(true);
    expect((await store.getRange('range/data.bin', 995, 100)).equals(bytes.subarray(995))).toBe(true);
    expect((await store.getRange('range/data.bin', 0, 5000)).equals(bytes)).toBe(true);
    expect((await store.getRange('range/data.bin', 1000, 10)).length).toBe(0);
    expect((await store.getRange('range/data.bin', 5000, 10)).length).toBe(0);
    expect((await store.getRange('range/data.bin', 3, 0)).length).toBe(0);
    await store.put('range/empty.bin', Buffer.alloc(0));
    expect((await store.getRange('range/empty.bin', 0, 10)).length).toBe(0);
  });

  it('lists by prefix, recursively and in key order, including partial-segment prefixes', async () => {
    const keys = [
      'derived/abc/grayscale+blur/2-blur.jpg',
      'derived/abc/grayscale+blur/1-grayscale.jpg',
      'derived/abc/blur/1-blur.jpg',
      'derived/abd/grayscale/1-grayscale.png',
      'derived/ab',
      'derived/b/1-blur.jpg',
      'derived0',
      'derivedX/1',
      'deri',
    ];
    await Promise.all(keys.map((key, i) => store.put(key, Buffer.alloc(i + 1, 1))));

    expect(await listKeys(store, 'derived/ab')).toEqual([
      'derived/ab',
      'derived/abc/blur/1-blur.jpg',
      'derived/abc/grayscale+blur/1-grayscale.jpg',
      'derived/abc/grayscale+blur/2-blur.jpg',
      'derived/abd/grayscale/1-grayscale.png',
    ]);
    expect(await listKeys(store, 'derived/abc/')).toEqual([
      'derived/abc/blur/1-blur.jpg',
      'derived/abc/grayscale+blur/1-grayscale.jpg',
      'derived/abc/grayscale+blur/2-blur.jpg',
    ]);
    expect(await listKeys(store, 'derived/abc/grayscale+')).toEqual(['derived/abc/grayscale+blur/1-grayscale.jpg', 'derived/abc/grayscale+blur/2-blur.jpg']);
    expect(await listKeys(store, 'derived')).toEqual([...keys].filter((k) => k.startsWith('derived')).sort(byteOrder));
    expect(await listKeys(store, 'derived/abc/blur/1-blur.jpg')).toEqual(['derived/abc/blur/1-blur.jpg']);
    expect(await listKeys(store, 'derived/zzz')).toEqual([]);
    expect(await listKeys(store, 'nothing/under/here/')).toEqual([]);

    const listed = [];
    for await (const object of store.list('derived/b/')) listed.push(object);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ key: 'derived/b/1-blur.jpg', size: keys.indexOf('derived/b/1-blur.jpg') + 1 });
    expect(listed[0]?.lastModified).toBeInstanceOf(Date);
  });

  it('lists in UTF-8 byte order, as S3 does', async () => {
    // No key is also the "folder" of another ("order/a" and "order/a/b"): MinIO stores both but
    // lists only "order/a". The key layout (DESIGN.md §3) never does that.
    const keys = ['order/z', 'order/\uFF5E', 'order/😀', 'order/é', 'order/Z', 'order/a b', 'order/a+b', 'order/a-b', 'order/a', 'order/a0/b'];
    await Promise.all(keys.map((key) => store.put(key, Buffer.from(key))));
    expect(await listKeys(store, 'order/')).toEqual([...keys].sort(byteOrder));
  });

  it('paginates listings beyond 1000 keys', async () => {
    const keys = Array.from({ length: 1234 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await inParallel(keys, 32, (key) => store.put(key, Buffer.alloc(0)));
    const listed = await listKeys(store, 'many/');
    expect(listed).toHaveLength(keys.length);
    expect(listed).toEqual(keys);
    expect(await listKeys(store, 'many/1')).toEqual(keys.filter((key) => key.startsWith('many/1')));
  }, 120_000);

  it('delete is idempotent and removes the key from listings', async () => {
    await store.put('del/a', Buffer.from('a'));
    await store.put('del/b', Buffer.from('b'));
    await store.delete('del/a');
    expect(await store.head('del/a')).toBeUndefined();
    await expect(store.get('del/a')).rejects.toBeInstanceOf(NotFoundError);
    expect(await listKeys(store, 'del/')).toEqual(['del/b']);
    await store.delete('del/a');
    await store.delete('del/never-existed');
    expect(await listKeys(store, 'del/')).toEqual(['del/b']);
  });

  it("ifNoneMatch '*' creates once, then throws PreconditionFailedError and keeps the first body", async () => {
    await store.put('cond/once', Buffer.from('first'), { ifNoneMatch: '*' });
    await expect(store.put('cond/once', Buffer.from('second'), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('cond/once', byteStream(6 * MiB), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await readAll(store, 'cond/once')).bytes.toString()).toBe('first');
  });

  it('ifMatch replaces only the current version', async () => {
    const v1 = await store.put('cond/swap', Buffer.from('v1'));
    const v2 = await store.put('cond/swap', Buffer.from('v2'), { ifMatch: v1.etag });
    expect(v2.etag).not.toBe(v1.etag);
    await expect(store.put('cond/swap', Buffer.from('v3'), { ifMatch: v1.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('cond/swap', byteStream(11 * MiB), { ifMatch: v1.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('cond/swap', Buffer.from('v3'), { ifMatch: '0123456789abcdef0123456789abcdef' })).rejects.toBeInstanceOf(PreconditionFailedError);
    const { info, bytes } = await readAll(store, 'cond/swap');
    expect(bytes.toString()).toBe('v2');
    expect(info.etag).toBe(v2.etag);
    // A large (multipart) conditional write with the current etag succeeds too.
    const v3 = await store.put('cond/swap', byteStream(11 * MiB, { seed: 3 }), { ifMatch: v2.etag });
    expect((await store.head('cond/swap'))?.etag).toBe(v3.etag);
    await expect(store.put('cond/missing', Buffer.from('x'), { ifMatch: v1.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.head('cond/missing')).toBeUndefined();
  }, 60_000);

  it.each([
    { label: 'ifMatch', condition: 'ifMatch' as const },
    { label: "ifNoneMatch '*'", condition: 'ifNoneMatch' as const },
  ])('a streaming $label put loses to a write that lands while its body is still arriving', async ({ condition }) => {
    const key = `cond/race-${condition}`;
    const original = condition === 'ifMatch' ? await store.put(key, Buffer.from('original')) : undefined;
    // 11 MiB, then the stream waits: by then a multipart upload has been initiated and its first
    // parts sent (past any check made when the upload began), so only a check at the end can catch it.
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    async function* body() {
      for await (const chunk of byteStream(11 * MiB, { seed: 5 })) yield chunk as Buffer;
      reachedGate();
      await gate;
      yield Buffer.alloc(3 * MiB, 1);
    }
    const racing = store.put(key, Readable.from(body()), condition === 'ifMatch' ? { ifMatch: original?.etag ?? '' } : { ifNoneMatch: '*' });
    racing.catch(() => undefined);
    await atGate;
    const winner = await store.put(key, Buffer.from('winner'));
    openGate();
    await expect(racing).rejects.toBeInstanceOf(PreconditionFailedError);
    const { info, bytes } = await readAll(store, key);
    expect(bytes.toString()).toBe('winner');
    expect(info.etag).toBe(winner.etag);
    if (harness.openUploads) expect(await harness.openUploads(key)).toBe(0);
  }, 60_000);

  it('get never pairs a body with an etag newer than that body', async () => {
    // An etag newer than the body read with it would let a compare-and-swap overwrite a version
    // it never saw. (Older is harmless: the conditional write then fails and is retried.)
    const key = 'cond/versions';
    const versionOf = new Map<string, number>();
    versionOf.set((await store.put(key, Buffer.from('0'))).etag, 0);
    let writing = true;
    const seen: { etag: string; version: number }[] = [];
    const writer = (async () => {
      for (let version = 1; version <= 300; version++) versionOf.set((await store.put(key, Buffer.from(String(version)))).etag, version);
      writing = false;
    })();
    const readers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const { info, bytes } = await readAll(store, key);
        seen.push({ etag: info.etag, version: Number(bytes.toString()) });
      }
    });
    await Promise.all([writer, ...readers]);
    expect(seen.length).toBeGreaterThan(0);
    const newer = seen.filter(({ etag, version }) => (versionOf.get(etag) ?? -1) > version);
    expect(newer).toEqual([]);
  }, 60_000);

  it('compare-and-swap increments from many parallel writers are all kept', async () => {
    const key = 'cond/counter.json';
    let conflicts = 0;
    const increment = async () => {
      for (;;) {
        let current: { value: number; etag: string } | undefined;
        try {
          const { info, bytes } = await readAll(store, key);
          current = { value: (JSON.parse(bytes.toString()) as { value: number }).value, etag: info.etag };
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
        const body = Buffer.from(JSON.stringify({ value: (current?.value ?? 0) + 1 }));
        try {
          await store.put(key, body, current ? { ifMatch: current.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
          return;
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
          conflicts++;
        }
      }
    };
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 5; i++) await increment();
      }),
    );
    const { bytes } = await readAll(store, key);
    expect(JSON.parse(bytes.toString())).toEqual({ value: 100 });
    expect(conflicts).toBeGreaterThan(0); // the writers really raced
  }, 120_000);

  it.each([
    { label: 'before the first part', size: 4 * MiB, failAfter: 1 * MiB },
    { label: 'after several parts', size: 20 * MiB, failAfter: 12 * MiB },
  ])('a put whose source stream errors $label leaves no object (and keeps an older one)', async ({ size, failAfter }) => {
    const key = `broken/${failAfter}`;
    await expect(store.put(key, byteStream(size, { failAfter }))).rejects.toThrow('source broke midway');
    expect(await store.head(key)).toBeUndefined();
    expect(await listKeys(store, key)).toEqual([]);
    if (harness.openUploads) expect(await harness.openUploads(key)).toBe(0);

    await store.put(key, Buffer.from('older'));
    await expect(store.put(key, byteStream(size, { failAfter }))).rejects.toThrow('source broke midway');
    expect((await readAll(store, key)).bytes.toString()).toBe('older');
    if (harness.openUploads) expect(await harness.openUploads(key)).toBe(0);
  }, 60_000);

  it('keeps keys with spaces, unicode, "+", "%", dots and URL characters verbatim', async () => {
    const keys = [
      'keys/with space/file name.txt',
      'keys/ünïcødé/文件/😀.png',
      'keys/a+b/c+d',
      'keys/100%/%2F%2e%2e',
      'keys/..hidden/a..b/...',
      "keys/q?x=1&y=2#frag/'quote'\"dq\"",
      'keys/tilde~/semi;colon:/[brackets]{braces}',
      'keys/back\\slash',
    ];
    for (const key of keys) await store.put(key, Buffer.from(key));
    for (const key of keys) {
      const { info, bytes } = await readAll(store, key);
      expect(info.key).toBe(key);
      expect(bytes.toString()).toBe(key);
    }
    expect(await listKeys(store, 'keys/')).toEqual([...keys].sort(byteOrder));
    expect(await listKeys(store, 'keys/a+')).toEqual(['keys/a+b/c+d']);
    expect(await listKeys(store, 'keys/with space/')).toEqual(['keys/with space/file name.txt']);
    for (const key of keys) await store.delete(key);
    expect(await listKeys(store, 'keys/')).toEqual([]);
  });

  it('lists numeric-looking keys verbatim', async () => {
    const keys = ['007', '1e3', '0x10', 'true'];
    for (const key of keys) await store.put(key, Buffer.from(key));
    for (const key of keys) expect(await listKeys(store, key)).toEqual([key]);
  });

  it('rejects invalid keys with InvalidInputError and never writes outside its root', async () => {
    const invalid = ['', '/abs', 'trailing/', 'a//b', '..', '../escape', 'a/../../escape', './x', 'a/./b', 'a/ .. /b', 'a\\..\\b', 'nul\0byte', 'x'.repeat(1025)];
    for (const key of invalid) {
      await expect(store.put(key, Buffer.from('x')), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(store.head(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidInputError);
    }
    if (harness.root) {
      const root = await realpath(harness.root);
      const parent = join(root, '..');
      expect(await readdir(parent)).toEqual(['root']);
      const files = await readdir(root, { recursive: true });
      for (const file of files) expect(relative(root, join(root, file)).split(sep)).not.toContain('..');
    }
  });

  it('rejects metadata and content types that S3 cannot carry (encode them first)', async () => {
    await expect(store.put('meta/bad', Buffer.from('x'), { metadata: { name: 'résumé' } })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.put('meta/bad', Buffer.from('x'), { metadata: { 'bad name': 'x' } })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.put('meta/bad', Buffer.from('x'), { metadata: { name: ' padded ' } })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.put('meta/bad', Buffer.from('x'), { contentType: 'text/plain; name="résumé"' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(await store.head('meta/bad')).toBeUndefined();
  });
});
