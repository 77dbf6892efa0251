import type { FunctionContext } from '../lib/context.js';
import { BadImageError, NotFoundError } from '../lib/errors.js';
import { EventType, events, parseEvent, type FileClassified } from '../lib/events.js';
import type { CloudEventHandler } from '../lib/http/function-app.js';
import { openImage } from '../lib/image/open-image.js';
import { keys, lineage } from '../lib/keys.js';
import { SNIFF_BYTES, sniff } from '../lib/sniff.js';
import { readAll } from '../lib/store/port.js';
import { traceIdOf } from '../lib/trace.js';
import { noLabeler, type ImageLabeler } from './labeler.js';
import { createModelLabeler } from './model-labeler.js';
import { PDF_PAGE_SCAN_LIMIT } from './schema.js';

/** `pipeline.file.uploaded` → what the file is, written to meta/<id>/classification.json. */
export function createClassifyHandler(labeler: ImageLabeler = noLabeler): CloudEventHandler {
  return async (event, ctx) => {
    const { data } = parseEvent(event, [EventType.fileUploaded]);
    let head: Buffer;
    // An upload sniffed as an image is read whole once (its head is sniffed from the same bytes);
    // anything else is sniffed from a range first, since a document may be large and need no more.
    let whole: Buffer | undefined;
    try {
      if (data.kind === 'image') {
        whole = (await readAll(ctx.store, data.key)).bytes;
        head = whole.subarray(0, SNIFF_BYTES);
      } else {
        head = await ctx.store.getRange(data.key, 0, SNIFF_BYTES);
      }
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    const sniffed = await sniff(head);
    const classified: FileClassified = {
      id: data.id,
      kind: sniffed.kind,
      format: sniffed.format,
      contentType: sniffed.contentType,
      labels: [],
    };
    if (sniffed.kind === 'image') Object.assign(classified, await describeImage(data.key, ctx, labeler, whole));
    if (sniffed.format === 'pdf' && data.size <= PDF_PAGE_SCAN_LIMIT) {
      const pages = await countPdfPages(data.key, ctx);
      if (pages !== undefined) classified.pages = pages;
    }
    const traceparent = event.traceparent as string | undefined;
    const document = { ...classified, classifier: labeler.name, classifiedAt: new Date().toISOString() };
    await ctx.store.put(keys.classification(data.id), Buffer.from(JSON.stringify(document, null, 2)), {
      contentType: 'application/json',
      metadata: lineage(ctx.config.identity, traceIdOf(traceparent)),
    });
    if (!(await ctx.store.head(data.key))) {
      // Deleted while we worked: the DELETE removed the original first, so our late write goes too.
      await ctx.store.delete(keys.classification(data.id));
      return undefined;
    }
    return events.fileClassified(classified, { source: '/classify', traceparent: traceparent ?? '' });
  };
}

/**
 * Upright size of one frame and the frames (or pages) in the file, read from the headers: an image
 * whose codec this libvips lacks (HEIC) still gets them.
 */
async function describeImage(key: string, ctx: FunctionContext, labeler: ImageLabeler, read?: Buffer): Promise<Partial<FileClassified>> {
  const bytes = read ?? (await readAll(ctx.store, key)).bytes;
  try {
    const limits = { maxPixels: ctx.config.IMAGE_MAX_PIXELS, maxFrames: ctx.config.IMAGE_MAX_FRAMES };
    const image = await openImage(bytes, limits);
    const { width, height } = image;
    const labels = await labeler.label(bytes, { log: ctx.log, limits, modelDir: ctx.config.MODEL_DIR });
    return {
      ...(width ? { width } : {}),
      ...(height ? { height } : {}),
      frames: image.frames,
      labels: [...labels.labels],
      ...(labels.safeSearch ? { safeSearch: { ...labels.safeSearch } } : {}),
    };
  } catch (error) {
    // Undecodable images are still images by their magic bytes; they just have no dimensions.
    if (error instanceof BadImageError) {
      ctx.log.info({ key, reason: error.message }, 'image not decodable; classified without dimensions');
      return {};
    }
    throw error;
  }
}

async function countPdfPages(key: string, ctx: FunctionContext): Promise<number | undefined> {
  const { bytes } = await readAll(ctx.store, key);
  // Page objects are `/Type /Page` (not `/Pages`); compressed object streams hide them, so 0 means unknown.
  const matches = bytes.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return matches && matches.length > 0 ? matches.length : undefined;
}

/**
 * The deployed function: labels from the offline models, the image model read from MODEL_DIR
 * (at the first image, not at start) and safe search from the model inside the nsfwjs package.
 */
export const handleClassify = createClassifyHandler(createModelLabeler({ modelDir: (context) => context.modelDir }));
