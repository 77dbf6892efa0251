/**
 * Direct uploads: the client sends the bytes to storage itself, through URLs we sign, one PUT
 * for a small file or S3 multipart parts for a big one (resumable: the parts already stored are
 * listed, only the missing ones are sent again). MinIO signs real S3 URLs (minio-staged.ts); a
 * store that cannot (the fs adapter of the embedded mode) gets `createProxiedStagedUploads`,
 * whose URLs point at the upload service and carry an HMAC token instead.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError, NotFoundError, ForbiddenError } from '../errors.js';
import { listKeys, readAll, type ObjectStore } from './port.js';

/** One request the client makes as given: method, URL (absolute, or relative to the API) and headers. */
export interface PresignedRequest {
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface UploadedPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
}

export interface ObjectHeaders {
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface StagedUploads {
  /** A PUT of exactly `size` bytes that creates `key` with these headers. */
  presignPut(key: string, headers: ObjectHeaders, size: number, expiresInSeconds: number): Promise<PresignedRequest>;
  /** Starts a multipart upload of `key`; returns its upload id. */
  createMultipart(key: string, headers: ObjectHeaders): Promise<string>;
  /** A PUT of exactly `size` bytes as part `partNumber` (1-based). */
  presignPart(key: string, uploadId: string, partNumber: number, size: number, expiresInSeconds: number): Promise<PresignedRequest>;
  /** The parts stored so far, by part number. NotFoundError when the upload is unknown (completed or aborted). */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  /** Idempotent. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** What a proxied URL's token grants: a PUT of exactly `size` bytes into `key`, until `expires`. */
export interface StagedPutGrant {
  readonly key: string;
  readonly size: number;
  readonly expires: number;
  readonly contentType?: string;
  readonly metadata?: Record<string, string>;
}

const STAGING = 'staging/';
const partKey = (uploadId: string, partNumber: number) => `${STAGING}${uploadId}/part-${String(partNumber).padStart(5, '0')}`;
const manifestKey = (uploadId: string) => `${STAGING}${uploadId}/upload.json`;

/**
 * Staged uploads for any ObjectStore, served by the upload service: each URL is
 * `<routePath>?token=<grant>.<hmac>`; `receiveStagedPut` checks the token and streams the body in.
 * Parts are objects under `staging/<upload id>/`; completion streams them, in order, into the key.
 */
export function createProxiedStagedUploads(store: ObjectStore, secret: string, routePath: string): StagedUploads & { receive(token: string, body: Readable): Promise<UploadedPart> } {
  const sign = (grant: StagedPutGrant): PresignedRequest => {
    const payload = Buffer.from(JSON.stringify(grant)).toString('base64url');
    const mac = createHmac('sha256', secret).update(payload).digest('base64url');
    return { method: 'PUT', url: `${routePath}?token=${payload}.${mac}`, headers: {} };
  };
  const expiry = (seconds: number) => Date.now() + seconds * 1000;

  async function manifest(uploadId: string): Promise<{ key: string } & ObjectHeaders> {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new NotFoundError(`No multipart upload ${uploadId}`);
    try {
      return JSON.parse((await readAll(store, manifestKey(uploadId))).bytes.toString('utf8')) as { key: string } & ObjectHeaders;
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`No multipart upload ${uploadId} (completed, aborted or never started)`);
      throw error;
    }
  }

  return {
    async presignPut(key, headers, size, expiresInSeconds) {
      return sign({ key, size, expires: expiry(expiresInSeconds), contentType: headers.contentType, metadata: { ...headers.metadata } });
    },

    async createMultipart(key, headers) {
      const uploadId = randomUUID();
      await store.put(manifestKey(uploadId), Buffer.from(JSON.stringify({ key, ...headers })), { contentType: 'application/json' });
      return uploadId;
    },

    async presignPart(key, uploadId, partNumber, size, expiresInSeconds) {
      const found = await manifest(uploadId);
      if (found.key !== key) throw new NotFoundError(`Multipart upload ${uploadId} is not for ${key}`);
      return sign({ key: partKey(uploadId, partNumber), size, expires: expiry(expiresInSeconds) });
    },

    async listParts(key, uploadId) {
      const found = await manifest(uploadId);
      if (found.key !== key) throw new NotFoundError(`Multipart upload ${uploadId} is not for ${key}`);
      const parts: UploadedPart[] = [];
      for await (const object of store.list(`${STAGING}${uploadId}/part-`)) {
        const info = await store.head(object.key);
        if (info) parts.push({ partNumber: Number(object.key.slice(-5)), size: info.size, etag: info.etag });
      }
      return parts;
    },

    async completeMultipart(key, uploadId, parts) {
      const found = await manifest(uploadId);
      if (found.key !== key) throw new NotFoundError(`Multipart upload ${uploadId} is not for ${key}`);
      const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
      const joined = new PassThrough();
      const writing = store.put(key, joined, { contentType: found.contentType, metadata: found.metadata });
      try {
        for (const part of ordered) {
          const { body } = await store.get(partKey(uploadId, part.partNumber));
          await pipeline(body, joined, { end: false });
        }
        joined.end();
      } catch (error) {
        joined.destroy(error as Error);
        await writing.catch(() => undefined);
        throw error;
      }
      await writing;
      for (const stale of await listKeys(store, `${STAGING}${uploadId}/`)) await store.delete(stale);
    },

    async abortMultipart(_key, uploadId) {
      if (!/^[0-9a-f-]{36}$/.test(uploadId)) return;
      for (const stale of await listKeys(store, `${STAGING}${uploadId}/`)) await store.delete(stale);
    },

    async receive(token, body) {
      const grant = verifyGrant(token, secret);
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > grant.size) callback(new InvalidInputError(`The body is longer than the ${grant.size} bytes this URL was signed for`));
          else callback(null, chunk);
        },
        flush(callback) {
          if (size !== grant.size) callback(new InvalidInputError(`The body has ${size} bytes but this URL was signed for exactly ${grant.size}`));
          else callback();
        },
      });
      body.once('error', (error) => counted.destroy(error));
      // The store may attach to `counted` only after an await; its error must not go unheard meanwhile.
      counted.on('error', () => undefined);
      const { etag } = await store.put(grant.key, body.pipe(counted), {
        ...(grant.contentType ? { contentType: grant.contentType } : {}),
        ...(grant.metadata ? { metadata: grant.metadata } : {}),
      });
      return { partNumber: grant.key.startsWith(STAGING) ? Number(grant.key.slice(-5)) : 1, size, etag };
    },
  };
}

export function verifyGrant(token: string, secret: string, now = Date.now()): StagedPutGrant {
  const [payload = '', mac = ''] = token.split('.');
  const wanted = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new ForbiddenError('This upload URL is not valid (bad signature); ask POST /uploads for a new one');
  }
  const grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as StagedPutGrant;
  if (grant.expires < now) throw new ForbiddenError('This upload URL has expired; GET /uploads/<id> gives fresh ones');
  return grant;
}
