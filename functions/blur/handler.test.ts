import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudEvent } from 'cloudevents';
import { InvalidEventError } from '../lib/errors.js';
import { EventType, events } from '../lib/events.js';
import { keys } from '../lib/keys.js';
import { readAll } from '../lib/store/port.js';
import { highFrequencyEnergy, makeImage } from '../../test/support/images.js';
import { createTestContext, received, type TestContext } from '../../test/support/function-context.js';
import { handleBlur } from './handler.js';

const ID = '0190a7d2-3c4e-7a00-8000-000000000001';
const TRACE = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';

function request(chain: ('blur' | 'grayscale')[], step = 0, options = {}) {
  return received(events.effectRequested({ id: ID, sourceKey: keys.original(ID), chain, step, options }, { source: '/upload', traceparent: TRACE }));
}

describe('blur handler', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'blur', K_REVISION: 'blur-00001' });
    await ctx.store.put(keys.original(ID), await makeImage(), { contentType: 'image/jpeg' });
  });
  afterEach(() => ctx.cleanup());

  it('should write a blurred derivative with lineage and reply image.transformed', async () => {
    const reply = await handleBlur(request(['blur']), ctx);
    expect(reply?.type).toBe(EventType.imageTransformed);
    expect(reply?.id).toBe(`${ID}:blur:transformed`);
    expect(reply?.traceparent).toMatch(/^00-0123456789abcdef0123456789abcdef-/);
    const key = keys.derived(ID, ['blur'], 0, 'jpg');
    const { info, bytes } = await readAll(ctx.store, key);
    expect(info.metadata).toMatchObject({ function: 'blur', revision: 'blur-00001', instance: 'test-instance', 'trace-id': '0123456789abcdef0123456789abcdef' });
    const original = await readAll(ctx.store, keys.original(ID));
    expect(await highFrequencyEnergy(bytes)).toBeLessThan((await highFrequencyEnergy(original.bytes)) * 0.5);
    expect(reply?.data).toMatchObject({ key, width: 320, height: 240, format: 'jpeg' });
  });

  it('should blur harder with a larger sigma', async () => {
    await handleBlur(request(['blur'], 0, { blur: { sigma: 1 } }), ctx);
    const soft = await highFrequencyEnergy((await readAll(ctx.store, keys.derived(ID, ['blur'], 0, 'jpg'))).bytes);
    await ctx.store.delete(keys.derived(ID, ['blur'], 0, 'jpg'));
    await handleBlur(request(['blur'], 0, { blur: { sigma: 12 } }), ctx);
    const hard = await highFrequencyEnergy((await readAll(ctx.store, keys.derived(ID, ['blur'], 0, 'jpg'))).bytes);
    expect(hard).toBeLessThan(soft);
  });

  it('should request the next step of a chain', async () => {
    const reply = await handleBlur(request(['blur', 'grayscale']), ctx);
    expect(reply?.type).toBe(EventType.effectRequested);
    expect(reply?.['effect']).toBe('grayscale');
    expect(reply?.source).toBe('/blur');
    expect(reply?.data).toMatchObject({ step: 1, sourceKey: keys.derived(ID, ['blur', 'grayscale'], 0, 'jpg') });
  });

  it('should not re-encode when the same event is delivered twice', async () => {
    await handleBlur(request(['blur']), ctx);
    const first = await ctx.store.head(keys.derived(ID, ['blur'], 0, 'jpg'));
    const reply = await handleBlur(request(['blur']), ctx);
    const second = await ctx.store.head(keys.derived(ID, ['blur'], 0, 'jpg'));
    expect(second?.etag).toBe(first?.etag);
    expect(second?.lastModified.getTime()).toBe(first?.lastModified.getTime());
    expect(reply?.type).toBe(EventType.imageTransformed);
  });

  it('should record a truncated image as a failed effect, not retry it', async () => {
    const jpeg = await makeImage();
    await ctx.store.put(keys.original(ID), jpeg.subarray(0, Math.floor(jpeg.length / 2)), { contentType: 'image/jpeg' });
    const reply = await handleBlur(request(['blur']), ctx);
    expect(reply?.type).toBe(EventType.effectFailed);
    expect(String((reply?.data as { reason: string }).reason)).toMatch(/truncated or corrupt/);
    const failure = JSON.parse((await readAll(ctx.store, keys.effectFailure(ID, ['blur'], 0))).bytes.toString());
    expect(failure).toMatchObject({ id: ID, effect: 'blur', code: 'E_BAD_IMAGE' });
  });

  it('should record bytes that are no image at all as a failed effect', async () => {
    await ctx.store.put(keys.original(ID), Buffer.from('just some text, not a picture'), { contentType: 'text/plain' });
    const reply = await handleBlur(request(['blur']), ctx);
    expect(reply?.type).toBe(EventType.effectFailed);
    expect((reply?.data as { reason: string }).reason).toMatch(/Not a supported image format/);
  });

  it('should ack without reply when the source was deleted', async () => {
    await ctx.store.delete(keys.original(ID));
    expect(await handleBlur(request(['blur']), ctx)).toBeUndefined();
  });

  it('should reject a sigma outside the configured bounds as an invalid event', async () => {
    await expect(handleBlur(request(['blur'], 0, { blur: { sigma: 500 } }), ctx)).rejects.toThrow(InvalidEventError);
    await expect(handleBlur(request(['blur'], 0, { blur: { sigma: 500 } }), ctx)).rejects.toThrow(/Expected a number between 0.3 and 50 for blur sigma but received 500/);
  });

  it('should reject an event meant for another effect', async () => {
    await expect(handleBlur(request(['grayscale']), ctx)).rejects.toThrow(/to be blur but it is grayscale/);
  });

  it('should reject data that breaks the contract', async () => {
    const bad = new CloudEvent({ type: EventType.effectRequested, source: '/upload', id: 'x', data: { id: 'nope', chain: ['sepia'] } });
    await expect(handleBlur(received(bad), ctx)).rejects.toThrow(/Invalid data for pipeline.effect.requested/);
  });
});
