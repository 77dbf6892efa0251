/**
 * functions-framework parses every request body before the function runs, including
 * `multipart/form-data`, which its catch-all `bodyParser.raw({type: '*\/*', limit: '1024mb'})`
 * buffers whole in memory. An upload service must stream: importing this module (before
 * functions-framework builds its server, i.e. from the function's own module) makes that parser
 * pass multipart requests (and direct-upload parts) through untouched so busboy can stream them under our own size limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import bodyParserModule from 'body-parser';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
type RawFactory = ((options?: unknown) => Middleware) & { streamsMultipart?: boolean };

// The same copy functions-framework requires: package.json pins the version npm dedupes it to, and
// the server bundles hold one body-parser that both import (local/build/bundle-functions.ts).
const bodyParser = bodyParserModule as unknown as { raw: RawFactory };

/** Bodies a handler streams itself: multipart uploads, and the parts of a proxied direct upload. */
export function isStreamedBody(req: IncomingMessage): boolean {
  if (/^multipart\//i.test(req.headers['content-type'] ?? '')) return true;
  return req.method === 'PUT' && (req.url ?? '').startsWith('/uploads/direct');
}

if (!bodyParser.raw.streamsMultipart) {
  const original = bodyParser.raw;
  const patched: RawFactory = (options) => {
    const parse = original(options);
    return (req, res, next) => (isStreamedBody(req) ? next() : parse(req, res, next));
  };
  patched.streamsMultipart = true;
  bodyParser.raw = patched;
}
