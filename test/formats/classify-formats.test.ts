import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleClassify } from '../../functions/classify/handler.js';
import { classificationDocument } from '../../functions/classify/schema.js';
import { keys } from '../../functions/lib/keys.js';
import { readAll } from '../../functions/lib/store/port.js';
import { uploadedEvent } from '../support/events.js';
import { createTestContext, type TestContext } from '../support/function-context.js';
import { animatedPhoto, avifPhoto, displayP3Jpeg, heicPhoto, multiPageTiff, orientation6Jpeg } from '../support/format-files.js';

const ID = '0190a7d2-3c4e-7a00-8000-0000000000f1';

const CASES = [
  { name: 'an animated GIF', make: () => animatedPhoto('gif'), expected: { format: 'gif', contentType: 'image/gif', width: 160, height: 120, frames: 4 } },
  { name: 'an animated WebP', make: () => animatedPhoto('webp'), expected: { format: 'webp', contentType: 'image/webp', width: 160, height: 120, frames: 4 } },
  { name: 'an AVIF', make: avifPhoto, expected: { format: 'avif', contentType: 'image/avif', width: 600, height: 400, frames: 1 } },
  { name: 'a HEIC whose codec this libvips may lack', make: heicPhoto, expected: { format: 'heic', contentType: 'image/heic', width: 451, height: 300, frames: 1 } },
  { name: 'a three-page TIFF', make: multiPageTiff, expected: { format: 'tiff', contentType: 'image/tiff', width: 200, height: 150, frames: 3 } },
  { name: 'a JPEG stored sideways with EXIF orientation 6', make: async () => (await orientation6Jpeg()).bytes, expected: { format: 'jpeg', width: 451, height: 300, frames: 1 } },
  { name: 'a Display P3 JPEG with EXIF, GPS and XMP', make: displayP3Jpeg, expected: { format: 'jpeg', width: 512, height: 512, frames: 1 } },
];

describe('classify across image formats', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'classify' });
  });
  afterEach(() => ctx.cleanup());

  it.each(CASES)('should give kind, format, upright size and frames of $name', async ({ make, expected }) => {
    const bytes = await make();
    await ctx.store.put(keys.original(ID), bytes);
    await handleClassify(uploadedEvent(ID, bytes.length, { kind: 'image' }), ctx);
    const stored = classificationDocument.parse(JSON.parse((await readAll(ctx.store, keys.classification(ID))).bytes.toString()));
    expect(stored).toMatchObject({ kind: 'image', ...expected });
  });
});
