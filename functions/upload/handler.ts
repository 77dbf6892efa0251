/**
 * The upload service's HTTP API (DESIGN.md §4). The only function driven by people rather than
 * events: it stores originals, emits `file.uploaded` and the first step of each effect chain to
 * the broker, and reads results back from the bucket.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { v7 as uuidv7 } from 'uuid';
import type { FunctionContext } from '../lib/context.js';
import { BrokerUnavailableError, InvalidInputError, NotFoundError, PayloadTooLargeError, RequestTimeoutError } from '../lib/errors.js';
import { events, type EffectName } from '../lib/events.js';
import { requireToken } from '../lib/http/access.js';
import { sendJson, type Route } from '../lib/http/function-app.js';
import { keys, lineage } from '../lib/keys.js';
import { deletePrefix, type ObjectStore } from '../lib/store/port.js';
import { newTraceparent, traceIdOf } from '../lib/trace.js';
import { answerAccepted, emitUploadEvents } from './announce.js';
import { directUploadRoutes } from './direct.js';
import { storageEventRoutes } from './storage-events.js';
import { buildFileView, readUploadRecord } from './file-view.js';
import { receiveMultipart } from './multipart.js';
import { pageRoutes } from './page.js';
import { parseChains, parseEffectOptions, parseFileId, parseWait, type UploadRecord } from './schema.js';
import { statsProxyRoutes } from './stats-proxy.js';

const LIST_LIMIT_MAX = 500;

function queryValues(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

async function createFile(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
  // Before a byte of the body is read: an unauthorised upload is never stored.
  requireToken(req, res, ctx.config.API_TOKEN);
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    throw new InvalidInputError('Expected a multipart/form-data body with the file in a field named "file"');
  }
  const declared = Number(req.headers['content-length']);
  // Multipart framing adds a little; a body far over the limit is refused before it is read.
  if (Number.isFinite(declared) && declared > ctx.config.UPLOAD_MAX_BYTES + 64 * 1024) {
    throw new PayloadTooLargeError(`File is larger than the limit of ${ctx.config.UPLOAD_MAX_BYTES} bytes`);
  }
  const wait = parseWait(req.query['wait'] === undefined ? undefined : String(req.query['wait']), ctx.config);
  const id = uuidv7();
  const traceparent = newTraceparent();
  const traceId = traceIdOf(traceparent)!;
  const identity = ctx.config.identity;
  const upload = await receiveMultipart(req, {
    store: ctx.store,
    key: keys.original(id),
    maxBytes: ctx.config.UPLOAD_MAX_BYTES,
    idleTimeoutMs: ctx.config.UPLOAD_IDLE_TIMEOUT,
    // `ingest: api`: this path announces the file itself; a storage notification for it is ignored.
    metadata: ({ name, sniffed }) => ({ ...lineage(identity, traceId), 'original-name': encodeURIComponent(name), kind: sniffed.kind, ingest: 'api' }),
  }).catch((error: unknown) => {
    // A stalled client gets its answer and the connection closes; we do not wait for the rest.
    if (error instanceof RequestTimeoutError) res.set('Connection', 'close');
    throw error;
  });
  if (!upload.file) throw new InvalidInputError('No file in the request: send it in a multipart field named "file"');
  const file = upload.file;

  let chains: EffectName[][];
  let record: UploadRecord;
  try {
    chains = parseChains([...queryValues(req, 'effects'), ...(upload.fields.get('effects') ?? [])]);
    const sigma = queryValues(req, 'sigma')[0] ?? upload.fields.get('sigma')?.[0];
    record = {
      id,
      name: file.name,
      kind: file.sniffed.kind,
      format: file.sniffed.format,
      contentType: file.sniffed.contentType,
      size: file.size,
      sha256: file.sha256,
      chains: file.sniffed.kind === 'image' ? chains : [],
      options: parseEffectOptions(sigma, ctx.config),
      uploadedAt: new Date().toISOString(),
      traceId,
      uploadedBy: { function: identity.service, revision: identity.revision, instance: identity.instance },
    };
    await ctx.store.put(keys.uploadRecord(id), Buffer.from(JSON.stringify(record, null, 2)), {
      contentType: 'application/json',
      metadata: lineage(identity, traceId),
    });
    await emitUploadEvents(record, traceparent, ctx);
  } catch (error) {
    await removeFile(ctx.store, id);
    throw error;
  }

  await answerAccepted(req, res, ctx.store, record, wait);
}

async function listFiles(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
  const limitText = req.query['limit'] === undefined ? '50' : String(req.query['limit']);
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
    throw new InvalidInputError(`Expected an integer from 1 to ${LIST_LIMIT_MAX} for limit but received "${limitText}"`);
  }
  const before = req.query['before'] === undefined ? undefined : parseFileId(String(req.query['before']));
  const ids: string[] = [];
  for await (const object of ctx.store.list('originals/')) {
    const id = object.key.slice('originals/'.length);
    if (!before || id < before) ids.push(id);
  }
  const page = ids.reverse().slice(0, limit);
  const files = [];
  for (const id of page) {
    try {
      const record = await readUploadRecord(ctx.store, id);
      files.push({ ...record, links: { self: `/files/${id}`, content: `/files/${id}/content` } });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  const next = ids.length > limit ? page[page.length - 1] : undefined;
  sendJson(res, 200, { files, ...(next ? { next: `/files?limit=${limit}&before=${next}` } : {}) });
}

/** `contentType` overrides the stored one (a direct upload is stored as octet-stream and sniffed after). */
async function streamObject(res: Response, store: ObjectStore, key: string, downloadName: string, method: string, contentType?: string): Promise<void> {
  const { info, body } = await store.get(key);
  const type = contentType ?? info.contentType;
  const inline = /^image\/(jpeg|png|gif|webp|avif|tiff)$/.test(type);
  res.status(200).set({
    'Content-Type': type,
    'Content-Length': String(info.size),
    'X-Content-Type-Options': 'nosniff',
    ETag: `"${info.etag}"`,
    'Cache-Control': 'private, max-age=60',
    'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(downloadName)}`,
  });
  if (method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  body.on('error', () => res.destroy());
  body.pipe(res);
}

async function removeFile(store: ObjectStore, id: string): Promise<string[]> {
  // The original goes first: an effect that finishes later sees it gone and removes its output.
  const removed = [];
  if (await store.head(keys.original(id))) {
    await store.delete(keys.original(id));
    removed.push(keys.original(id));
  }
  removed.push(...(await deletePrefix(store, keys.derivedPrefix(id))));
  removed.push(...(await deletePrefix(store, keys.metaPrefix(id))));
  return removed;
}

export const uploadRoutes: Route[] = [
  // The web page and its assets (page.ts), and the stats service behind the same origin.
  ...pageRoutes,
  ...statsProxyRoutes,
  ...directUploadRoutes,
  ...storageEventRoutes,
  { method: 'POST', path: /^\/files\/?$/, handle: createFile },
  { method: 'GET', path: /^\/files\/?$/, handle: listFiles },
  {
    method: 'GET',
    path: /^\/files\/(?<id>[^/]+)\/?$/,
    handle: async (_req, res, ctx, params) => sendJson(res, 200, await buildFileView(ctx.store, parseFileId(params['id']!))),
  },
  {
    method: 'GET',
    path: /^\/files\/(?<id>[^/]+)\/content$/,
    handle: async (req, res, ctx, params) => {
      const id = parseFileId(params['id']!);
      const record = await readUploadRecord(ctx.store, id);
      await streamObject(res, ctx.store, keys.original(id), record.name, req.method, record.contentType);
    },
  },
  {
    method: 'GET',
    path: /^\/files\/(?<id>[^/]+)\/derived\/(?<rest>[a-z+]+\/\d+-[a-z]+\.[a-z]+)$/,
    handle: async (req, res, ctx, params) => {
      const id = parseFileId(params['id']!);
      const rest = params['rest']!;
      await streamObject(res, ctx.store, `${keys.derivedPrefix(id)}${rest}`, rest.replace('/', '-'), req.method);
    },
  },
  {
    method: 'DELETE',
    path: /^\/files\/(?<id>[^/]+)\/?$/,
    handle: async (req, res, ctx, params) => {
      requireToken(req, res, ctx.config.API_TOKEN);
      const id = parseFileId(params['id']!);
      const record = await readUploadRecord(ctx.store, id);
      const removed = await removeFile(ctx.store, id);
      if (!ctx.bus) throw new BrokerUnavailableError('No broker configured (K_SINK is not set)');
      await ctx.bus.publish(events.fileDeleted({ id, keys: removed }, { source: '/upload', traceparent: `00-${record.traceId}-0000000000000001-01` }));
      sendJson(res, 200, { id, deleted: removed });
    },
  },
];
