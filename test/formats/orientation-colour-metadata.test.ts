import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createTestContext, type TestContext } from '../support/function-context.js';
import { RED_PATCH, displayP3Jpeg, orientation6Jpeg, runEffect } from '../support/format-files.js';

/** Mean RGB of the 16×16 centre of the red patch, read with the embedded profile applied or ignored. */
async function patchColour(bytes: Buffer, ignoreIcc = false): Promise<number[]> {
  const side = 16;
  const region = { left: RED_PATCH.left + (RED_PATCH.width - side) / 2, top: RED_PATCH.top + (RED_PATCH.height - side) / 2, width: side, height: side };
  const { data, info } = await sharp(bytes, { ignoreIcc }).extract(region).raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c]!;
  return sums.map((sum) => Math.round(sum / (side * side)));
}

/** The profile's text with NULs dropped, so its UTF-16 description ("sP3", "sRGB") can be matched. */
function iccText(icc: Buffer): string {
  return icc.toString('latin1').replace(/\0/g, '');
}

describe('orientation, colour profiles and metadata of derivatives', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'formats' });
  });
  afterEach(() => ctx.cleanup());

  it('should write a JPEG with EXIF orientation 6 upright and without the tag', async () => {
    const { bytes, upright } = await orientation6Jpeg();
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 300, height: 451, orientation: 6 });
    const { data, output } = await runEffect(ctx, 'grayscale', bytes);
    expect(data).toMatchObject({ width: 451, height: 300 });
    const meta = await sharp(output!).metadata();
    expect(meta).toMatchObject({ width: 451, height: 300 });
    expect(meta.orientation).toBeUndefined();
    const gray = (image: Buffer) => sharp(image).grayscale().raw().toBuffer();
    const [got, want, upsideDown] = await Promise.all([gray(output!), gray(upright), sharp(upright).rotate(180).grayscale().raw().toBuffer()]);
    const difference = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;
    expect(difference(got, want)).toBeLessThan(4);
    expect(difference(got, upsideDown)).toBeGreaterThan(20);
  });

  it('should convert a Display P3 photo to sRGB, so its red stays red', async () => {
    const source = await displayP3Jpeg();
    const sourceMeta = await sharp(source).metadata();
    expect(iccText(sourceMeta.icc!)).toMatch(/sP3/);
    // Stored P3 values of sRGB red are far from (255, 0, 0): dropping the profile would show them.
    const [storedR, storedG] = (await patchColour(source, true)) as [number, number, number];
    expect(storedR).toBeLessThan(245);
    expect(storedG).toBeGreaterThan(35);

    const { output } = await runEffect(ctx, 'blur', source, { blur: { sigma: 1 } });
    const meta = await sharp(output!).metadata();
    if (meta.icc) expect(iccText(meta.icc)).toMatch(/sRGB/);
    const [r, g, b] = (await patchColour(output!, true)) as [number, number, number];
    expect(r).toBeGreaterThan(245);
    expect(g).toBeLessThan(12);
    expect(b).toBeLessThan(12);
  });

  it.each(['blur', 'grayscale'] as const)('should strip EXIF, GPS, XMP, IPTC and comments in %s output', async (effect) => {
    const source = await displayP3Jpeg();
    const sourceMeta = await sharp(source).metadata();
    expect(sourceMeta.exif?.toString('latin1')).toContain('PipelineTestCam');
    expect(sourceMeta.xmpAsString).toContain('someone private');

    const { output } = await runEffect(ctx, effect, source);
    const meta = await sharp(output!).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.comments).toBeUndefined();
    const text = output!.toString('latin1');
    for (const secret of ['PipelineTestCam', 'a private comment', 'someone private', 'GPS']) expect(text).not.toContain(secret);
  });
});
