/**
 * ObjectStore: the only way functions touch files. Shaped after S3 so that the MinIO adapter is
 * a thin translation: streaming get/put, user metadata, list by prefix, delete, conditional puts.
 */
import type { Readable } from 'node:stream';
import type { StagedUploads } from './staged-uploads.js';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Opaque version tag; pass it back as `ifMatch` for compare-and-swap writes. */
  readonly etag: string;
  readonly contentType: string;
  /** S3 user metadata (x-amz-meta-*), keys lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly lastModified: Date;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** `*`: create only; the put fails with PreconditionFailedError when the key exists. */
  readonly ifNoneMatch?: '*';
  /** Replace only the version with this etag; otherwise PreconditionFailedError. */
  readonly ifMatch?: string;
}

export interface ObjectStore {
  readonly bucket: string;
  /** Direct uploads signed by the store itself (S3 presigned URLs); absent when it cannot sign. */
  readonly staged?: StagedUploads;
  /** Creates the bucket (or folder) if missing; idempotent. */
  ensureReady(): Promise<void>;
  /** Streams `body` into `key`. A stream that errors leaves no object behind. */
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<{ etag: string; size: number }>;
  /** Throws NotFoundError when absent. */
  get(key: string): Promise<{ info: ObjectInfo; body: Readable }>;
  /** Reads the first `length` bytes (fewer if the object is shorter). Throws NotFoundError when absent. */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
}

export async function readAll(store: ObjectStore, key: string): Promise<{ info: ObjectInfo; bytes: Buffer }> {
  const { info, body } = await store.get(key);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { info, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) };
}

export async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys;
}

/** Deletes every object under `prefix`; returns the keys removed. */
export async function deletePrefix(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys = await listKeys(store, prefix);
  for (const key of keys) await store.delete(key);
  return keys;
}
