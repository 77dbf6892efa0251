/**
 * Effects on animations, frame by frame. libvips holds an animation as one tall strip of frames,
 * and a spatial effect run over that strip (a blur) would mix the last rows of one frame into the
 * first rows of the next. So the strip is decoded once, each frame is transformed on its own and
 * written back into the strip in place, and the strip goes out as pages again. Memory stays at one
 * decoded strip plus one frame, the same bound the pixel limit already puts on the strip.
 */
import sharp, { type Channels, type Sharp } from 'sharp';
import type { OpenedImage } from './open-image.js';

export type FrameTransform = (frame: Sharp) => Sharp;

export async function transformFrames(image: OpenedImage, transform: FrameTransform): Promise<Sharp> {
  const { data: strip, info } = await image.pipeline().raw().toBuffer({ resolveWithObject: true });
  const { width, channels } = info;
  const frameHeight = info.pageHeight ?? info.height / image.frames;
  const frameBytes = width * frameHeight * channels;
  let out = strip;
  let outChannels: number = channels;
  for (let frame = 0; frame < image.frames; frame++) {
    const pixels = strip.subarray(frame * frameBytes, (frame + 1) * frameBytes);
    const raw = { width, height: frameHeight, channels };
    const result = await transform(sharp(pixels, { raw })).raw().toBuffer({ resolveWithObject: true });
    if (result.info.width !== width || result.info.height !== frameHeight) {
      throw new Error(`A frame transform must keep the frame's size (${width}×${frameHeight}, got ${result.info.width}×${result.info.height})`);
    }
    if (frame === 0 && result.info.channels !== channels) {
      // Safe only because frame 0 is already read: later frames still come from `strip`.
      outChannels = result.info.channels;
      out = Buffer.alloc(result.data.length * image.frames);
    }
    result.data.copy(out, frame * result.data.length);
  }
  return sharp(out, { raw: { width, height: frameHeight * image.frames, channels: outChannels as Channels, pageHeight: frameHeight }, animated: true });
}
