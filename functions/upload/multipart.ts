/**
 * Streams one multipart upload into the object store: the first bytes are held back just long
 * enough to sniff the type (so the object is stored with its real Content-Type), the rest flows
 * through a SHA-256 and size counter straight into the store. Over the size limit, the put fails
 * and nothing is left behind. A body that stops arriving (idleTimeoutMs without a byte while we
 * are ready to read) fails with a 408 and, likewise, leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { InvalidInputError, PayloadTooLargeError, RequestTimeoutError } from '../lib/errors.js';
import { SNIFF_BYTES, sniff, type Sniffed } from '../lib/sniff.js';
import type { ObjectStore } from '../lib/store/port.js';
import { cleanFileName } from './schema.js';

export interface ReceivedFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly sniffed: Sniffed;
}

export interface ReceivedUpload {
  readonly file: ReceivedFile | undefined;
  /** Form fields, each name with all its values in order. */
  readonly fields: Map<string, string[]>;
}

export interface ReceiveOptions {
  readonly store: ObjectStore;
  readonly key: string;
  readonly maxBytes: number;
  /** No body byte for this long (while we were reading) fails the upload with a 408. */
  readonly idleTimeoutMs: number;
  readonly metadata: (file: { name: string; sniffed: Sniffed }) => Record<string, string>;
}

const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 4096;

export function receiveMultipart(req: IncomingMessage, options: ReceiveOptions): Promise<ReceivedUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: options.maxBytes, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: MAX_FIELDS + 1 },
      });
    } catch (error) {
      reject(new InvalidInputError(`Expected a multipart/form-data body: ${(error as Error).message}`));
      return;
    }
    const fields = new Map<string, string[]>();
    let stored: Promise<ReceivedFile> | undefined;
    let fileStream: Readable | undefined;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new InvalidInputError(`Form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes`));
      fields.set(name, [...(fields.get(name) ?? []), value]);
    });
    parser.on('file', (fieldName, stream, info) => {
      if (fieldName !== 'file') {
        fail(new InvalidInputError(`Expected the file in a form field named "file" but received "${fieldName}"`));
        stream.resume();
        return;
      }
      fileStream = stream;
      stored = storeFile(stream, cleanFileName(info.filename), options);
      stored.catch((error: Error) => {
        fail(error);
        stream.resume();
      });
    });
    parser.on('filesLimit', () => fail(new InvalidInputError('Expected one file per request but received several')));
    parser.on('fieldsLimit', () => fail(new InvalidInputError(`Expected at most ${MAX_FIELDS} form fields`)));
    parser.on('partsLimit', () => fail(new InvalidInputError(`Expected at most ${MAX_FIELDS + 1} form parts`)));
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      req.off('data', refreshIdle);
      req.unpipe(parser);
      req.resume();
      void (async () => {
        const file = stored ? await stored.catch((error: Error) => (fail(error), undefined)) : undefined;
        if (failure) {
          if (file) await options.store.delete(options.key).catch(() => undefined);
          reject(failure);
        } else {
          resolve({ file, fields });
        }
      })();
    };
    parser.on('error', (error: Error) => {
      fail(new InvalidInputError(`Malformed multipart body: ${error.message}`));
      settle();
    });
    parser.on('close', settle);
    req.on('aborted', () => fail(new InvalidInputError('The client closed the connection before the upload finished')));
    // The idle clock runs only while we are ready for bytes: when the store is slow, the pipe
    // pauses the request (backpressure) and the silence is ours, not the client's.
    const onIdle = () => {
      if (req.readableFlowing === false || req.readableLength > 0) {
        idle.refresh();
        return;
      }
      const seconds = options.idleTimeoutMs / 1000;
      const error = new RequestTimeoutError(`The upload body stopped arriving: no bytes for ${seconds} s, so the upload was abandoned; nothing was stored`);
      fail(error);
      fileStream?.destroy(error);
      settle();
    };
    const idle = setTimeout(onIdle, options.idleTimeoutMs);
    const refreshIdle = () => idle.refresh();
    req.on('data', refreshIdle);
    // Once the whole body is in, a slow store is not the client's silence.
    req.on('end', () => clearTimeout(idle));
    req.on('close', () => clearTimeout(idle));
    req.pipe(parser);
  });
}

async function storeFile(stream: Readable & { truncated?: boolean }, name: string, options: ReceiveOptions): Promise<ReceivedFile> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    headChunks.push(next.value);
    headLength += next.value.length;
  }
  const head = Buffer.concat(headChunks);
  if (head.length === 0) {
    throw new InvalidInputError(stream.truncated ? `File is larger than the limit of ${options.maxBytes} bytes` : 'File is empty');
  }
  const sniffed = await sniff(head.subarray(0, SNIFF_BYTES));
  const hash = createHash('sha256');
  let size = 0;
  async function* body(): AsyncGenerator<Buffer> {
    hash.update(head);
    size += head.length;
    yield head;
    while (!ended) {
      const next = await chunks.next();
      if (next.done) break;
      hash.update(next.value);
      size += next.value.length;
      yield next.value;
    }
    if (stream.truncated) throw new PayloadTooLargeError(`File is larger than the limit of ${options.maxBytes} bytes`);
  }
  await options.store.put(options.key, Readable.from(body()), {
    contentType: sniffed.contentType,
    metadata: options.metadata({ name, sniffed }),
  });
  return { name, size, sha256: hash.digest('hex'), sniffed };
}
