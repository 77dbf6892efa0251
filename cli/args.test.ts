import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseCommand, parseDuration, UsageError, type UploadOptions } from './args.js';

const upload = (argv: string[], env: NodeJS.ProcessEnv = {}): UploadOptions => {
  const command = parseCommand(['upload', ...argv], env);
  if (command.name !== 'upload') throw new Error(`expected upload, got ${command.name}`);
  return command.options;
};

describe('parseCommand', () => {
  describe('upload', () => {
    it('should take files with the documented defaults', () => {
      expect(upload(['a.jpg', 'b.jpg'])).toEqual({
        url: DEFAULT_URL,
        token: undefined,
        json: false,
        files: ['a.jpg', 'b.jpg'],
        effects: [],
        sigma: undefined,
        waitMs: undefined,
        concurrency: 4,
        direct: undefined,
      });
    });

    it('should read the URL and token from the environment, flags winning', () => {
      const env = { PIPELINE_URL: 'http://pipe:9000', PIPELINE_TOKEN: 'secret-token-123' };
      expect(upload(['a'], env)).toMatchObject({ url: 'http://pipe:9000', token: 'secret-token-123' });
      expect(upload(['a', '--url', 'http://other:1', '--token', 't'], env)).toMatchObject({ url: 'http://other:1', token: 't' });
      expect(upload(['a'], { PIPELINE_URL: '', PIPELINE_TOKEN: '' })).toMatchObject({ url: DEFAULT_URL, token: undefined });
    });

    it.each([
      [['--wait'], 60_000, ['a.jpg']],
      [['--wait', '30s'], 30_000, ['a.jpg']],
      [['--wait=2m'], 120_000, ['a.jpg']],
      [['--wait', '500ms'], 500, ['a.jpg']],
    ])('should read %j as a wait of %i ms', (flags, waitMs, files) => {
      expect(upload(['a.jpg', ...flags])).toMatchObject({ waitMs, files });
    });

    it('should not take a file that follows --wait for its duration', () => {
      expect(upload(['--wait', 'a.jpg', 'b.jpg'])).toMatchObject({ waitMs: 60_000, files: ['a.jpg', 'b.jpg'] });
    });

    it('should keep each --effects as one chain, lower-cased', () => {
      expect(upload(['a', '--effects', 'grayscale,blur', '--effects', 'BLUR']).effects).toEqual(['grayscale,blur', 'blur']);
      expect(upload(['a', '--effects', 'none']).effects).toEqual(['none']);
    });

    it('should force the path with --direct or --no-direct', () => {
      expect(upload(['a', '--direct']).direct).toBe(true);
      expect(upload(['a', '--no-direct']).direct).toBe(false);
    });

    it.each([
      [['a', '--bogus'], /Unknown option '--bogus'/],
      [[], /No files to upload/],
      [['a', '--effects', 'grayscale,'], /Expected a chain such as grayscale,blur for --effects but received "grayscale,"/],
      [['a', '--sigma', 'soft'], /Expected a positive number for --sigma but received "soft"/],
      [['a', '--concurrency', '0'], /Expected an integer from 1 to 64 for --concurrency/],
      [['a', '--wait=soon'], /Expected a duration such as 30s or 2m for --wait but received "soon"/],
      [['a', '--url', 'not a url'], /Expected an http\(s\) URL for --url/],
      [['a', '--direct', '--no-direct'], /contradict/],
    ])('should refuse %j as a usage error', (argv, message) => {
      expect(() => parseCommand(['upload', ...argv], {})).toThrow(UsageError);
      expect(() => parseCommand(['upload', ...argv], {})).toThrow(message);
    });
  });

  describe('status and help', () => {
    it('should take exactly one id', () => {
      expect(parseCommand(['status', 'abc', '--json'], {})).toMatchObject({ name: 'status', options: { id: 'abc', json: true } });
      expect(() => parseCommand(['status'], {})).toThrow(/exactly one file id/);
    });

    it('should give help per command', () => {
      expect(parseCommand([], {})).toEqual({ name: 'help', topic: 'main' });
      expect(parseCommand(['upload', '--help'], {})).toEqual({ name: 'help', topic: 'upload' });
      expect(parseCommand(['status', '-h'], {})).toEqual({ name: 'help', topic: 'status' });
      expect(() => parseCommand(['download'], {})).toThrow(/Unknown command "download"/);
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['250', 250],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['soon', undefined],
  ])('should read %s as %s ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
