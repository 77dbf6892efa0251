/** Photo-like JPEGs made by the bench itself: smooth light, texture and edges, like a camera shot. */
import sharp from 'sharp';

export interface Photo {
  readonly name: string;
  readonly megapixels: number;
  readonly bytes: Buffer;
}

export async function makePhoto(width: number, height: number, seed = 1): Promise<Buffer> {
  // Built small and upscaled with noise on top, so a 24 MP photo takes a second, not a minute.
  const w = Math.ceil(width / 8);
  const h = Math.ceil(height / 8);
  const base = Buffer.alloc(w * h * 3);
  let state = seed * 2654435761;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const sky = y < h * 0.45;
      base[i] = sky ? 90 + (x / w) * 60 : 60 + random() * 90;
      base[i + 1] = sky ? 140 + (y / h) * 60 : 90 + random() * 80;
      base[i + 2] = sky ? 210 : 40 + random() * 60;
    }
  }
  const noise = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 18 } } }).raw().toBuffer();
  const upscaled = await sharp(base, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
  for (let i = 0; i < upscaled.length; i++) upscaled[i] = Math.max(0, Math.min(255, upscaled[i]! + noise[i]! - 128));
  return sharp(upscaled, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).toBuffer();
}

export async function benchPhotos(): Promise<{ small: Photo[]; large: Photo }> {
  const small = await Promise.all([1, 2, 3, 4].map(async (seed) => ({ name: `2mp-${seed}.jpg`, megapixels: 2, bytes: await makePhoto(1732, 1155, seed) })));
  const large = { name: '24mp.jpg', megapixels: 24, bytes: await makePhoto(6000, 4000, 9) };
  return { small, large };
}
