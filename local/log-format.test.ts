import { describe, expect, it } from 'vitest';
import { formatInstanceLine } from './log-format.js';

describe('function log lines in the runtime output', () => {
  it('should turn a pino line into one readable line', () => {
    const line = JSON.stringify({ level: 30, msg: 'event handled', type: 'pipeline.file.uploaded', id: 'x:uploaded', outcome: 'acked', ms: 4 });
    expect(formatInstanceLine(line, 'stats-00001-deployment-abc')).toBe('[stats-00001-deployment-abc] INFO  event handled type=pipeline.file.uploaded id=x:uploaded outcome=acked ms=4');
  });

  it('should mark warnings and errors, hide debug unless verbose, and pass other text through', () => {
    expect(formatInstanceLine(JSON.stringify({ level: 50, msg: 'boom' }), 'i')).toBe('[i] ERROR boom');
    expect(formatInstanceLine(JSON.stringify({ level: 40, msg: 'hm' }), 'i')).toBe('[i] WARN  hm');
    expect(formatInstanceLine(JSON.stringify({ level: 20, msg: 'detail' }), 'i')).toBeUndefined();
    expect(formatInstanceLine(JSON.stringify({ level: 20, msg: 'detail' }), 'i', true)).toBe('[i] DEBUG detail');
    expect(formatInstanceLine('plain text', 'i')).toBe('[i] plain text');
  });
});
