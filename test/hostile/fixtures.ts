/** Hostile files made from real images: truncated, lying, bombs, polyglots. */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { makeImage, makePdf } from '../support/images.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A real PNG whose IHDR is rewritten to claim width × height (CRC fixed, so decoders believe it). */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await makeImage({ width: 16, height: 16, format: 'png' }));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** A GIF with `frames` frames of 4×4 pixels. */
export async function gifWithFrames(frames: number): Promise<Buffer> {
  // Every frame differs from the last, or the encoder merges them.
  const palette = await Promise.all(['#c33', '#3c3', '#33c'].map((background) => sharp({ create: { width: 4, height: 4, channels: 3, background } }).png().toBuffer()));
  return sharp(Array.from({ length: frames }, (_, i) => palette[i % 3]!), { join: { animated: true } }).gif().toBuffer();
}

export const svgWithExternalReference = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">' +
    '<image xlink:href="http://169.254.169.254/latest/meta-data/" width="10" height="10"/><script>alert(1)</script></svg>',
);

/** A JPEG with a PDF glued on behind its end marker: both parsers accept it. */
export async function jpegPdfPolyglot(): Promise<Buffer> {
  return Buffer.concat([await makeImage({ width: 40, height: 30 }), makePdf(1)]);
}

/** A PNG deflate bomb: a few KiB that inflate to 200 MP of pixels. */
export function pngDeflateBomb(): Buffer {
  const width = 20000;
  const height = 10000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * 200); // only the first 200 rows: enough to be a bomb at decode
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
