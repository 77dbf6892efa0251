/**
 * Direct uploads (issue: large files): the client asks for signed URLs, sends the bytes straight
 * to storage (one PUT, or multipart parts it can resume), then asks us to complete; the file is
 * then announced like any other (ingest.ts). Nothing of the body passes through this service
 * when the store signs its own URLs (MinIO); with the fs store the URLs point at `PUT
 * /uploads/direct`, which streams each part to the store.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { v7 as uuidv7 } from 'uuid';
import type { FunctionContext } from '../lib/context.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { requireToken } from '../lib/http/access.js';
import { sendJson, type Route } from '../lib/http/function-app.js';
import { keys, lineage } from '../lib/keys.js';
import { createProxiedStagedUploads, type PresignedRequest, type StagedUploads } from '../lib/store/staged-uploads.js';
import { newTraceparent, traceIdOf } from '../lib/trace.js';
import { answerAccepted } from './announce.js';
import { intentKey, parseDirectUploadRequest, partSizeFor, partSizes, readIntent, type DirectUploadIntent } from './direct-schema.js';
import { existingRecord, ingestOriginal } from './ingest.js';
import { cleanFileName, parseChains, parseEffectOptions, parseFileId, parseWait } from './schema.js';

const OBJECT_CONTENT_TYPE = 'application/octet-stream';
const PROXY_PATH = '/uploads/direct';
/** How long `complete` waits for a storage notification that is announcing the same file. */
const ANNOUNCE_WAIT_MS = 20_000;

let processSecret: string | undefined;

/** The store's own presigned URLs, or ours (HMAC) for a store that cannot sign. */
export function stagedUploadsFor(ctx: FunctionContext): StagedUploads & { receive?: ReturnType<typeof createProxiedStagedUploads>['receive'] } {
  if (ctx.store.staged) return ctx.store.staged;
  if (!ctx.config.DIRECT_UPLOAD_SECRET && !processSecret) {
    processSecret = randomBytes(32).toString('hex');
    ctx.log.warn('DIRECT_UPLOAD_SECRET is not set: upload URLs are signed with a per-instance secret and fail on other instances');
  }
  return createProxiedStagedUploads(ctx.store, ctx.config.DIRECT_UPLOAD_SECRET ?? processSecret!, PROXY_PATH);
}

const expirySeconds = (ctx: FunctionContext) => Math.round(ctx.config.DIRECT_UPLOAD_EXPIRY / 1000);

/** What the original is stored with: signed into its upload URL, so fixed before a byte is seen. */
function objectHeaders(ctx: FunctionContext, name: string, traceparent: string) {
  return {
    contentType: OBJECT_CONTENT_TYPE,
    metadata: { ...lineage(ctx.config.identity, traceIdOf(traceparent)), 'original-name': encodeURIComponent(name), ingest: 'direct' },
  };
}

function describeRequest(request: PresignedRequest) {
  return { method: request.method, url: request.url, headers: request.headers };
}

async function partUrls(ctx: FunctionContext, staged: StagedUploads, intent: DirectUploadIntent, wanted: readonly number[]) {
  const sizes = partSizes(intent.size, intent.partSize);
  return Promise.all(
    wanted.map(async (partNumber) => ({
      partNumber,
      size: sizes[partNumber - 1]!,
      ...describeRequest(await staged.presignPart(keys.original(intent.id), intent.uploadId!, partNumber, sizes[partNumber - 1]!, expirySeconds(ctx))),
    })),
  );
}

function links(id: string) {
  return { self: `/uploads/${id}`, complete: `/uploads/${id}/complete`, file: `/files/${id}` };
}

async function createDirectUpload(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
  requireToken(req, res, ctx.config.API_TOKEN);
  const request = parseDirectUploadRequest(req.body, ctx.config);
  const effects = request.effects === undefined ? [] : Array.isArray(request.effects) ? request.effects : [request.effects];
  const id = uuidv7();
  const traceparent = newTraceparent();
  const partSize = partSizeFor(request.size, ctx.config.DIRECT_UPLOAD_PART_SIZE);
  const mode = request.size > partSize ? 'multipart' : 'single';
  const name = cleanFileName(request.name);
  const headers = objectHeaders(ctx, name, traceparent);
  const staged = stagedUploadsFor(ctx);
  const intent: DirectUploadIntent = {
    id,
    name,
    size: request.size,
    mode,
    partSize,
    chains: parseChains(effects),
    options: parseEffectOptions(request.sigma === undefined ? undefined : String(request.sigma), ctx.config),
    traceparent,
    createdAt: new Date().toISOString(),
    ...(mode === 'multipart' ? { uploadId: await staged.createMultipart(keys.original(id), headers) } : {}),
  };
  await ctx.store.put(intentKey(id), Buffer.from(JSON.stringify(intent, null, 2)), { contentType: 'application/json', metadata: lineage(ctx.config.identity, traceIdOf(traceparent)) });
  const expiresAt = new Date(Date.now() + ctx.config.DIRECT_UPLOAD_EXPIRY).toISOString();
  const target =
    mode === 'single'
      ? { upload: describeRequest(await staged.presignPut(keys.original(id), headers, request.size, expirySeconds(ctx))) }
      : { parts: await partUrls(ctx, staged, intent, partSizes(request.size, partSize).map((_, index) => index + 1)) };
  res.set('Location', `/uploads/${id}`);
  sendJson(res, 201, { id, mode, name, size: request.size, partSize, effects: intent.chains, expiresAt, ...target, links: links(id) });
}

async function describeDirectUpload(_req: Request, res: Response, ctx: FunctionContext, id: string): Promise<void> {
  const intent = await readIntent(ctx.store, id);
  const staged = stagedUploadsFor(ctx);
  const base = { id, mode: intent.mode, name: intent.name, size: intent.size, partSize: intent.partSize, links: links(id) };
  if (await existingRecord(ctx, id)) {
    sendJson(res, 200, { ...base, state: 'complete' });
    return;
  }
  const expiresAt = new Date(Date.now() + ctx.config.DIRECT_UPLOAD_EXPIRY).toISOString();
  if (intent.mode === 'single') {
    if (await ctx.store.head(keys.original(id))) {
      sendJson(res, 200, { ...base, state: 'uploaded' });
      return;
    }
    const upload = describeRequest(await staged.presignPut(keys.original(id), objectHeaders(ctx, intent.name, intent.traceparent), intent.size, expirySeconds(ctx)));
    sendJson(res, 200, { ...base, state: 'pending', expiresAt, upload });
    return;
  }
  let uploaded;
  try {
    uploaded = await staged.listParts(keys.original(id), intent.uploadId!);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const state = (await ctx.store.head(keys.original(id))) ? 'uploaded' : 'aborted';
    sendJson(res, 200, { ...base, state });
    return;
  }
  const sizes = partSizes(intent.size, intent.partSize);
  const complete = new Set(uploaded.filter((part) => part.size === sizes[part.partNumber - 1]).map((part) => part.partNumber));
  const missing = sizes.map((_, index) => index + 1).filter((partNumber) => !complete.has(partNumber));
  sendJson(res, 200, {
    ...base,
    state: 'pending',
    expiresAt,
    uploadedParts: uploaded.filter((part) => complete.has(part.partNumber)),
    parts: await partUrls(ctx, staged, intent, missing),
  });
}

async function completeDirectUpload(req: Request, res: Response, ctx: FunctionContext, id: string): Promise<void> {
  requireToken(req, res, ctx.config.API_TOKEN);
  const wait = parseWait(req.query['wait'] === undefined ? undefined : String(req.query['wait']), ctx.config);
  const intent = await readIntent(ctx.store, id);
  const key = keys.original(id);
  if (intent.mode === 'multipart' && !(await ctx.store.head(key))) {
    const staged = stagedUploadsFor(ctx);
    let uploaded;
    try {
      uploaded = await staged.listParts(key, intent.uploadId!);
    } catch (error) {
      if (error instanceof NotFoundError) throw new ConflictError(`Direct upload ${id} was aborted; start a new one with POST /uploads`);
      throw error;
    }
    const sizes = partSizes(intent.size, intent.partSize);
    const byNumber = new Map(uploaded.map((part) => [part.partNumber, part]));
    const missing = sizes.map((_, index) => index + 1).filter((n) => byNumber.get(n)?.size !== sizes[n - 1]);
    if (missing.length > 0) {
      throw new ConflictError(`Direct upload ${id} is missing ${missing.length} of ${sizes.length} parts (${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}); GET /uploads/${id} gives their URLs`);
    }
    await staged.completeMultipart(key, intent.uploadId!, sizes.map((_, index) => byNumber.get(index + 1)!));
  }
  const stored = await ctx.store.head(key);
  if (!stored) throw new ConflictError(`Nothing has been uploaded for ${id} yet: PUT the file to its upload URL first`);
  if (stored.size !== intent.size) throw new ConflictError(`Direct upload ${id} holds ${stored.size} bytes, not the ${intent.size} announced`);
  const { record } = await ingestOriginal(ctx, { id, name: intent.name, chains: intent.chains, options: intent.options, traceparent: intent.traceparent }, ANNOUNCE_WAIT_MS);
  await answerAccepted(req, res, ctx.store, record, wait);
}

async function abortDirectUpload(req: Request, res: Response, ctx: FunctionContext, id: string): Promise<void> {
  requireToken(req, res, ctx.config.API_TOKEN);
  const intent = await readIntent(ctx.store, id);
  if (await existingRecord(ctx, id)) throw new ConflictError(`Direct upload ${id} is complete; DELETE /files/${id} removes the file`);
  if (intent.uploadId) await stagedUploadsFor(ctx).abortMultipart(keys.original(id), intent.uploadId);
  await ctx.store.delete(keys.original(id));
  await ctx.store.delete(intentKey(id));
  sendJson(res, 200, { id, aborted: true });
}

async function receiveProxiedPut(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
  const staged = stagedUploadsFor(ctx);
  if (!staged.receive) throw new NotFoundError('This store takes uploads at its own presigned URLs, not here');
  const part = await staged.receive(String(req.query['token'] ?? ''), req).catch((error: unknown) => {
    // Whatever the client still sends is not read: close rather than drain it.
    res.set('Connection', 'close');
    throw error;
  });
  res.status(200).set('ETag', `"${part.etag}"`).end();
}

const withId = (handle: (req: Request, res: Response, ctx: FunctionContext, id: string) => Promise<void>) =>
  (req: Request, res: Response, ctx: FunctionContext, params: Record<string, string>) => handle(req, res, ctx, parseFileId(params['id']!));

export const directUploadRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/uploads\/?$/,
    handle: async (_req, res, ctx) =>
      sendJson(res, 200, {
        directThreshold: ctx.config.DIRECT_UPLOAD_THRESHOLD,
        proxyMaxBytes: ctx.config.UPLOAD_MAX_BYTES,
        directMaxBytes: ctx.config.DIRECT_UPLOAD_MAX_BYTES,
        partSize: ctx.config.DIRECT_UPLOAD_PART_SIZE,
        signedBy: ctx.store.staged ? 'store' : 'upload',
      }),
  },
  { method: 'POST', path: /^\/uploads\/?$/, handle: createDirectUpload },
  { method: 'PUT', path: /^\/uploads\/direct$/, handle: receiveProxiedPut },
  { method: 'GET', path: /^\/uploads\/(?<id>[0-9a-f-]{36})$/, handle: withId(describeDirectUpload) },
  { method: 'DELETE', path: /^\/uploads\/(?<id>[0-9a-f-]{36})$/, handle: withId(abortDirectUpload) },
  { method: 'POST', path: /^\/uploads\/(?<id>[0-9a-f-]{36})\/complete$/, handle: withId(completeDirectUpload) },
];
