import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { EventType, events } from '../lib/events.js';
import { keys } from '../lib/keys.js';
import { readAll } from '../lib/store/port.js';
import { channelSpread, isGray, makeImage } from '../../test/support/images.js';
import { createTestContext, received, type TestContext } from '../../test/support/function-context.js';
import { handleGrayscale } from './handler.js';

const ID = '0190a7d2-3c4e-7a00-8000-000000000002';
const TRACE = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';

describe('grayscale handler', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'grayscale' });
  });
  afterEach(() => ctx.cleanup());

  it('should turn a colour JPEG gray', async () => {
    const original = await makeImage();
    expect(await channelSpread(original)).toBeGreaterThan(20);
    await ctx.store.put(keys.original(ID), original, { contentType: 'image/jpeg' });
    const event = events.effectRequested({ id: ID, sourceKey: keys.original(ID), chain: ['grayscale'], step: 0, options: {} }, { source: '/upload', traceparent: TRACE });
    const reply = await handleGrayscale(received(event), ctx);
    expect(reply?.type).toBe(EventType.imageTransformed);
    const { bytes, info } = await readAll(ctx.store, keys.derived(ID, ['grayscale'], 0, 'jpg'));
    expect(info.contentType).toBe('image/jpeg');
    expect(await isGray(bytes)).toBe(true);
  });

  it('should keep PNG as PNG', async () => {
    await ctx.store.put(keys.original(ID), await makeImage({ format: 'png' }), { contentType: 'image/png' });
    const event = events.effectRequested({ id: ID, sourceKey: keys.original(ID), chain: ['grayscale', 'blur'], step: 0, options: {} }, { source: '/upload', traceparent: TRACE });
    const reply = await handleGrayscale(received(event), ctx);
    expect(reply?.['effect']).toBe('blur');
    const { bytes } = await readAll(ctx.store, keys.derived(ID, ['grayscale', 'blur'], 0, 'png'));
    expect((await sharp(bytes).metadata()).format).toBe('png');
    expect(await isGray(bytes)).toBe(true);
  });
});
