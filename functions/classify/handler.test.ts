import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventType, type FileUploaded } from '../lib/events.js';
import { keys } from '../lib/keys.js';
import { readAll } from '../lib/store/port.js';
import { makeImage, makePdf } from '../../test/support/images.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { uploadedEvent } from '../../test/support/events.js';
import { createClassifyHandler, handleClassify } from './handler.js';
import { classificationDocument } from './schema.js';
import type { ImageLabeler } from './labeler.js';

const ID = '0190a7d2-3c4e-7a00-8000-000000000003';

const uploaded = (size: number, overrides: Partial<FileUploaded> = {}) => uploadedEvent(ID, size, overrides);

describe('classify handler', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'classify' });
  });
  afterEach(() => ctx.cleanup());

  async function classify(bytes: Buffer, handler = handleClassify) {
    await ctx.store.put(keys.original(ID), bytes);
    const reply = await handler(uploaded(bytes.length), ctx);
    const stored = classificationDocument.parse(JSON.parse((await readAll(ctx.store, keys.classification(ID))).bytes.toString()));
    return { reply, stored };
  }

  it('should classify a JPEG as an image with its format and dimensions', async () => {
    const { reply, stored } = await classify(await makeImage({ width: 300, height: 200 }));
    expect(reply?.type).toBe(EventType.fileClassified);
    expect(reply?.id).toBe(`${ID}:classified`);
    expect(stored).toMatchObject({ id: ID, kind: 'image', format: 'jpeg', contentType: 'image/jpeg', width: 300, height: 200, frames: 1, labels: [] });
  });

  it('should count the frames of an animated GIF', async () => {
    const sharp = (await import('sharp')).default;
    const frames = await Promise.all([40, 80, 120].map((w) => makeImage({ width: w, height: 30, format: 'png' }).then((b) => sharp(b).resize(40, 30).png().toBuffer())));
    const animated = await sharp(frames, { join: { animated: true } }).gif({ loop: 0 }).toBuffer();
    const { stored } = await classify(animated);
    expect(stored.kind).toBe('image');
    expect(stored.frames).toBe(3);
    expect(stored.height).toBe(30);
  });

  it('should classify a PDF as a document and count its pages', async () => {
    const { stored } = await classify(makePdf(3));
    expect(stored).toMatchObject({ kind: 'document', format: 'pdf', contentType: 'application/pdf', pages: 3 });
  });

  it('should classify a text file as other', async () => {
    const { stored } = await classify(Buffer.from('hello, this is a plain text file\nwith two lines\n'));
    expect(stored).toMatchObject({ kind: 'other', format: 'text' });
  });

  it('should classify an image that does not decode as an image without dimensions', async () => {
    const jpeg = await makeImage();
    const { stored } = await classify(jpeg.subarray(0, 200));
    expect(stored.kind).toBe('image');
    expect(stored.width).toBeUndefined();
  });

  it('should pass images, and only images, to the labeler', async () => {
    const seen: number[] = [];
    const labeler: ImageLabeler = { name: 'fake', label: async (bytes) => (seen.push(bytes.length), { labels: [{ label: 'checkerboard', score: 0.9 }] }) };
    const handler = createClassifyHandler(labeler);
    const { stored } = await classify(await makeImage(), handler);
    expect(stored.labels).toEqual([{ label: 'checkerboard', score: 0.9 }]);
    expect(stored.classifier).toBe('fake');
    await classify(makePdf(1), handler);
    expect(seen).toHaveLength(1);
  });

  it('should ack without reply when the file is already gone', async () => {
    expect(await handleClassify(uploaded(10), ctx)).toBeUndefined();
  });
});
