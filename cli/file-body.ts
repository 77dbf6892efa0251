/**
 * Request bodies streamed from disk, never read whole into memory, counting bytes as fetch
 * pulls them so progress shows what has actually gone out.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

/** Bytes [start, end) of a file as a web stream; `onBytes` hears each chunk as it is read. */
export function fileRange(path: string, start: number, end: number, onBytes: (count: number) => void): ReadableStream<Uint8Array> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (end <= start) return;
    for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 })) {
      onBytes((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  return ReadableStream.from(chunks());
}

/** A multipart/form-data body with the file in field `file`, built by hand so it streams and has a known length. */
export function multipartFileBody(path: string, size: number, onBytes: (count: number) => void) {
  const boundary = `----knative-file-pipeline-${crypto.randomUUID()}`;
  const filename = basename(path).replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield head;
    if (size > 0) {
      for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
    }
    yield tail;
  }
  return {
    body: ReadableStream.from(chunks()),
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + size + tail.length,
  };
}
