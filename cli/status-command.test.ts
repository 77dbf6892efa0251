import { describe, expect, it } from 'vitest';
import { renderStatus } from './status-command.js';

const view = {
  id: '01a20946-08de-7726-9c3b-de74a9922ae7',
  name: 'chelsea.png',
  kind: 'image',
  contentType: 'image/png',
  size: 240_000,
  sha256: 'ab',
  uploadedAt: '2026-11-23T16:38:34.512Z',
  chains: [['grayscale', 'blur']],
  status: 'complete',
  derivatives: [],
  failures: [{ chain: 'grayscale+blur', step: 1, effect: 'blur', reason: 'Image is truncated' }],
  classification: { labels: [{ label: 'Egyptian cat', score: 0.614 }, { label: 'tiger cat', score: 0.12 }], safeSearch: { neutral: 0.93, drawing: 0.05 } },
};

describe('renderStatus', () => {
  it('should say what classify saw and why an effect failed', () => {
    const text = renderStatus(view);
    expect(text).toContain('shows:    Egyptian cat 61 %, tiger cat 12 %\n');
    expect(text).toContain('safety:   neutral 93 %\n');
    expect(text).toContain('failed: grayscale+blur step 1 blur: Image is truncated');
  });

  it('should leave the classification lines out while there is none', () => {
    expect(renderStatus({ ...view, classification: null })).not.toMatch(/shows:|safety:/);
  });
});
