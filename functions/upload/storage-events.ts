/**
 * S3-native ingestion: MinIO's bucket notifications, delivered by the KafkaSource of
 * eventing/600-storage-notifications.yaml as `dev.knative.kafka.event`. Every object created
 * under `originals/` by anything but POST /files is announced like an API upload, once:
 * - `originals/<uuid>` (a direct upload, or an S3 client that used an id) is announced as is,
 *   with the direct upload's name and effects when it was one;
 * - any other name (the MinIO console, `mc cp photo.jpg`) is adopted: copied to
 *   `originals/<id>` with an id derived from the notification (so a redelivery makes the same
 *   one), announced, and the foreign key removed.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { z } from 'zod';
import type { FunctionContext } from '../lib/context.js';
import { InvalidEventError, NotFoundError } from '../lib/errors.js';
import { parseCloudEvent, type Route } from '../lib/http/function-app.js';
import { keys, lineage } from '../lib/keys.js';
import { traceIdOf } from '../lib/trace.js';
import { readIntent } from './direct-schema.js';
import { existingRecord, ingestOriginal, type IngestRequest } from './ingest.js';
import { DEFAULT_CHAINS, cleanFileName, fileIdParam } from './schema.js';

const KAFKA_EVENT_TYPE = 'dev.knative.kafka.event';
/** A notification handler waits this long for a `complete` that is announcing the same file. */
const ANNOUNCE_WAIT_MS = 20_000;

const s3Record = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().optional(),
      eTag: z.string().optional(),
      sequencer: z.string().optional(),
      userMetadata: z.record(z.string(), z.string()).optional(),
    }),
  }),
});
const notification = z.object({ Records: z.array(s3Record).min(1) });
type S3Record = z.infer<typeof s3Record>;

type Outcome = 'announced' | 'already-announced' | 'adopted' | 'ignored';

export function parseNotification(data: unknown): S3Record[] {
  let value = data;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    try {
      value = JSON.parse(Buffer.from(value as string | Uint8Array).toString('utf8'));
    } catch {
      throw new InvalidEventError('Expected a MinIO bucket notification (JSON) as data but it does not parse');
    }
  }
  const parsed = notification.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`).join('; ');
    throw new InvalidEventError(`Not a MinIO bucket notification: ${detail}`);
  }
  return parsed.data.Records;
}

/** S3 notifications carry the key URL-encoded, spaces as `+`. */
export function objectKeyOf(record: S3Record): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}

function userMetadata(record: S3Record): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.s3.object.userMetadata ?? {})) {
    result[name.toLowerCase().replace(/^x-amz-meta-/, '')] = value;
  }
  return result;
}

/** The same notification always gives the same id: a UUIDv7 layout (time-ordered) from its time and a hash of the object version. */
export function adoptedId(record: S3Record, key: string): string {
  const hash = createHash('sha256').update(`${record.s3.bucket.name}/${key}\0${record.s3.object.eTag ?? ''}\0${record.s3.object.sequencer ?? ''}`).digest();
  const millis = BigInt(Date.parse(record.eventTime ?? '') || 0);
  const bytes = Buffer.from(hash.subarray(0, 16));
  for (let i = 0; i < 6; i++) bytes[i] = Number((millis >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A file announced from a notification gets a trace id of its own that redeliveries reproduce. */
function traceparentFor(id: string): string {
  const hash = createHash('sha256').update(`trace:${id}`).digest('hex');
  return `00-${hash.slice(0, 32)}-${hash.slice(32, 48)}-01`;
}

async function requestFor(ctx: FunctionContext, id: string, name: string): Promise<IngestRequest> {
  try {
    const intent = await readIntent(ctx.store, id);
    return { id, name: intent.name, chains: intent.chains, options: intent.options, traceparent: intent.traceparent };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return { id, name, chains: DEFAULT_CHAINS.map((chain) => [...chain]), options: {}, traceparent: traceparentFor(id) };
  }
}

async function handleRecord(ctx: FunctionContext, record: S3Record): Promise<{ outcome: Outcome; id?: string; key: string }> {
  const key = objectKeyOf(record);
  const metadata = userMetadata(record);
  if (!record.eventName.startsWith('s3:ObjectCreated:') || record.s3.bucket.name !== ctx.store.bucket || !key.startsWith('originals/')) {
    return { outcome: 'ignored', key };
  }
  // POST /files announced it already; an adopted copy is announced by its adoption.
  if (metadata['ingest'] === 'api' || metadata['ingest'] === 'adopted') return { outcome: 'ignored', key };
  const suffix = key.slice('originals/'.length);
  const nameFromMetadata = metadata['original-name'] ? safeDecode(metadata['original-name']) : undefined;
  if (fileIdParam.safeParse(suffix).success) {
    const { announcedHere } = await ingestOriginal(ctx, await requestFor(ctx, suffix, nameFromMetadata ?? 'unnamed'), ANNOUNCE_WAIT_MS);
    return { outcome: announcedHere ? 'announced' : 'already-announced', id: suffix, key };
  }
  return adopt(ctx, record, key, nameFromMetadata ?? cleanFileName(key.split('/').pop()));
}

async function adopt(ctx: FunctionContext, record: S3Record, key: string, name: string): Promise<{ outcome: Outcome; id: string; key: string }> {
  const id = adoptedId(record, key);
  if (await existingRecord(ctx, id)) {
    await removeForeign(ctx, key, record.s3.object.eTag);
    return { outcome: 'already-announced', id, key };
  }
  let source;
  try {
    source = await ctx.store.get(key);
  } catch (error) {
    if (error instanceof NotFoundError) return { outcome: 'ignored', id, key }; // removed before we got to it
    throw error;
  }
  const traceparent = traceparentFor(id);
  await ctx.store.put(keys.original(id), source.body, {
    contentType: source.info.contentType,
    metadata: { ...lineage(ctx.config.identity, traceIdOf(traceparent)), 'original-name': encodeURIComponent(name), ingest: 'adopted', 'adopted-from': encodeURIComponent(key) },
  });
  await ingestOriginal(ctx, { id, name, chains: DEFAULT_CHAINS.map((chain) => [...chain]), options: {}, traceparent }, ANNOUNCE_WAIT_MS);
  await removeForeign(ctx, key, record.s3.object.eTag);
  return { outcome: 'adopted', id, key };
}

/** Removes the foreign-named object, unless it was overwritten since (its own notification adopts the new version). */
async function removeForeign(ctx: FunctionContext, key: string, etag: string | undefined): Promise<void> {
  const current = await ctx.store.head(key);
  if (current && (!etag || current.etag === etag.replace(/"/g, ''))) await ctx.store.delete(key);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function handleStorageEvent(req: Request, res: Response, ctx: FunctionContext): Promise<void> {
  const started = performance.now();
  const event = parseCloudEvent(req);
  if (event.type !== KAFKA_EVENT_TYPE) {
    throw new InvalidEventError(`Expected type ${KAFKA_EVENT_TYPE} (a KafkaSource record) but received "${event.type}"`);
  }
  for (const record of parseNotification(event.data)) {
    const result = await handleRecord(ctx, record);
    // Most notifications are for API uploads or other buckets: those only at debug level.
    const level = result.outcome === 'ignored' ? 'debug' : 'info';
    ctx.log[level]({ type: event.type, eventId: event.id, ...result, ms: Math.round(performance.now() - started) }, 'storage notification handled');
  }
  res.status(202).end();
}

export const storageEventRoutes: Route[] = [{ method: 'POST', path: /^\/storage-events\/?$/, handle: handleStorageEvent }];
