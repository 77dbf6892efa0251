/**
 * MinIO (S3) ObjectStore on `node:http` with its own AWS Signature V4 signing (node:crypto): the
 * `minio` client took ~130 ms to load on every cold start for the handful of requests this port
 * needs. Conditions go on the request as real `If-Match` / `If-None-Match` headers: on the PUT,
 * or for a multipart upload on both the initiation (fail early) and the completion (the check
 * that counts, which S3/MinIO evaluate atomically under the object's lock); a 412 becomes
 * PreconditionFailedError. A multipart upload is never resumed from someone else's.
 *
 * Bodies are always sent as Buffers (signed with their SHA-256): a Buffer or a stream no longer
 * than `partSize` is one PUT; a longer stream is a multipart upload of `partSize` parts, aborted
 * if the stream or an upload fails, so a failed put leaves no object behind. Nothing is retried
 * here: a StorageUnavailableError is retried by whoever can (Knative redelivers on 5xx,
 * compare-and-swap loops go round again).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { InvalidInputError, NotFoundError, PipelineError, PreconditionFailedError, StorageUnavailableError, expected } from '../errors.js';
import type { ListedObject, ObjectInfo, ObjectStore, PutOptions } from './port.js';
import type { StagedUploads } from './staged-uploads.js';
import { checkContentType, checkKey, checkMetadata } from './rules.js';
import { createS3StagedUploads } from './minio-staged.js';
import { readBody, readBuffer, xmlBlocks, xmlText } from './s3-wire.js';
import { createSigV4, s3Escape, s3Path } from './sigv4.js';

export interface MinioStoreOptions {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  readonly bucket: string;
  /** Streams longer than this go up as a multipart upload of parts this size. Default 16 MiB, at least 5 MiB. */
  readonly partSize?: number;
  /** Fails a request that has no response (headers) after this many ms of silence. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** scheme://host[:port] that clients reach for presigned URLs. Default: the endpoint itself. */
  readonly publicEndpoint?: string;
}

const MiB = 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * MiB;
const MIN_PART_SIZE = 5 * MiB;
const DEFAULT_TIMEOUT_MS = 30_000;
const META_PREFIX = 'x-amz-meta-';
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Network failures that say "the store is not reachable right now". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
const INVALID_NAME_CODES = new Set(['XMinioInvalidObjectName', 'InvalidObjectName', 'KeyTooLongError', 'ObjectNameInvalid']);
const CREDENTIAL_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'XMinioInvalidAccessKeyID']);

interface Context {
  readonly op: string;
  readonly key?: string;
  /** A put with `ifMatch`: the server answers 404 when the object is gone, which is a lost race for us. */
  readonly ifMatch?: boolean;
}

export function createMinioStore(options: MinioStoreOptions): ObjectStore & { readonly staged: StagedUploads } {
  const { bucket } = options;
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new InvalidInputError(expected('an S3 bucket name (3-63 of a-z, 0-9, ".", "-")', 'bucket', bucket));
  }
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new InvalidInputError(expected(`an integer of at least ${MIN_PART_SIZE}`, 'partSize', partSize));
  }
  const region = options.region || 'us-east-1';
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = `${options.useSSL ? 'https' : 'http'}://${options.endPoint.includes(':') ? `[${options.endPoint}]` : options.endPoint}:${options.port}`;
  const secrets = [options.accessKey, options.secretKey].filter((s) => s.length >= 3);

  const base = options.useSSL ? https : http;
  const agent = new base.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo', timeout: 5_000 });
  const host = `${options.endPoint.includes(':') ? `[${options.endPoint}]` : options.endPoint}:${options.port}`;
  const sigv4 = createSigV4(options.accessKey, options.secretKey, region);

  function redact(text: string): string {
    let result = text;
    for (const secret of secrets) result = result.split(secret).join('***');
    return result;
  }

  function where(context: Context): string {
    return `${context.op} ${context.key === undefined ? `bucket ${bucket}` : `${bucket}/${context.key}`} on MinIO at ${endpoint}`;
  }

  /** Turns anything the client or the network throws into one of our error classes. */
  function translate(error: unknown, context: Context): Error {
    if (error instanceof PipelineError) return error;
    const code = typeof (error as { code?: unknown } | undefined)?.code === 'string' ? (error as { code: string }).code : '';
    const message = redact(error instanceof Error ? error.message : String(error));
    const cause = { cause: error };
    if (error instanceof S3Error) {
      if (code === 'PreconditionFailed') return new PreconditionFailedError(`${where(context)}: the object changed (412 Precondition Failed)`, cause);
      if (NOT_FOUND_CODES.has(code)) {
        if (context.ifMatch) return new PreconditionFailedError(`${where(context)}: the object no longer exists`, cause);
        return new NotFoundError(`No object ${context.key ?? ''} in bucket ${bucket}`, cause);
      }
      if (code === 'NoSuchBucket') return new StorageUnavailableError(`${where(context)}: the bucket does not exist (ensureReady creates it)`, cause);
      if (INVALID_NAME_CODES.has(code)) return new InvalidInputError(`${where(context)}: the server refused the key (${code}: ${message})`, cause);
      if (CREDENTIAL_CODES.has(code)) return new StorageUnavailableError(`${where(context)}: the server refused the credentials (${code})`, cause);
      return new StorageUnavailableError(`${where(context)} failed: ${code || 'error'}: ${message}`, cause);
    }
    if (NETWORK_CODES.has(code) || /socket hang up|Retries exhausted|aborted/i.test(message)) {
      const detail = code && !message.includes(code) ? `${code} ${message}` : message;
      return new StorageUnavailableError(`${where(context)} is unavailable: ${detail}`, cause);
    }
    return new StorageUnavailableError(`${where(context)} failed: ${message}`, cause);
  }

  /** Runs one storage call, translating what it throws. */
  async function call<T>(context: Context, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translate(error, context);
    }
  }

  /**
   * One signed request; resolves with the response when its status is expected, otherwise reads
   * the error body and throws it as an S3Error. Until the response headers arrive, silence longer
   * than `timeoutMs` fails the request; a body being read slowly by the caller is not timed.
   */
  function send(
    req: { method: string; key?: string; query?: string; headers?: Record<string, string> },
    payload: Buffer | string,
    expectedCodes: readonly number[],
  ): Promise<http.IncomingMessage> {
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const path = s3Path(bucket, req.key);
    const headers: Record<string, string> = { host, ...lowerCased(req.headers ?? {}) };
    headers['x-amz-content-sha256'] = body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex');
    headers['authorization'] = sigv4.authorization(req.method, path, req.query ?? '', headers);
    if (body.length > 0 || req.method === 'PUT' || req.method === 'POST') headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const request = base.request({ method: req.method, host: options.endPoint, port: options.port, path: req.query ? `${path}?${req.query}` : path, headers, agent });
      request.setTimeout(timeoutMs, () => {
        request.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      request.once('error', reject);
      request.once('response', (response) => {
        request.setTimeout(0);
        const status = response.statusCode ?? 0;
        if (expectedCodes.includes(status)) {
          resolve(response);
          return;
        }
        readBody(response).then((text) => reject(s3ErrorOf(status, text, req.key !== undefined)), reject);
      });
      request.end(body.length > 0 ? body : undefined);
    });
  }

  async function request(
    context: Context,
    req: { method: string; key?: string; query?: string; headers?: Record<string, string> },
    payload: Buffer | string = '',
    expectedCodes: readonly number[] = [200],
  ): Promise<http.IncomingMessage> {
    return call(context, () => send(req, payload, expectedCodes));
  }

  function conditionHeaders(putOptions: PutOptions): Record<string, string> {
    const headers: Record<string, string> = {};
    if (putOptions.ifNoneMatch !== undefined) {
      if (putOptions.ifNoneMatch !== '*') throw new InvalidInputError(expected('"*"', 'ifNoneMatch', putOptions.ifNoneMatch));
      headers['If-None-Match'] = '*';
    }
    if (putOptions.ifMatch !== undefined) {
      if (putOptions.ifMatch.length === 0) throw new InvalidInputError(expected('an etag', 'ifMatch', putOptions.ifMatch));
      headers['If-Match'] = quoteEtag(putOptions.ifMatch);
    }
    return headers;
  }

  async function putBuffer(context: Context, key: string, headers: Record<string, string>, body: Buffer) {
    const response = await request(context, { method: 'PUT', key, headers }, body);
    response.resume();
    return { etag: unquoteEtag(response.headers.etag), size: body.length };
  }

  async function putMultipart(
    context: Context,
    key: string,
    headers: Record<string, string>,
    conditions: Record<string, string>,
    firstParts: Buffer[],
    rest: AsyncIterator<Buffer>,
  ) {
    // The conditions go on the initiation too, so a lost race fails before any part is sent;
    // the server checks them again, atomically, when the upload completes.
    const initiated = await request(context, { method: 'POST', key, query: 'uploads=', headers: { ...headers, ...conditions } }, '');
    const uploadId = xmlText(await call(context, () => readBody(initiated)), 'UploadId');
    if (!uploadId) throw new StorageUnavailableError(`${where(context)}: the multipart upload was initiated without an UploadId`);
    const etags: string[] = [];
    let size = 0;
    try {
      const send = async (part: Buffer) => {
        const partNumber = etags.length + 1;
        const response = await request(context, { method: 'PUT', key, query: `partNumber=${partNumber}&uploadId=${s3Escape(uploadId)}` }, part);
        response.resume();
        etags.push(unquoteEtag(response.headers.etag));
        size += part.length;
      };
      for (const part of firstParts) await send(part);
      for (let next = await rest.next(); !next.done; next = await rest.next()) await send(next.value);
      const xml =
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${etag}"</ETag></Part>`).join('') +
        '</CompleteMultipartUpload>';
      const response = await request(context, { method: 'POST', key, query: `uploadId=${s3Escape(uploadId)}`, headers: conditions }, xml);
      const body = await readBody(response);
      // CompleteMultipartUpload can fail after a 200 status, with the error in the body.
      const errorCode = xmlText(body, 'Code');
      if (body.includes('<Error>') && errorCode) {
        throw translate(new S3Error(errorCode, xmlText(body, 'Message') ?? errorCode), context);
      }
      const etag = unquoteEtag(response.headers.etag ?? xmlText(body, 'ETag'));
      return { etag, size };
    } catch (error) {
      await send({ method: 'DELETE', key, query: `uploadId=${s3Escape(uploadId)}` }, '', [200, 204]).then((r) => r.resume(), () => undefined);
      throw error;
    }
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    try {
      const response = await request({ op: 'head', key }, { method: 'HEAD', key });
      response.resume();
      return infoFromHeaders(key, response.headers);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  return {
    bucket,
    staged: createS3StagedUploads({ bucket, request, sigv4, publicEndpoint: options.publicEndpoint ?? endpoint }),

    async ensureReady() {
      const context = { op: 'ensureReady' };
      await call(context, async () => {
        const found = await send({ method: 'HEAD' }, '', [200, 404]);
        found.resume();
        if (found.statusCode === 200) return;
        const configuration =
          region === 'us-east-1'
            ? ''
            : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`;
        try {
          (await send({ method: 'PUT' }, configuration, [200])).resume();
        } catch (error) {
          // Another instance created it between our check and our create.
          if (error instanceof S3Error && error.code === 'BucketAlreadyOwnedByYou') return;
          throw error;
        }
      });
    },

    async put(key, body, putOptions = {}) {
      checkKey(key);
      const metadata = checkMetadata(putOptions.metadata);
      const conditions = conditionHeaders(putOptions);
      // Always sent: MinIO would otherwise guess one from the key's extension.
      const headers: Record<string, string> = { 'Content-Type': checkContentType(putOptions.contentType) };
      for (const [name, value] of Object.entries(metadata)) headers[META_PREFIX + name] = value;
      const context: Context = { op: 'put', key, ifMatch: putOptions.ifMatch !== undefined };
      if (Buffer.isBuffer(body)) return putBuffer(context, key, { ...headers, ...conditions }, body);

      const parts = chunksOf(body, partSize);
      try {
        const first = await parts.next();
        if (first.done) return await putBuffer(context, key, { ...headers, ...conditions }, Buffer.alloc(0));
        // A short part is only ever the last one: the stream has ended.
        if (first.value.length < partSize) return await putBuffer(context, key, { ...headers, ...conditions }, first.value);
        const second = await parts.next();
        if (second.done) return await putBuffer(context, key, { ...headers, ...conditions }, first.value);
        return await putMultipart(context, key, headers, conditions, [first.value, second.value], parts);
      } finally {
        await parts.return(undefined);
      }
    },

    async get(key) {
      checkKey(key);
      const context = { op: 'get', key };
      const response = await request(context, { method: 'GET', key });
      const info = infoFromHeaders(key, response.headers);
      return { info, body: guarded(response, (error) => translate(error, context)) };
    },

    async getRange(key, offset, length) {
      checkKey(key);
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidInputError(expected('a non-negative integer', 'offset', offset));
      if (!Number.isInteger(length) || length < 0) throw new InvalidInputError(expected('a non-negative integer', 'length', length));
      const context = { op: 'getRange', key };
      if (length === 0) {
        if (!(await head(key))) throw new NotFoundError(`No object ${key} in bucket ${bucket}`);
        return Buffer.alloc(0);
      }
      let response: http.IncomingMessage;
      try {
        response = await send({ method: 'GET', key, headers: { Range: `bytes=${offset}-${offset + length - 1}` } }, '', [200, 206]);
      } catch (error) {
        // 416: the object exists but is no longer than `offset` (or is empty).
        if (error instanceof S3Error && error.code === 'InvalidRange') return Buffer.alloc(0);
        throw translate(error, context);
      }
      const bytes = await call(context, () => readBuffer(response));
      // A server that ignores Range answers 200 with the whole object.
      return response.statusCode === 200 ? bytes.subarray(offset, offset + length) : bytes.subarray(0, length);
    },

    head,

    async *list(prefix) {
      const context = { op: 'list', key: prefix };
      let token = '';
      for (;;) {
        const query = ['list-type=2', 'encoding-type=url', 'max-keys=1000', `prefix=${s3Escape(prefix)}`];
        if (token) query.push(`continuation-token=${s3Escape(token)}`);
        const response = await request(context, { method: 'GET', query: query.sort().join('&') });
        const xml = await call(context, () => readBody(response));
        const urlEncoded = xmlText(xml, 'EncodingType')?.toLowerCase() === 'url';
        const page: ListedObject[] = xmlBlocks(xml, 'Contents').map((entry) => {
          const rawKey = xmlText(entry, 'Key') ?? '';
          return {
            key: urlEncoded ? decodeURIComponent(rawKey.replace(/\+/g, ' ')) : rawKey,
            size: Number(xmlText(entry, 'Size') ?? 0),
            lastModified: new Date(xmlText(entry, 'LastModified') ?? 0),
          };
        });
        yield* page;
        const truncated = xmlText(xml, 'IsTruncated') === 'true';
        token = xmlText(xml, 'NextContinuationToken') ?? '';
        if (!truncated) return;
        if (!token) throw new StorageUnavailableError(`${where(context)}: a truncated listing came without a continuation token`);
      }
    },

    async delete(key) {
      checkKey(key);
      const response = await request({ op: 'delete', key }, { method: 'DELETE', key }, '', [200, 204]);
      response.resume();
    },
  };
}

/** An error answer from the server, with S3's error code (or one made from the status when there is no body, as for HEAD). */
class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

function s3ErrorOf(status: number, body: string, forKey: boolean): S3Error {
  const code = xmlText(body, 'Code');
  if (code) return new S3Error(code, xmlText(body, 'Message') ?? code);
  if (status === 404) return new S3Error(forKey ? 'NotFound' : 'NoSuchBucket', 'Not Found');
  if (status === 412) return new S3Error('PreconditionFailed', 'Precondition Failed');
  if (status === 416) return new S3Error('InvalidRange', 'Requested Range Not Satisfiable');
  if (status === 403) return new S3Error('AccessDenied', 'Forbidden');
  return new S3Error(`HTTP ${status}`, `the server answered HTTP ${status}`);
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = value;
  return result;
}

/** Cuts a stream into Buffers of exactly `size` bytes; only the last may be shorter. */
async function* chunksOf(source: Readable, size: number): AsyncGenerator<Buffer, void, undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string | Uint8Array>) {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    while (pendingBytes + buffer.length >= size) {
      const take = size - pendingBytes;
      pending.push(buffer.subarray(0, take));
      yield Buffer.concat(pending, size);
      pending = [];
      pendingBytes = 0;
      buffer = buffer.subarray(take);
    }
    if (buffer.length > 0) {
      pending.push(buffer);
      pendingBytes += buffer.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** The response body as a stream whose errors are ours (StorageUnavailableError), not the socket's. */
function guarded(response: http.IncomingMessage, translate: (error: unknown) => Error): Readable {
  const body = new PassThrough();
  response.on('error', (error) => body.destroy(translate(error)));
  response.on('aborted', () => body.destroy(translate(Object.assign(new Error('the response was cut off'), { code: 'ECONNRESET' }))));
  body.on('close', () => {
    if (!response.complete) response.destroy();
  });
  response.pipe(body);
  return body;
}

function infoFromHeaders(key: string, headers: http.IncomingHttpHeaders): ObjectInfo {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(META_PREFIX) && value !== undefined) metadata[name.slice(META_PREFIX.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    key,
    size: Number(headers['content-length'] ?? 0),
    etag: unquoteEtag(headers.etag),
    contentType: headers['content-type'] ?? 'application/octet-stream',
    metadata,
    lastModified: new Date(headers['last-modified'] ?? 0),
  };
}

function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"/, '').replace(/"$/, '');
}
