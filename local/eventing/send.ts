/**
 * One delivery attempt the way the Kafka dispatcher makes it: a binary-mode POST with
 * `Prefer: reply` and `Kn-Namespace`, and the response judged as the broker judges it
 * (knative-semantics.md §1.4, §4).
 */
import { CloudEvent, HTTP, type CloudEventV1 } from 'cloudevents';
import type { StoredEvent } from '../broker/backend.js';
import { isRetriableStatus } from './delivery.js';
import { post, PostTimeoutError, type PostResponse } from './http-post.js';

export type AttemptResult =
  | { readonly ok: true; readonly status: number; readonly reply: StoredEvent | undefined }
  | { readonly ok: false; readonly status: number | undefined; readonly body: Buffer | undefined; readonly retriable: boolean; readonly reason: string };

export function toCloudEvent(event: StoredEvent): CloudEvent<unknown> {
  return new CloudEvent<unknown>(event as CloudEventV1<unknown>, false);
}

/** A CloudEvent as the log keeps it: attributes and extensions, data as parsed JSON or bytes. */
export function toStored(event: CloudEvent<unknown> | CloudEventV1<unknown>): StoredEvent {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value !== undefined && typeof value !== 'function' && key !== 'data_base64') plain[key] = value;
  }
  if ('data_base64' in event && event.data_base64 && plain['data'] === undefined) plain['data'] = Buffer.from(String(event.data_base64), 'base64');
  return plain as unknown as StoredEvent;
}

export async function sendEvent(url: string, event: StoredEvent, options: { namespace: string; timeoutMs: number }): Promise<AttemptResult> {
  const message = HTTP.binary(toCloudEvent(event));
  let response: PostResponse;
  try {
    response = await post(url, { ...(message.headers as Record<string, string>), Prefer: 'reply', 'Kn-Namespace': options.namespace }, message.body as string | Buffer | undefined, options.timeoutMs);
  } catch (error) {
    const reason = error instanceof PostTimeoutError ? error.message : (error as Error).message;
    return { ok: false, status: undefined, body: undefined, retriable: true, reason };
  }
  const { body, headers } = response;
  if (response.status < 200 || response.status >= 300) {
    return { ok: false, status: response.status, body, retriable: isRetriableStatus(response.status), reason: `HTTP ${response.status}` };
  }
  const looksLikeEvent = 'ce-specversion' in headers || /^application\/cloudevents\+json/i.test(headers['content-type'] ?? '');
  if (!looksLikeEvent) {
    if (body.length === 0) return { ok: true, status: response.status, reply: undefined };
    // knative/eventing#6950: a 2xx with a body that is not an event is a failure, not retried.
    return { ok: false, status: response.status, body, retriable: false, reason: 'unknown encoding and non empty response' };
  }
  try {
    const parsed = HTTP.toEvent({ headers, body: isTextual(headers['content-type']) ? body.toString('utf8') : body });
    if (Array.isArray(parsed)) throw new Error('batched replies are not supported');
    return { ok: true, status: response.status, reply: toStored(parsed as CloudEvent<unknown>) };
  } catch (error) {
    return { ok: false, status: response.status, body, retriable: false, reason: `invalid reply event: ${(error as Error).message}` };
  }
}

export function isTextual(contentType: string | undefined): boolean {
  return !contentType || /json|^text\//i.test(contentType);
}
