/** What a direct upload asks for (POST /uploads) and what we keep of it until it is announced. */
import { z } from 'zod';
import type { Config } from '../lib/config.js';
import { InvalidInputError, NotFoundError } from '../lib/errors.js';
import { effectName, effectOptions } from '../lib/events.js';
import { readAll, type ObjectStore } from '../lib/store/port.js';
import { MAX_NAME_LENGTH } from './schema.js';

export const directUploadRequest = z.object({
  name: z.string().min(1, 'must not be empty').max(4 * MAX_NAME_LENGTH),
  size: z.number().int('must be a whole number of bytes').min(1, 'must be at least 1: the file is empty'),
  /** One chain (`grayscale,blur`) or several; `none` for no derivatives. Default: blur and grayscale. */
  effects: z.union([z.string(), z.array(z.string())]).optional(),
  sigma: z.union([z.number(), z.string()]).optional(),
});
export type DirectUploadRequest = z.infer<typeof directUploadRequest>;

export function parseDirectUploadRequest(body: unknown, config: Config): DirectUploadRequest {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) {
    throw new InvalidInputError('Expected a JSON body such as {"name": "video.mp4", "size": 1048576} with Content-Type: application/json');
  }
  const parsed = directUploadRequest.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw new InvalidInputError(`Invalid upload request: ${detail}`);
  }
  if (parsed.data.size > config.DIRECT_UPLOAD_MAX_BYTES) {
    throw new InvalidInputError(`File is ${parsed.data.size} bytes, more than the direct upload limit of ${config.DIRECT_UPLOAD_MAX_BYTES}`);
  }
  return parsed.data;
}

export const directUploadIntent = z.object({
  id: z.uuid(),
  name: z.string(),
  size: z.number().int().min(0),
  mode: z.enum(['single', 'multipart']),
  partSize: z.number().int().positive(),
  uploadId: z.string().optional(),
  chains: z.array(z.array(effectName)),
  options: effectOptions,
  traceparent: z.string(),
  createdAt: z.string(),
});
export type DirectUploadIntent = z.infer<typeof directUploadIntent>;

export const intentKey = (id: string) => `meta/${id}/direct-upload.json`;

/** The direct upload behind `id`; NotFoundError when there is none. */
export async function readIntent(store: ObjectStore, id: string): Promise<DirectUploadIntent> {
  try {
    return directUploadIntent.parse(JSON.parse((await readAll(store, intentKey(id))).bytes.toString('utf8')));
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`No direct upload ${id}`);
    throw error;
  }
}

/** Part n (1-based) of a multipart upload: every part is partSize bytes but the last. */
export function partSizes(size: number, partSize: number): number[] {
  const count = Math.max(1, Math.ceil(size / partSize));
  return Array.from({ length: count }, (_, index) => (index < count - 1 ? partSize : size - partSize * (count - 1)));
}

/** S3 allows 10 000 parts: a huge file gets bigger parts. */
export function partSizeFor(size: number, configured: number): number {
  const MiB = 1024 * 1024;
  return Math.max(configured, Math.ceil(size / 10_000 / MiB) * MiB);
}
