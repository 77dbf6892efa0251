/**
 * The event contracts of DESIGN.md §3: types, zod schemas for every event's data, and builders
 * that give each event its deterministic id, source, subject and trace context.
 */
import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { z } from 'zod';
import { InvalidEventError } from './errors.js';
import { childTraceparent, type Traceparent } from './trace.js';

export const EventType = {
  fileUploaded: 'pipeline.file.uploaded',
  effectRequested: 'pipeline.effect.requested',
  imageTransformed: 'pipeline.image.transformed',
  effectFailed: 'pipeline.effect.failed',
  fileClassified: 'pipeline.file.classified',
  fileDeleted: 'pipeline.file.deleted',
} as const;
export type EventTypeName = (typeof EventType)[keyof typeof EventType];

export const EFFECTS = ['blur', 'grayscale'] as const;
export const effectName = z.enum(EFFECTS);
export type EffectName = z.infer<typeof effectName>;

export const KINDS = ['image', 'document', 'other'] as const;
export const fileKind = z.enum(KINDS);
export type FileKind = z.infer<typeof fileKind>;

const fileId = z.string().regex(/^[0-9a-f-]{36}$/, 'must be a file id (UUID)');
const objectKey = z.string().min(1).max(1024);
const chain = z.array(effectName).min(1).max(8);

export const effectOptions = z
  .object({ blur: z.object({ sigma: z.number().positive() }).optional() })
  .default({});
export type EffectOptions = z.infer<typeof effectOptions>;

export const fileUploadedData = z.object({
  id: fileId,
  bucket: z.string(),
  key: objectKey,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  kind: fileKind,
  uploadedAt: z.iso.datetime(),
});
export type FileUploaded = z.infer<typeof fileUploadedData>;

export const effectRequestedData = z
  .object({
    id: fileId,
    sourceKey: objectKey,
    chain,
    step: z.number().int().nonnegative(),
    options: effectOptions,
  })
  .refine((d) => d.step < d.chain.length, { message: 'step must index into chain', path: ['step'] });
export type EffectRequested = z.infer<typeof effectRequestedData>;

export const imageTransformedData = z.object({
  id: fileId,
  chain,
  key: objectKey,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.string(),
  size: z.number().int().nonnegative(),
});
export type ImageTransformed = z.infer<typeof imageTransformedData>;

export const effectFailedData = z.object({
  id: fileId,
  chain,
  step: z.number().int().nonnegative(),
  effect: effectName,
  sourceKey: objectKey,
  code: z.string(),
  reason: z.string(),
});
export type EffectFailed = z.infer<typeof effectFailedData>;

export const label = z.object({ label: z.string(), score: z.number().min(0).max(1) });
export const fileClassifiedData = z.object({
  id: fileId,
  kind: fileKind,
  format: z.string(),
  contentType: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  frames: z.number().int().positive().optional(),
  pages: z.number().int().positive().optional(),
  labels: z.array(label),
  safeSearch: z.record(z.string(), z.number().min(0).max(1)).optional(),
});
export type FileClassified = z.infer<typeof fileClassifiedData>;

export const fileDeletedData = z.object({ id: fileId, keys: z.array(objectKey) });
export type FileDeleted = z.infer<typeof fileDeletedData>;

export const dataSchemas = {
  [EventType.fileUploaded]: fileUploadedData,
  [EventType.effectRequested]: effectRequestedData,
  [EventType.imageTransformed]: imageTransformedData,
  [EventType.effectFailed]: effectFailedData,
  [EventType.fileClassified]: fileClassifiedData,
  [EventType.fileDeleted]: fileDeletedData,
} as const;

export type DataOf<T extends EventTypeName> = z.infer<(typeof dataSchemas)[T]>;

/** `grayscale+blur`: how a chain appears in keys and event ids. */
export const chainKey = (effects: readonly string[]): string => effects.join('+');

export const eventIds = {
  uploaded: (id: string) => `${id}:uploaded`,
  effectRequested: (id: string, effects: readonly string[], step: number) => `${id}:${chainKey(effects)}:${step}`,
  transformed: (id: string, effects: readonly string[]) => `${id}:${chainKey(effects)}:transformed`,
  effectFailed: (id: string, effects: readonly string[], step: number) => `${id}:${chainKey(effects)}:${step}:failed`,
  classified: (id: string) => `${id}:classified`,
  deleted: (id: string) => `${id}:deleted`,
};

export interface BuildContext {
  /** `/upload`, `/blur`, … */
  readonly source: string;
  readonly traceparent: Traceparent;
}

function build<T extends EventTypeName>(
  type: T,
  id: string,
  data: DataOf<T>,
  context: BuildContext,
  extensions: Record<string, string> = {},
): CloudEvent<DataOf<T>> {
  return new CloudEvent<DataOf<T>>({
    specversion: '1.0',
    type,
    id,
    source: context.source,
    subject: (data as { id: string }).id,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    traceparent: childTraceparent(context.traceparent),
    ...extensions,
  });
}

export const events = {
  fileUploaded: (data: FileUploaded, ctx: BuildContext) => build(EventType.fileUploaded, eventIds.uploaded(data.id), data, ctx),
  effectRequested: (data: EffectRequested, ctx: BuildContext) =>
    build(EventType.effectRequested, eventIds.effectRequested(data.id, data.chain, data.step), data, ctx, {
      effect: data.chain[data.step]!,
    }),
  imageTransformed: (data: ImageTransformed, ctx: BuildContext) =>
    build(EventType.imageTransformed, eventIds.transformed(data.id, data.chain), data, ctx),
  effectFailed: (data: EffectFailed, ctx: BuildContext) =>
    build(EventType.effectFailed, eventIds.effectFailed(data.id, data.chain, data.step), data, ctx),
  fileClassified: (data: FileClassified, ctx: BuildContext) =>
    build(EventType.fileClassified, eventIds.classified(data.id), data, ctx),
  fileDeleted: (data: FileDeleted, ctx: BuildContext) => build(EventType.fileDeleted, eventIds.deleted(data.id), data, ctx),
};

/** Validates an incoming event's type and data against its contract; 400 (no retry) when it breaks it. */
export function parseEvent<T extends EventTypeName>(event: CloudEventV1<unknown>, expectedTypes: readonly T[]): {
  type: T;
  data: DataOf<T>;
} {
  if (!expectedTypes.includes(event.type as T)) {
    throw new InvalidEventError(`Expected one of ${expectedTypes.join(', ')} for type but received "${event.type}"`);
  }
  const type = event.type as T;
  let data: unknown = event.data;
  if (typeof data === 'string' || data instanceof Uint8Array) {
    try {
      data = JSON.parse(Buffer.from(data as string | Uint8Array).toString('utf8'));
    } catch {
      throw new InvalidEventError(`Expected JSON data for ${type} but received unparseable bytes`);
    }
  }
  const result = dataSchemas[type].safeParse(data);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`Invalid data for ${type}: ${detail}`);
  }
  return { type, data: result.data as DataOf<T> };
}
