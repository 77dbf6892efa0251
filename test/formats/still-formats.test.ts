import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { EventType } from '../../functions/lib/events.js';
import { keys } from '../../functions/lib/keys.js';
import { createTestContext, type TestContext } from '../support/function-context.js';
import { avifPhoto, heicPhoto, multiPageTiff, photo, runEffect } from '../support/format-files.js';
import { highFrequencyEnergy, isGray } from '../support/images.js';

/** Mean absolute difference per channel value between two same-sized images. */
async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const raw = (image: Buffer) => sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.abs(x[i]! - y[i]!);
  return total / x.length;
}

describe('still image formats through the effects', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'formats' });
  });
  afterEach(() => ctx.cleanup());

  describe('AVIF', () => {
    it('should blur an AVIF into an AVIF', async () => {
      const source = await avifPhoto();
      const { data, output } = await runEffect(ctx, 'blur', source);
      expect(data).toMatchObject({ format: 'avif', width: 600, height: 400 });
      expect(data.key).toMatch(/\.avif$/);
      expect(await sharp(output!).metadata()).toMatchObject({ format: 'heif', compression: 'av1', width: 600, height: 400 });
      expect(await highFrequencyEnergy(output!)).toBeLessThan((await highFrequencyEnergy(source)) * 0.6);
    });

    it('should turn an AVIF gray', async () => {
      const { output } = await runEffect(ctx, 'grayscale', await avifPhoto());
      expect(await isGray(output!, 3)).toBe(true);
    });
  });

  describe('multi-page TIFF', () => {
    it('should make a one-page TIFF from the first page only', async () => {
      const source = await multiPageTiff();
      expect((await sharp(source).metadata()).pages).toBe(3);
      const { data, output } = await runEffect(ctx, 'grayscale', source);
      expect(data).toMatchObject({ format: 'tiff', width: 200, height: 150 });
      const meta = await sharp(output!).metadata();
      expect(meta).toMatchObject({ format: 'tiff', width: 200, height: 150 });
      expect(meta.pages ?? 1).toBe(1);
      const page = async (n: number) => sharp(source, { page: n }).grayscale().toColourspace('srgb').png().toBuffer();
      const toFirst = await meanDifference(output!, await page(0));
      expect(toFirst).toBeLessThan(5);
      expect(await meanDifference(output!, await page(1))).toBeGreaterThan(toFirst + 20);
    });
  });

  describe('HEIC (HEVC-coded HEIF)', () => {
    it('should blur it where libvips decodes HEVC, and otherwise record a reason a user can act on', async () => {
      const heic = await heicPhoto();
      const decodable = await sharp(heic).toBuffer().then(
        () => true,
        () => false,
      );
      const { reply, data } = await runEffect(ctx, 'blur', heic);
      if (decodable) {
        expect(data).toMatchObject({ format: 'avif', width: 451, height: 300 });
        return;
      }
      expect(reply?.type).toBe(EventType.effectFailed);
      expect(data.reason).toBe('HEIC (HEVC-coded HEIF) is not supported by this build of libvips; convert it to JPEG or AVIF');
      expect(await ctx.store.head(keys.effectFailure('0190a7d2-3c4e-7a00-8000-0000000000f0', ['blur'], 0))).toBeDefined();
    });
  });

  describe('a 40 MP JPEG', () => {
    it('should still go through, alone in the pixel budget', { timeout: 120_000 }, async () => {
      const big = await sharp(await photo('astronaut.png')).resize(7746, 5164, { fit: 'fill' }).jpeg({ quality: 80 }).toBuffer();
      const { reply, data, output } = await runEffect(ctx, 'grayscale', big);
      expect(reply?.type).toBe(EventType.imageTransformed);
      expect(data).toMatchObject({ format: 'jpeg', width: 7746, height: 5164 });
      expect(await isGray(await sharp(output!).resize(800).toBuffer())).toBe(true);
    });
  });
});
