/**
 * One step of an effect chain, shared by blur and grayscale: read the step's source, transform,
 * write the deterministic output key with lineage, and reply with the next step (or
 * `image.transformed`). A redelivered event finds its output already written from the same
 * source version and replies again without re-encoding. Bytes that do not decode end as a
 * recorded failure (`effect.failed`), never as a retry.
 */
import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import type { Sharp } from 'sharp';
import type { FunctionContext } from '../context.js';
import { BadImageError, InvalidEventError, NotFoundError, PipelineError } from '../errors.js';
import { EventType, events, parseEvent, type EffectName, type EffectRequested } from '../events.js';
import { describeSharpError, encoderOptions, openImage, outputFormatFor } from '../image/open-image.js';
import { PixelBudget } from '../image/pixel-budget.js';
import { transformFrames } from '../image/transform-frames.js';
import { keys, lineage } from '../keys.js';
import { readAll } from '../store/port.js';
import { traceIdOf } from '../trace.js';

let budget: PixelBudget | undefined;
/** One budget per process: it bounds the instance, whatever the number of requests in flight. */
function budgetFor(capacity: number): PixelBudget {
  budget ??= new PixelBudget(capacity);
  return budget;
}

/** The effect on one still image or one frame of an animation; it must keep the frame's size. */
export type Transform = (image: Sharp, request: EffectRequested, ctx: FunctionContext) => Sharp;

export async function runEffectStep(
  effect: EffectName,
  transform: Transform,
  event: CloudEventV1<unknown>,
  ctx: FunctionContext,
): Promise<CloudEvent<unknown> | undefined> {
  const { data } = parseEvent(event, [EventType.effectRequested]);
  if (data.chain[data.step] !== effect) {
    throw new InvalidEventError(`Expected step ${data.step} of ${data.chain.join('+')} to be ${effect} but it is ${data.chain[data.step]}`);
  }
  const traceparent = event.traceparent as string | undefined;
  const buildContext = { source: `/${effect}`, traceparent: traceparent ?? '' };

  let source;
  try {
    source = await readAll(ctx.store, data.sourceKey);
  } catch (error) {
    if (error instanceof NotFoundError) {
      ctx.log.info({ id: data.id, sourceKey: data.sourceKey }, 'source gone (file deleted); acking');
      return undefined;
    }
    throw error;
  }

  const limits = { maxPixels: ctx.config.IMAGE_MAX_PIXELS, maxFrames: ctx.config.IMAGE_MAX_FRAMES };
  let output: { key: string; width: number; height: number; format: string; size: number };
  try {
    const image = await openImage(source.bytes, limits);
    const { format, ext } = outputFormatFor(image.metadata.format);
    const key = keys.derived(data.id, data.chain, data.step, ext);
    const existing = await ctx.store.head(key);
    if (existing && existing.metadata['source-etag'] === source.info.etag) {
      output = {
        key,
        width: Number(existing.metadata['width']),
        height: Number(existing.metadata['height']),
        format,
        size: existing.size,
      };
    } else {
      const apply = (frame: Sharp) => transform(frame, data, ctx);
      let encoded;
      try {
        const pixels = image.width * image.height * (image.animated ? image.frames : 1);
        encoded = await budgetFor(ctx.config.IMAGE_PIXEL_BUDGET).run(pixels, async () => {
          const rendered = image.animated ? await transformFrames(image, apply) : apply(image.pipeline());
          return rendered.toFormat(format, { ...encoderOptions(format), ...image.timing }).toBuffer({ resolveWithObject: true });
        });
      } catch (error) {
        if (error instanceof PipelineError) throw error;
        // Whatever libvips trips over while decoding the whole image is the image's fault.
        throw new BadImageError(describeSharpError(error, limits, image.metadata), { cause: error });
      }
      const { data: bytes, info } = encoded;
      const height = info.pageHeight ?? info.height;
      await ctx.store.put(key, bytes, {
        contentType: `image/${format}`,
        metadata: {
          ...lineage(ctx.config.identity, traceIdOf(traceparent)),
          'source-key': data.sourceKey,
          'source-etag': source.info.etag,
          chain: data.chain.join('+'),
          step: String(data.step),
          effect,
          width: String(info.width),
          height: String(height),
        },
      });
      output = { key, width: info.width, height, format, size: bytes.length };
      if (await originalDeleted(ctx, data.id, key)) return undefined;
    }
  } catch (error) {
    if (!(error instanceof BadImageError)) throw error;
    const reason = error.message;
    const failure = { id: data.id, chain: data.chain, step: data.step, effect, sourceKey: data.sourceKey, code: 'E_BAD_IMAGE', reason };
    await ctx.store.put(keys.effectFailure(data.id, data.chain, data.step), Buffer.from(JSON.stringify(failure)), {
      contentType: 'application/json',
      metadata: lineage(ctx.config.identity, traceIdOf(traceparent)),
    });
    ctx.log.warn({ id: data.id, effect, reason }, 'effect failed on bad input');
    return events.effectFailed(failure, buildContext);
  }

  const next = data.step + 1;
  if (next < data.chain.length) {
    return events.effectRequested({ id: data.id, sourceKey: output.key, chain: data.chain, step: next, options: data.options }, buildContext);
  }
  return events.imageTransformed({ id: data.id, chain: data.chain, ...output }, buildContext);
}

/** A DELETE that ran while we worked removed the original first; our late output goes too. */
async function originalDeleted(ctx: FunctionContext, id: string, outputKey: string): Promise<boolean> {
  if (await ctx.store.head(keys.original(id))) return false;
  await ctx.store.delete(outputKey);
  ctx.log.info({ id, outputKey }, 'file deleted while transforming; output removed');
  return true;
}
