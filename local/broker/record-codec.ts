/**
 * CloudEvents Kafka protocol binding, binary content mode — the Knative Kafka broker's record
 * layout (knative-semantics.md §5.3): every attribute as header `ce_<attr>`, `datacontenttype`
 * as header `content-type`, data as the value, `partitionkey` as the key.
 *
 * Not cloudevents' `Kafka.binary`/`Kafka.toEvent`: `binary` leaves `value` as the data object
 * (not bytes), omits `content-type` for JSON data, and `toEvent` re-formats `time`.
 */
import type { StoredEvent } from './backend.js';
import { InvalidEventError, RecordDecodeError } from './backend-errors.js';

export interface EncodedRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record as kafkajs hands it out (header values are Buffers there). */
export interface RawRecord {
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

const HEADER_PREFIX = 'ce_';
const CONTENT_TYPE = 'content-type';
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const NOT_HEADERS = new Set(['data', 'data_base64', 'datacontenttype']);

export function encodeEvent(event: StoredEvent): EncodedRecord {
  const attributes: Record<string, unknown> = { ...event };
  for (const name of REQUIRED) {
    if (typeof attributes[name] !== 'string' || attributes[name] === '') {
      throw new InvalidEventError(`event attribute ${name} is missing or not a non-empty string`);
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (NOT_HEADERS.has(name) || value === undefined || value === null) continue;
    headers[HEADER_PREFIX + name] = attributeString(value);
  }
  const data = event.data !== undefined ? event.data : base64Data(event.data_base64);
  const contentType = event.datacontenttype ?? impliedContentType(data);
  if (contentType !== undefined) headers[CONTENT_TYPE] = contentType;
  const partitionKey = attributes['partitionkey'];
  return {
    key: partitionKey === undefined || partitionKey === null ? null : attributeString(partitionKey),
    value: dataBytes(data),
    headers,
  };
}

export function decodeRecord(record: RawRecord): StoredEvent {
  const event: Record<string, unknown> = {};
  let contentType: string | undefined;
  for (const [rawName, rawValue] of Object.entries(record.headers ?? {})) {
    const value = headerString(rawValue);
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name === CONTENT_TYPE) contentType = value;
    else if (name.startsWith(HEADER_PREFIX)) event[name.slice(HEADER_PREFIX.length)] = value;
  }
  for (const name of REQUIRED) {
    if (typeof event[name] !== 'string') throw new RecordDecodeError(`record has no ce_${name} header`);
  }
  if (event['partitionkey'] === undefined && record.key !== null) {
    event['partitionkey'] = typeof record.key === 'string' ? record.key : record.key.toString('utf8');
  }
  if (contentType !== undefined) event['datacontenttype'] = contentType;
  if (record.value !== null) event['data'] = decodeData(record.value, contentType);
  return event as unknown as StoredEvent;
}

/** Spec type system in its canonical string form (headers are strings). */
function attributeString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidEventError(`attribute value ${JSON.stringify(value)} is not a CloudEvents type`);
}

function base64Data(dataBase64: unknown): Buffer | undefined {
  return typeof dataBase64 === 'string' ? Buffer.from(dataBase64, 'base64') : undefined;
}

/** What HTTP binary mode would send for data without a declared type. */
function impliedContentType(data: unknown): string | undefined {
  if (data === undefined || data instanceof Uint8Array) return undefined;
  if (typeof data === 'string') return 'text/plain; charset=utf-8';
  return 'application/json';
}

/** Bytes stay bytes, strings are taken as already encoded (as HTTP binary mode does), the rest is JSON. */
function dataBytes(data: unknown): Buffer | null {
  if (data === undefined) return null;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function decodeData(value: Buffer, contentType: string | undefined): unknown {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined) return value;
  if (isJson(mediaType)) {
    const text = value.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // declared JSON but is not: hand it on as sent
    }
  }
  if (isText(mediaType, contentType)) return value.toString('utf8');
  return value;
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');
}

function isText(mediaType: string, contentType: string | undefined): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    /;\s*charset=/i.test(contentType ?? '')
  );
}

function headerString(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined) return undefined;
  return typeof single === 'string' ? single : single.toString('utf8');
}
