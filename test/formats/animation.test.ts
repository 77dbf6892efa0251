import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { EventType } from '../../functions/lib/events.js';
import { createTestContext, type TestContext } from '../support/function-context.js';
import { ANIMATION, alternatingFrames, animatedPhoto, runEffect } from '../support/format-files.js';
import { highFrequencyEnergy, isGray } from '../support/images.js';

async function frame(bytes: Buffer, page: number): Promise<Buffer> {
  return sharp(bytes, { page }).png().toBuffer();
}

/** Mean luminance of rows [from, to) of each frame of an animation. */
async function rowMeans(bytes: Buffer, from: number, to: number): Promise<number[]> {
  const { data, info } = await sharp(bytes, { animated: true }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const frameHeight = info.pageHeight ?? info.height;
  const means: number[] = [];
  for (let f = 0; f < info.height / frameHeight; f++) {
    const rows = data.subarray((f * frameHeight + from) * info.width * info.channels, (f * frameHeight + to) * info.width * info.channels);
    let sum = 0;
    for (let i = 0; i < rows.length; i += info.channels) sum += rows[i]!;
    means.push(sum / (rows.length / info.channels));
  }
  return means;
}

describe('animated images through the effects', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'formats' });
  });
  afterEach(() => ctx.cleanup());

  describe.each(['gif', 'webp'] as const)('animated %s', (format) => {
    it('should blur every frame and keep format, frame count, delays and loop', async () => {
      const source = await animatedPhoto(format);
      const { reply, data, output } = await runEffect(ctx, 'blur', source);
      expect(reply?.type).toBe(EventType.imageTransformed);
      expect(data).toMatchObject({ format, width: 160, height: 120 });
      const meta = await sharp(output!).metadata();
      expect(meta).toMatchObject({ format, pages: ANIMATION.delay.length, width: 160, height: 120, delay: ANIMATION.delay, loop: ANIMATION.loop });
      for (let page = 0; page < ANIMATION.delay.length; page++) {
        const before = await highFrequencyEnergy(await frame(source, page));
        expect(await highFrequencyEnergy(await frame(output!, page))).toBeLessThan(before * 0.6);
      }
    });

    it('should turn every frame gray and keep the animation', async () => {
      const { output } = await runEffect(ctx, 'grayscale', await animatedPhoto(format));
      const meta = await sharp(output!).metadata();
      expect(meta).toMatchObject({ format, pages: ANIMATION.delay.length, delay: ANIMATION.delay, loop: ANIMATION.loop });
      for (let page = 0; page < ANIMATION.delay.length; page++) expect(await isGray(await frame(output!, page))).toBe(true);
    });

    it('should not bleed one frame into the next when blurring', async () => {
      const source = await alternatingFrames(format);
      const sigma = 8;
      // The control: one blur over libvips's strip of frames mixes black and white at each boundary.
      const strip = await sharp(source, { animated: true }).blur(sigma).toFormat(format, { lossless: true }).toBuffer();
      expect(Math.max(...(await rowMeans(strip, 0, 2)).map((mean, f) => (f % 2 ? 255 - mean : mean)))).toBeGreaterThan(40);

      const { output } = await runEffect(ctx, 'blur', source, { blur: { sigma } });
      const edges = [...(await rowMeans(output!, 0, 2)), ...(await rowMeans(output!, 46, 48))];
      const expected = [0, 1, 2, 3, 0, 1, 2, 3].map((f) => (f % 2 ? 255 : 0));
      edges.forEach((mean, i) => expect(Math.abs(mean - expected[i]!)).toBeLessThan(8));
    });
  });

  it('should refuse an animation with more frames than IMAGE_MAX_FRAMES as a failed effect', async () => {
    const limited = await createTestContext({ K_SERVICE: 'formats', IMAGE_MAX_FRAMES: '3' });
    try {
      const { reply, data } = await runEffect(limited, 'blur', await animatedPhoto('gif'));
      expect(reply?.type).toBe(EventType.effectFailed);
      expect(data.reason).toBe('Image has 4 frames, more than the limit of 3');
    } finally {
      await limited.cleanup();
    }
  });
});
