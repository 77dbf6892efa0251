/**
 * What every way into the pipeline ends with (POST /files, a completed direct upload, a storage
 * notification): `file.uploaded` and the first step of each chain on the broker, and the answer
 * a client gets, synchronous when it asked to wait.
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { sendJson } from '../lib/http/function-app.js';
import type { FunctionContext } from '../lib/context.js';
import { BrokerUnavailableError } from '../lib/errors.js';
import { events } from '../lib/events.js';
import { keys } from '../lib/keys.js';
import type { ObjectStore } from '../lib/store/port.js';
import { buildFileView, type FileView } from './file-view.js';
import type { UploadRecord } from './schema.js';

const WAIT_POLL_MS = 100;

export async function emitUploadEvents(record: UploadRecord, traceparent: string, ctx: FunctionContext): Promise<void> {
  if (!ctx.bus) throw new BrokerUnavailableError('No broker configured (K_SINK is not set)');
  const build = { source: '/upload', traceparent };
  await ctx.bus.publish(
    events.fileUploaded(
      {
        id: record.id,
        bucket: ctx.store.bucket,
        key: keys.original(record.id),
        name: record.name,
        contentType: record.contentType,
        size: record.size,
        sha256: record.sha256,
        kind: record.kind,
        uploadedAt: record.uploadedAt,
      },
      build,
    ),
  );
  for (const chain of record.chains) {
    await ctx.bus.publish(events.effectRequested({ id: record.id, sourceKey: keys.original(record.id), chain, step: 0, options: record.options }, build));
  }
}

/** The 201 body of an accepted file. */
export function acceptedBody(record: UploadRecord) {
  const { id } = record;
  return {
    id,
    name: record.name,
    kind: record.kind,
    contentType: record.contentType,
    size: record.size,
    sha256: record.sha256,
    effects: record.chains,
    traceId: record.traceId,
    links: { self: `/files/${id}`, content: `/files/${id}/content` },
  };
}

export async function waitForCompletion(store: ObjectStore, id: string, waitMs: number): Promise<FileView> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const view = await buildFileView(store, id);
    if (view.status === 'complete' || Date.now() >= deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, Math.max(1, deadline - Date.now()))));
  }
}

/** The synchronous answer scripts rely on (seed 002's shape) next to the full view. */
export function synchronousAnswer(view: FileView, req: Request) {
  return {
    status: view.status,
    applied_effects: view.appliedEffects,
    processed_by: view.derivatives.map((d) => ({ chain: d.chain, step: d.step, effect: d.effect, ...d.processedBy })),
    view_url: `${req.protocol}://${req.get('host') ?? 'localhost'}/files/${view.id}`,
    derivatives: view.derivatives,
    failures: view.failures,
    classification: view.classification,
  };
}

/** 201 with the accepted file, after waiting for the pipeline when `wait` > 0. */
export async function answerAccepted(req: Request, res: Response, store: ObjectStore, record: UploadRecord, wait: number): Promise<void> {
  const body = acceptedBody(record);
  res.set('Location', `/files/${record.id}`);
  if (wait <= 0) {
    sendJson(res, 201, body);
    return;
  }
  const view = await waitForCompletion(store, record.id, wait);
  sendJson(res, 201, { ...body, ...synchronousAnswer(view, req) });
}
