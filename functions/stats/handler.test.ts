import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { events } from '../lib/events.js';
import { createTestContext, received, type TestContext } from '../../test/support/function-context.js';
import { computeStats, createStatsHandler } from './handler.js';

const TRACE = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
const build = { source: '/test', traceparent: TRACE };
const id = (n: number) => `0190a7d2-3c4e-7a00-8000-${String(n).padStart(12, '0')}`;

function uploaded(n: number, kind: 'image' | 'document' | 'other', size: number) {
  return received(
    events.fileUploaded(
      { id: id(n), bucket: 'files', key: `originals/${id(n)}`, name: 'f', contentType: 'x/y', size, sha256: 'b'.repeat(64), kind, uploadedAt: new Date().toISOString() },
      build,
    ),
  );
}
const transformed = (n: number, chain: ('blur' | 'grayscale')[]) =>
  received(events.imageTransformed({ id: id(n), chain, key: `derived/${id(n)}/x`, width: 1, height: 1, format: 'jpeg', size: 1 }, build));
const classified = (n: number) => received(events.fileClassified({ id: id(n), kind: 'image', format: 'jpeg', contentType: 'image/jpeg', labels: [] }, build));
const failed = (n: number) =>
  received(events.effectFailed({ id: id(n), chain: ['blur'], step: 0, effect: 'blur', sourceKey: 'k', code: 'E_BAD_IMAGE', reason: 'bad' }, build));
const deleted = (n: number) => received(events.fileDeleted({ id: id(n), keys: [] }, build));

describe('stats handler', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await createTestContext({ K_SERVICE: 'stats' });
  });
  afterEach(() => ctx.cleanup());

  it('should count files by kind, bytes, derivatives, classifications and failures', async () => {
    const handle = createStatsHandler();
    for (const event of [uploaded(1, 'image', 1000), uploaded(2, 'document', 500), uploaded(3, 'other', 7), transformed(1, ['blur']), transformed(1, ['grayscale', 'blur']), classified(1), failed(3)]) {
      await handle(event, ctx);
    }
    expect(await computeStats(ctx)).toEqual({
      files: { total: 3, image: 1, document: 1, other: 1 },
      bytes: 1507,
      derivatives: 2,
      classifications: 1,
      failures: 1,
      deleted: 0,
    });
  });

  it('should stay exact when every event arrives twice, from two instances at once', async () => {
    const first = createStatsHandler();
    const second = createStatsHandler();
    const stream = [uploaded(1, 'image', 10), uploaded(2, 'image', 20), transformed(1, ['blur']), classified(1), classified(2)];
    await Promise.all(stream.flatMap((event) => [first(event, ctx), second(event, ctx)]));
    const stats = await computeStats(ctx);
    expect(stats.files.total).toBe(2);
    expect(stats.bytes).toBe(30);
    expect(stats.derivatives).toBe(1);
    expect(stats.classifications).toBe(2);
  });

  it('should forget a deleted file and ignore its late duplicates', async () => {
    const handle = createStatsHandler();
    await handle(uploaded(1, 'image', 10), ctx);
    await handle(uploaded(2, 'image', 20), ctx);
    await handle(classified(1), ctx);
    await handle(deleted(1), ctx);
    await handle(uploaded(1, 'image', 10), ctx);
    await handle(classified(1), ctx);
    const stats = await computeStats(ctx);
    expect(stats.files).toEqual({ total: 1, image: 1, document: 0, other: 0 });
    expect(stats.bytes).toBe(20);
    expect(stats.classifications).toBe(0);
    expect(stats.deleted).toBe(1);
  });

  it('should not count a deleted file whose markers are still being removed', async () => {
    const handle = createStatsHandler();
    await handle(uploaded(1, 'image', 10), ctx);
    await ctx.store.put('stats/deleted/' + id(1), Buffer.alloc(0));
    expect((await computeStats(ctx)).files.total).toBe(0);
  });

  it('should keep its state in the bucket, so a new instance reads the same totals', async () => {
    await createStatsHandler()(uploaded(1, 'document', 99), ctx);
    expect((await computeStats(ctx)).files.document).toBe(1);
  });

  it('should tell listeners when the totals move', async () => {
    let changes = 0;
    const handle = createStatsHandler(() => changes++);
    await handle(uploaded(1, 'image', 1), ctx);
    expect(changes).toBe(1);
  });

  it('should reject events it does not count', async () => {
    const request = received(events.effectRequested({ id: id(1), sourceKey: 'k', chain: ['blur'], step: 0, options: {} }, build));
    await expect(createStatsHandler()(request, ctx)).rejects.toThrow(/Expected one of/);
  });
});
