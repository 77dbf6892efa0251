import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseDuration } from './config.js';

describe('config', () => {
  it('should run the embedded mode with no env at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8080, STORE_DRIVER: 'fs', S3_BUCKET: 'files', UPLOAD_MAX_BYTES: 52428800, UPLOAD_WAIT_MAX: 30000 });
    expect(config.identity.service).toBe('local');
  });

  it('should take identity from the Knative contract', () => {
    const config = loadConfig({ K_SERVICE: 'blur', K_REVISION: 'blur-00002', HOSTNAME: 'blur-00002-deployment-abc' });
    expect(config.identity).toEqual({ service: 'blur', revision: 'blur-00002', instance: 'blur-00002-deployment-abc' });
  });

  it('should treat an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', UPLOAD_MAX_BYTES: '' }).PORT).toBe(8080);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ STORE_DRIVER: 's3' }, /STORE_DRIVER/],
    [{ S3_BUCKET: 'Bad_Bucket' }, /S3_BUCKET: must be a valid S3 bucket name/],
    [{ UPLOAD_WAIT_MAX: 'soon' }, /UPLOAD_WAIT_MAX: expected a duration/],
    [{ K_SINK: 'not a url' }, /K_SINK/],
    [{ BLUR_SIGMA_DEFAULT: '100' }, /BLUR_SIGMA_DEFAULT must lie between/],
  ])('should fail fast naming the variable for %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120000],
    ['700', 700],
    ['5 s', undefined],
    ['soon', undefined],
  ])('should read the duration %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
