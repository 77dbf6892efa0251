/**
 * Turns image bytes into the pixels the two models want, with sharp: decoded once (first frame,
 * auto-oriented, transparency on white, sRGB, 8-bit) and shrunk to at most DECODE_MAX on the long
 * side (JPEG shrink-on-load makes that cheap for big photos), then cut to each model's input.
 * The caller's pixel limit applies, as everywhere untrusted bytes enter sharp.
 */
import sharp from 'sharp';
import type { ImageLimits } from '../lib/image/open-image.js';

const DECODE_MAX = 768;

export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export async function decodeForModels(bytes: Buffer, limits: Pick<ImageLimits, 'maxPixels'>): Promise<DecodedImage> {
  const { data, info } = await sharp(bytes, { failOn: 'warning', limitInputPixels: limits.maxPixels, pages: 1 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(DECODE_MAX, DECODE_MAX, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

function fromRaw(image: DecodedImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/**
 * The ImageNet evaluation view: the centred square of side `shorter × size / (size + padding)`,
 * resized (bicubic) to size × size. RGB bytes as float32, NHWC.
 */
export async function centreCrop(image: DecodedImage, size: number, padding: number): Promise<Float32Array> {
  const side = Math.max(1, Math.round((Math.min(image.width, image.height) * size) / (size + padding)));
  const left = Math.floor((image.width - side) / 2);
  const top = Math.floor((image.height - side) / 2);
  const data = await fromRaw(image).extract({ left, top, width: side, height: side }).resize(size, size, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  return Float32Array.from(data);
}

/** The whole image squeezed to size × size (what nsfwjs was trained on); RGB bytes. */
export async function squeezed(image: DecodedImage, size: number): Promise<Uint8Array> {
  return new Uint8Array(await fromRaw(image).resize(size, size, { fit: 'fill' }).raw().toBuffer());
}
