import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressReporter, renderBar } from './progress.js';

function capture(tty: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns: 120 });
  return { stream, text: () => text };
}

describe('renderBar', () => {
  it('should show the fraction sent, the bytes and the rate', () => {
    const line = renderBar({ label: 'video.mp4', total: 4 * 1024 * 1024, sent: 1024 * 1024, state: 'direct', startedAt: 0 }, 1000);
    expect(line).toMatch(/^video\.mp4 +\[######\.{18}\]  25% 1\.0 MiB\/4\.0 MiB 1\.0 MiB\/s direct$/);
  });
});

describe('ProgressReporter', () => {
  it('should write one line per file event when not on a terminal', () => {
    const out = capture(false);
    const reporter = new ProgressReporter(out.stream);
    const file = reporter.start('a.jpg', 2048, 'form');
    file.sent(2048);
    file.note('waiting for the pipeline');
    file.finish('done');
    reporter.close();
    expect(out.text().split('\n')).toEqual([
      'a.jpg: uploading 2.0 KiB (form)',
      'a.jpg: waiting for the pipeline',
      expect.stringMatching(/^a\.jpg: done \(2\.0 KiB in \d+ms\)$/),
      '',
    ]);
  });

  it('should redraw every bar in place on a terminal', () => {
    const out = capture(true);
    const reporter = new ProgressReporter(out.stream);
    const first = reporter.start('a.bin', 100, 'direct');
    reporter.start('b.bin', 100, 'direct');
    first.note('retrying');
    first.finish('done');
    reporter.close();
    // Each redraw after the first moves up over the bars drawn before (CSI n F) and clears each line.
    expect(out.text()).toContain('\x1b[2F\x1b[2K');
    expect(out.text()).toMatch(/a\.bin +\[\.+\] +0% .* done\n\x1b\[2Kb\.bin/);
  });
});
