import { describe, expect, it } from 'vitest';
import type { FileResult } from './file-result.js';
import { renderSummary, renderTable } from './summary-table.js';

const photo: FileResult = {
  file: 'photos/cat.jpg',
  ok: true,
  id: '0190a0b0-0000-7000-8000-000000000001',
  kind: 'image',
  size: 2048,
  effects: [['grayscale', 'blur']],
  appliedEffects: ['grayscale+blur'],
  processedBy: [
    { chain: 'grayscale+blur', step: 0, effect: 'grayscale', function: 'grayscale', revision: 'grayscale-00001', instance: 'grayscale-1' },
    { chain: 'grayscale+blur', step: 1, effect: 'blur', function: 'blur', revision: 'blur-00001', instance: 'blur-2' },
  ],
  failures: [],
  timeMs: 1530,
};
const heic: FileResult = {
  file: 'cat.heic',
  ok: false,
  error: 'effect blur failed: HEIC is not supported',
  id: '0190a0b0-0000-7000-8000-000000000002',
  kind: 'image',
  size: 5 * 1024 * 1024,
  effects: [['blur']],
  appliedEffects: [],
  failures: [{ chain: 'blur', step: 0, effect: 'blur', reason: 'HEIC is not supported' }],
  timeMs: 400,
};

describe('renderTable', () => {
  it('should pad columns to the widest cell and right-align the numeric ones', () => {
    expect(renderTable(['name', 'size'], [['a', '1 B'], ['longer', '10 KiB']], [1])).toBe(
      ['name      size', '------  ------', 'a          1 B', 'longer  10 KiB'].join('\n'),
    );
  });
});

describe('renderSummary', () => {
  it('should list requested chains without --wait', () => {
    const text = renderSummary([{ ...photo, appliedEffects: undefined, processedBy: undefined } as FileResult], false);
    expect(text).toContain('grayscale+blur');
    expect(text).not.toContain(' ok,');
    expect(text).not.toContain('blur-00001');
    expect(text).toMatch(/1 of 1 file\(s\) ok/);
  });

  it('should show applied chains, who ran each step, and failures when waiting', () => {
    const text = renderSummary([photo, heic], true);
    const [header, rule, first, second] = text.split('\n');
    expect(header).toMatch(/^file\s+id\s+kind\s+effects\s+size\s+time\s+status$/);
    expect(rule).toMatch(/^-+( +-+){6}$/);
    expect(first).toMatch(/photos\/cat\.jpg .* image .*grayscale\+blur ok .*2\.0 KiB .*1\.5s .*ok$/);
    expect(second).toMatch(/cat\.heic .*blur FAILED .*5\.0 MiB .*FAILED$/);
    expect(text).toContain('grayscale+blur step 1 blur: blur blur-00001 on blur-2');
    expect(text).toContain('blur step 0 blur failed: HEIC is not supported');
    expect(text).toMatch(/1 of 2 file\(s\) ok/);
  });

  it('should show a file that never reached the server with dashes and its error', () => {
    const text = renderSummary([{ file: 'missing.jpg', ok: false, error: 'no such file', timeMs: 1 }], false);
    expect(text).toMatch(/missing\.jpg\s+-\s+-\s+-\s+-\s+1ms\s+FAILED/);
    expect(text).toContain('error: no such file');
  });
});
