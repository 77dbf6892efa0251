/**
 * The one place untrusted image bytes enter sharp. Limits are explicit, as sharp's docs advise
 * for untrusted input: `failOn: 'warning'` (a truncated JPEG fails instead of decoding to grey),
 * a pixel limit, and a frame limit for animations.
 *
 * What a derivative is made of: every frame of an animated GIF or WebP; the first page of any
 * other multi-page file (a TIFF's first page, a HEIF's primary image). Stills are turned upright
 * by their EXIF orientation. sharp's output defaults do the rest, deliberately left on: pixels
 * are converted from an embedded ICC profile (Adobe RGB, Display P3, …) to sRGB and written
 * without a profile, and EXIF, GPS, XMP, IPTC and comments are not copied into the output.
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { BadImageError } from '../errors.js';

// Each function instance works on few images at once; libvips's operation cache only grows RSS.
sharp.cache(false);

export interface ImageLimits {
  readonly maxPixels: number;
  readonly maxFrames: number;
}

/** Frame delays (ms) and loop count (0 = forever) of an animation, as its encoder wants them. */
export interface AnimationTiming {
  readonly delay?: number[];
  readonly loop?: number;
}

export interface OpenedImage {
  readonly metadata: Metadata;
  /** Images in the file: frames of an animation, pages of a TIFF, top-level images of a HEIF. */
  readonly frames: number;
  /** An animated GIF or WebP, processed frame by frame; anything else is processed as one still. */
  readonly animated: boolean;
  /** Upright size of one frame (EXIF orientation applied to stills). */
  readonly width: number;
  readonly height: number;
  readonly timing: AnimationTiming;
  /** A fresh pipeline over the same bytes: every frame when animated, else the first page upright. */
  pipeline(): Sharp;
}

const ANIMATED_FORMATS = new Set(['gif', 'webp']);

export async function openImage(bytes: Buffer, limits: ImageLimits): Promise<OpenedImage> {
  const base = { failOn: 'warning' as const, limitInputPixels: limits.maxPixels };
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, base).metadata();
  } catch (error) {
    throw new BadImageError(describeSharpError(error, limits), { cause: error });
  }
  const frames = metadata.pages ?? 1;
  const animated = frames > 1 && ANIMATED_FORMATS.has(metadata.format ?? '');
  if (animated && frames > limits.maxFrames) {
    throw new BadImageError(`Image has ${frames} frames, more than the limit of ${limits.maxFrames}`);
  }
  const width = metadata.width ?? 0;
  const frameHeight = metadata.pageHeight ?? metadata.height ?? 0;
  const decodedHeight = animated ? frameHeight * frames : frameHeight;
  if (width * decodedHeight > limits.maxPixels) {
    throw new BadImageError(`Image is ${width}×${decodedHeight} pixels, more than the limit of ${limits.maxPixels}`);
  }
  const upright = animated ? { width, height: frameHeight } : (metadata.autoOrient ?? { width, height: frameHeight });
  return {
    metadata,
    frames,
    animated,
    width: upright.width,
    height: upright.height,
    timing: animated ? { ...(metadata.delay ? { delay: metadata.delay } : {}), ...(metadata.loop !== undefined ? { loop: metadata.loop } : {}) } : {},
    pipeline: () => (animated ? sharp(bytes, { ...base, animated: true }) : sharp(bytes, base).rotate()),
  };
}

/** Turns libvips's wording into a reason a user can act on; `metadata` names the format when known. */
export function describeSharpError(error: unknown, limits: ImageLimits, metadata?: Pick<Metadata, 'format' | 'compression'>): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return `Image exceeds the pixel limit of ${limits.maxPixels}`;
  if (/unsupported image format/i.test(message)) return 'Not a supported image format (the bytes do not decode as any image libvips knows)';
  if (/compression format has not been built in|unsupported codec/i.test(message)) return unsupportedCodecReason(metadata);
  if (/premature end|truncated|unexpected end|end of (input )?(file|stream)|end of stream|read error|short read|not enough data/i.test(message)) {
    return `Image data is truncated or corrupt (${firstLine(message)})`;
  }
  return `Image could not be decoded (${firstLine(message)})`;
}

function unsupportedCodecReason(metadata?: Pick<Metadata, 'format' | 'compression'>): string {
  // sharp's prebuilt libvips reads HEIF headers, but its libheif only has the AV1 (AVIF) codec.
  if (metadata?.compression === 'hevc') return 'HEIC (HEVC-coded HEIF) is not supported by this build of libvips; convert it to JPEG or AVIF';
  const what = metadata?.format ? `${metadata.format.toUpperCase()}${metadata.compression ? ` (${metadata.compression})` : ''}` : 'This image';
  return `${what} uses a codec this build of libvips does not include; convert it to JPEG, PNG or AVIF`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/**
 * Encoder options for a derivative. JPEG: no optimised Huffman tables — mozjpeg's second pass
 * keeps every coefficient of the image in memory (≈ 230 MiB more for 40 MP) and costs ~40 % of
 * the encode time, for files ~7 % smaller (measured in bench/README).
 */
export function encoderOptions(format: string): Record<string, unknown> {
  return format === 'jpeg' ? { optimiseCoding: false } : {};
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
