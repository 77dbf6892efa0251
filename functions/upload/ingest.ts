/**
 * Announces an original that reached the bucket without POST /files (a direct upload, or any S3
 * client): reads it once as a stream for its SHA-256 and type, then emits the same events as
 * POST /files and writes the upload record. Two paths may ask for the same file at once (the
 * client's `complete` and the storage notification): a claim object, created only if absent,
 * lets one do the work; the other waits for its record. A claim older than CLAIM_LEASE_MS whose
 * owner never wrote the record (it crashed) is taken over.
 */
import { createHash } from 'node:crypto';
import type { FunctionContext } from '../lib/context.js';
import { BrokerUnavailableError, NotFoundError, PreconditionFailedError, StorageUnavailableError } from '../lib/errors.js';
import type { EffectName, EffectOptions } from '../lib/events.js';
import { keys, lineage } from '../lib/keys.js';
import { SNIFF_BYTES, sniff } from '../lib/sniff.js';
import { traceIdOf } from '../lib/trace.js';
import { emitUploadEvents } from './announce.js';
import { readUploadRecord } from './file-view.js';
import { cleanFileName, type UploadRecord } from './schema.js';

export const CLAIM_LEASE_MS = 60_000;
const RECORD_POLL_MS = 100;

export interface IngestRequest {
  readonly id: string;
  readonly name: string;
  readonly chains: EffectName[][];
  readonly options: EffectOptions;
  readonly traceparent: string;
}

export const claimKey = (id: string) => `meta/${id}/ingest.claim`;

export async function existingRecord(ctx: FunctionContext, id: string): Promise<UploadRecord | undefined> {
  try {
    return await readUploadRecord(ctx.store, id);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Resolves with the file's upload record, made here or by whoever holds the claim. Throws
 * NotFoundError when the original is not in the bucket, and a retriable error when another
 * path holds the claim and has not finished within `waitMs`.
 */
export async function ingestOriginal(ctx: FunctionContext, request: IngestRequest, waitMs: number): Promise<{ record: UploadRecord; announcedHere: boolean }> {
  const done = await existingRecord(ctx, request.id);
  if (done) return { record: done, announcedHere: false };
  if (!ctx.bus) throw new BrokerUnavailableError('No broker configured (K_SINK is not set)');
  if (!(await claim(ctx, request.id))) {
    return { record: await awaitRecord(ctx, request.id, waitMs), announcedHere: false };
  }
  const record = await describeOriginal(ctx, request);
  await emitUploadEvents(record, request.traceparent, ctx);
  try {
    await ctx.store.put(keys.uploadRecord(request.id), Buffer.from(JSON.stringify(record, null, 2)), {
      contentType: 'application/json',
      metadata: lineage(ctx.config.identity, record.traceId),
      ifNoneMatch: '*',
    });
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // A taken-over claim's first owner finished after all: same events, same record.
    return { record: (await existingRecord(ctx, request.id)) ?? record, announcedHere: false };
  }
  return { record, announcedHere: true };
}

async function claim(ctx: FunctionContext, id: string): Promise<boolean> {
  const body = Buffer.from(JSON.stringify({ by: ctx.config.identity.instance, at: new Date().toISOString() }));
  try {
    await ctx.store.put(claimKey(id), body, { contentType: 'application/json', ifNoneMatch: '*' });
    return true;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
  const current = await ctx.store.head(claimKey(id));
  if (!current) return claim(ctx, id);
  if (Date.now() - current.lastModified.getTime() < CLAIM_LEASE_MS) return false;
  try {
    await ctx.store.put(claimKey(id), body, { contentType: 'application/json', ifMatch: current.etag });
    ctx.log.warn({ id, staleSince: current.lastModified.toISOString() }, 'took over a stale ingest claim');
    return true;
  } catch (error) {
    if (error instanceof PreconditionFailedError) return false;
    throw error;
  }
}

async function awaitRecord(ctx: FunctionContext, id: string, waitMs: number): Promise<UploadRecord> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await existingRecord(ctx, id);
    if (record) return record;
    if (Date.now() >= deadline) {
      throw new StorageUnavailableError(`File ${id} is being announced by another request; ask again in a moment`);
    }
    await new Promise((resolve) => setTimeout(resolve, RECORD_POLL_MS));
  }
}

/** One streaming read: SHA-256 of every byte, the type from the first ones. Memory stays flat. */
async function describeOriginal(ctx: FunctionContext, request: IngestRequest): Promise<UploadRecord> {
  const { info, body } = await ctx.store.get(keys.original(request.id));
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (headLength < SNIFF_BYTES) {
      head.push(chunk);
      headLength += chunk.length;
    }
  }
  const sniffed = await sniff(Buffer.concat(head).subarray(0, SNIFF_BYTES));
  const identity = ctx.config.identity;
  return {
    id: request.id,
    name: cleanFileName(request.name),
    kind: sniffed.kind,
    format: sniffed.format,
    contentType: sniffed.contentType,
    size: info.size,
    sha256: hash.digest('hex'),
    chains: sniffed.kind === 'image' ? request.chains : [],
    options: request.options,
    uploadedAt: info.lastModified.toISOString(),
    traceId: traceIdOf(request.traceparent)!,
    uploadedBy: { function: identity.service, revision: identity.revision, instance: identity.instance },
  };
}
