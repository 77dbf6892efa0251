import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keys, lineage } from '../lib/keys.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { buildFileView } from './file-view.js';
import type { UploadRecord } from './schema.js';

const ID = '0190a7d2-3c4e-7a00-8000-000000000001';
const TRACE = '0123456789abcdef0123456789abcdef';
let ctx: TestContext;

beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(() => ctx.cleanup());

describe('the file view', () => {
  it('should say who made each derivative, the classification and each failure, in which trace', async () => {
    const record: UploadRecord = {
      id: ID, name: 'p.jpg', kind: 'image', format: 'jpeg', contentType: 'image/jpeg', size: 10, sha256: 'x',
      chains: [['grayscale', 'blur'], ['blur']], options: {}, uploadedAt: new Date().toISOString(), traceId: TRACE,
      uploadedBy: { function: 'upload', revision: 'upload-00001', instance: 'u-1' },
    };
    const who = (service: string) => lineage({ service, revision: `${service}-00002`, instance: `${service}-pod` }, TRACE);
    await ctx.store.put(keys.uploadRecord(ID), Buffer.from(JSON.stringify(record)));
    await ctx.store.put(keys.derived(ID, ['grayscale', 'blur'], 0, 'jpg'), Buffer.from('g'), { metadata: { ...who('grayscale'), effect: 'grayscale' } });
    await ctx.store.put(keys.effectFailure(ID, ['blur'], 0), Buffer.from(JSON.stringify({ chain: ['blur'], step: 0, effect: 'blur', reason: 'bad bytes' })), { metadata: who('blur') });
    await ctx.store.put(keys.classification(ID), Buffer.from(JSON.stringify({ kind: 'image', labels: [] })), { metadata: who('classify') });

    const view = await buildFileView(ctx.store, ID);
    expect(view.derivatives[0]).toMatchObject({ effect: 'grayscale', traceId: TRACE, processedBy: { function: 'grayscale', revision: 'grayscale-00002', instance: 'grayscale-pod' } });
    expect(view.classifiedBy).toEqual({ processedBy: { function: 'classify', revision: 'classify-00002', instance: 'classify-pod' }, traceId: TRACE, at: expect.any(String) });
    // `failures` keeps the shape scripts rely on; who recorded them is beside it.
    expect(view.failures).toEqual([{ chain: 'blur', step: 0, effect: 'blur', reason: 'bad bytes' }]);
    expect(view.failureLineage).toEqual([{ chain: 'blur', step: 0, processedBy: { function: 'blur', revision: 'blur-00002', instance: 'blur-pod' }, traceId: TRACE, at: expect.any(String) }]);
    expect(view.status).toBe('processing');
  });

  it('should have no classifier before the classification exists', async () => {
    const record = { id: ID, name: 'a.pdf', kind: 'document', format: 'pdf', contentType: 'application/pdf', size: 1, sha256: 'x', chains: [], options: {}, uploadedAt: new Date().toISOString(), traceId: TRACE, uploadedBy: { function: 'upload', revision: 'r', instance: 'i' } };
    await ctx.store.put(keys.uploadRecord(ID), Buffer.from(JSON.stringify(record)));
    const view = await buildFileView(ctx.store, ID);
    expect(view).toMatchObject({ classification: null, classifiedBy: null, failureLineage: [] });
  });
});
