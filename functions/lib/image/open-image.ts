/**
 * The one place untrusted image bytes enter sharp. Limits are explicit, as sharp's docs advise
 * for untrusted input: `failOn: 'warning'` (a truncated JPEG fails instead of decoding to grey),
 * a pixel limit, and a frame limit for animations.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { BadImageError } from '../errors.js';

// Each function instance works on few images at once; libvips's operation cache only grows RSS.
sharp.cache(false);

export interface ImageLimits {
  readonly maxPixels: number;
  readonly maxFrames: number;
}

export interface OpenedImage {
  readonly metadata: Metadata;
  readonly frames: number;
  /** A fresh pipeline over the same bytes (auto-oriented when it is a still image). */
  pipeline(): Sharp;
}

export async function openImage(bytes: Buffer, limits: ImageLimits): Promise<OpenedImage> {
  const base = { failOn: 'warning' as const, limitInputPixels: limits.maxPixels };
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, base).metadata();
  } catch (error) {
    throw new BadImageError(describeSharpError(error, limits), { cause: error });
  }
  const frames = metadata.pages ?? 1;
  if (frames > limits.maxFrames) {
    throw new BadImageError(`Image has ${frames} frames, more than the limit of ${limits.maxFrames}`);
  }
  const width = metadata.width ?? 0;
  const height = (metadata.pageHeight ?? metadata.height ?? 0) * frames;
  if (width * height > limits.maxPixels) {
    throw new BadImageError(`Image is ${width}×${height} pixels, more than the limit of ${limits.maxPixels}`);
  }
  const animated = frames > 1;
  return {
    metadata,
    frames,
    pipeline: () => {
      const image = sharp(bytes, { ...base, animated });
      return animated ? image : image.rotate();
    },
  };
}

/** Turns libvips's wording into a reason a user can act on. */
export function describeSharpError(error: unknown, limits: ImageLimits): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return `Image exceeds the pixel limit of ${limits.maxPixels}`;
  if (/unsupported image format/i.test(message)) return 'Not a supported image format (the bytes do not decode as any image libvips knows)';
  if (/premature end|truncated|unexpected end|end of (input )?(file|stream)|end of stream|read error|short read|not enough data/i.test(message)) {
    return `Image data is truncated or corrupt (${firstLine(message)})`;
  }
  return `Image could not be decoded (${firstLine(message)})`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** Output format and file extension for a derivative: keep the input's where we can write it. */
export function outputFormatFor(format: string | undefined): { format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff'; ext: string } {
  switch (format) {
    case 'png':
      return { format: 'png', ext: 'png' };
    case 'webp':
      return { format: 'webp', ext: 'webp' };
    case 'gif':
      return { format: 'gif', ext: 'gif' };
    case 'tiff':
      return { format: 'tiff', ext: 'tiff' };
    case 'heif':
      // HEIC/AVIF both report "heif"; AVIF is what the bundled libheif can encode.
      return { format: 'avif', ext: 'avif' };
    default:
      return { format: 'jpeg', ext: 'jpg' };
  }
}
