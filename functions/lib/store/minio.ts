/**
 * MinIO (S3) ObjectStore on the `minio` client, using its signed `makeRequestAsync` and its
 * multipart primitives rather than `putObject`. In minio-js 8.0.7 `putObject` does pass
 * `If-Match` / `If-None-Match` through (they are on `isSupportedHeader`'s list; any other header
 * would be turned into `x-amz-meta-*`), but a stream of unknown size is cut into 528 MiB parts
 * held in memory, and a multipart upload sends the conditions only when it is initiated, not
 * with CompleteMultipartUpload, which is where S3/MinIO check them atomically; it also resumes
 * someone else's unfinished upload of the same key. Here the conditions go on the PUT, or on both
 * the initiation (fail early) and the completion (the check that counts); MinIO evaluates them
 * under its per-object lock and answers 412, which becomes PreconditionFailedError.
 *
 * Bodies are always sent as Buffers (so the client can sign them and retry a 5xx): a Buffer or a
 * stream no longer than `partSize` is one PUT; a longer stream is a multipart upload of `partSize`
 * parts, aborted if the stream or an upload fails, so a failed put leaves no object behind.
 */
import http from 'node:http';
import https from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { Client, InvalidArgumentError, InvalidObjectNameError, InvalidPrefixError, S3Error } from 'minio';
import { InvalidInputError, NotFoundError, PipelineError, PreconditionFailedError, StorageUnavailableError, expected } from '../errors.js';
import type { ListedObject, ObjectInfo, ObjectStore, PutOptions } from './port.js';
import { checkContentType, checkKey, checkMetadata } from './rules.js';

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
/** Statuses minio-js's requestWithRetry treats as retryable: it throws on them without reading the response. */
const UNREAD_STATUSES = new Set([408, 429, 499, 500, 502, 503, 504, 520]);
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);
const INVALID_NAME_CODES = new Set(['XMinioInvalidObjectName', 'InvalidObjectName', 'KeyTooLongError', 'ObjectNameInvalid']);
const CREDENTIAL_CODES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'XMinioInvalidAccessKeyID']);

interface Context {
  readonly op: string;
  readonly key?: string;
  /** A put with `ifMatch`: the server answers 404 when the object is gone, which is a lost race for us. */
  readonly ifMatch?: boolean;
}

export function createMinioStore(options: MinioStoreOptions): ObjectStore {
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
  // The client has no timeout of its own: a server that accepts the connection and never answers
  // would hang the request forever. Until the response headers arrive, silence longer than
  // `timeoutMs` fails the request; a body being read slowly by the caller is not timed.
  const transport = {
    request(...args: unknown[]): http.ClientRequest {
      const request = (base.request as (...a: unknown[]) => http.ClientRequest)(...args);
      request.setTimeout(timeoutMs, () => {
        request.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      request.once('response', (response: http.IncomingMessage) => {
        request.setTimeout(0);
        // The client throws on these statuses without reading the body, which would pin the
        // socket: after `maxSockets` such answers every later request would queue forever.
        if (UNREAD_STATUSES.has(response.statusCode ?? 0)) response.resume();
      });
      return request;
    },
  } as Pick<typeof http, 'request'>;

  const client = new Client({
    endPoint: options.endPoint,
    port: options.port,
    useSSL: options.useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region,
    transport,
    transportAgent: agent as http.Agent,
    // Its retry of a 5xx writes to console.warn (not our JSON log); a StorageUnavailableError is
    // retried by whoever can: Knative redelivers on 5xx, compare-and-swap loops go round again.
    retryOptions: { disableRetry: true },
  });

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
    const status = /Retryable HTTP status: (\d+)/.exec(message)?.[1];
    if (status) return new StorageUnavailableError(`${where(context)} is unavailable: HTTP ${status}`, cause);
    if (NETWORK_CODES.has(code) || /socket hang up|Retries exhausted|aborted/i.test(message)) {
      const detail = code && !message.includes(code) ? `${code} ${message}` : message;
      return new StorageUnavailableError(`${where(context)} is unavailable: ${detail}`, cause);
    }
    if (error instanceof InvalidArgumentError || error instanceof InvalidObjectNameError || error instanceof InvalidPrefixError) {
      // The client's own argument checks.
      return new InvalidInputError(`${where(context)}: ${message}`, cause);
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

  async function request(
    context: Context,
    request: { method: string; key?: string; query?: string; headers?: Record<string, string | number> },
    payload: Buffer | string = '',
    expectedCodes: number[] = [200],
  ): Promise<http.IncomingMessage> {
    return call(context, () =>
      client.makeRequestAsync(
        {
          method: request.method,
          bucketName: bucket,
          ...(request.key === undefined ? {} : { objectName: request.key }),
          ...(request.query === undefined ? {} : { query: request.query }),
          headers: request.headers ?? {},
        },
        payload,
        expectedCodes,
        region,
      ),
    );
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
    const uploadId = await call(context, () => client.initiateNewMultipartUpload(bucket, key, { ...headers, ...conditions }));
    const etags: string[] = [];
    let size = 0;
    try {
      const send = async (part: Buffer) => {
        const partNumber = etags.length + 1;
        const response = await request(context, { method: 'PUT', key, query: `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}` }, part);
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
      const response = await request(context, { method: 'POST', key, query: `uploadId=${encodeURIComponent(uploadId)}`, headers: conditions }, xml);
      const body = await readBody(response);
      // CompleteMultipartUpload can fail after a 200 status, with the error in the body.
      const errorCode = xmlText(body, 'Code');
      if (body.includes('<Error>') && errorCode) {
        const error = new S3Error(xmlText(body, 'Message') ?? errorCode);
        error.code = errorCode;
        throw translate(error, context);
      }
      const etag = unquoteEtag(response.headers.etag ?? xmlText(body, 'ETag'));
      return { etag, size };
    } catch (error) {
      await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
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

    async ensureReady() {
      const context = { op: 'ensureReady' };
      await call(context, async () => {
        if (await client.bucketExists(bucket)) return;
        try {
          await client.makeBucket(bucket, region);
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
        response = await client.makeRequestAsync(
          { method: 'GET', bucketName: bucket, objectName: key, headers: { Range: `bytes=${offset}-${offset + length - 1}` } },
          '',
          [200, 206],
          region,
        );
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

async function readBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(stream: Readable): Promise<string> {
  return (await readBuffer(stream)).toString('utf8');
}

function quoteEtag(etag: string): string {
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}

function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"/, '').replace(/"$/, '');
}

/** RFC 3986 escaping, as S3's signature v4 canonical query string wants it. */
function s3Escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlBlocks(xml: string, tag: string): string[] {
  const blocks: string[] = [];
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (const match of xml.matchAll(pattern)) blocks.push(match[1] ?? '');
  return blocks;
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match ? unescapeXml(match[1] ?? '') : undefined;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity === 'amp') return '&';
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    return String.fromCodePoint(entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
  });
}
