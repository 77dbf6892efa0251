import '../lib/http/streaming-bodies.js';
import { Script } from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { functionApp } from '../lib/http/function-app.js';
import { serveFunction, type ServedFunction } from '../../test/support/function-server.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { uploadRoutes } from './handler.js';
import { PAGE_CSP, pageAssets, pageCsp } from './page.js';

let ctx: TestContext;
let served: ServedFunction;
let base: string;

functions.http('page-under-test', functionApp({ name: 'upload', context: async () => ctx, routes: uploadRoutes }));

beforeAll(async () => {
  served = await serveFunction('page-under-test');
  base = served.url;
});
afterAll(() => served.close());
beforeEach(async () => {
  ctx = await createTestContext({ K_SERVICE: 'upload', UPLOAD_MAX_BYTES: '1048576', BLUR_SIGMA_DEFAULT: '6' });
});
afterEach(() => ctx.cleanup());

describe('the web page', () => {
  it('should serve the page with a self-only CSP, uncached, with the service limits for the script', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(PAGE_CSP).toMatch(/default-src 'none'/);
    expect(PAGE_CSP).not.toMatch(/unsafe|https?:|\*/);
    const html = await response.text();
    expect(html).toContain('data-max-bytes="1048576"');
    expect(html).toContain('data-sigma-default="6"');
    for (const asset of Object.values(pageAssets)) expect(html).toContain(asset.path);
    // Nothing inline that the CSP would refuse, and nothing from elsewhere.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('should let the page reach the store only when the store signs the direct-upload URLs', () => {
    expect(pageCsp({ STORE_DRIVER: 'fs', S3_ENDPOINT: 'http://127.0.0.1:19000' })).toBe(PAGE_CSP);
    const minio = pageCsp({ STORE_DRIVER: 'minio', S3_ENDPOINT: 'http://127.0.0.1:19000/', S3_PUBLIC_ENDPOINT: 'https://files.example.org/s3' });
    expect(minio).toContain("connect-src 'self' https://files.example.org;");
    expect(minio.replace('connect-src', '')).not.toMatch(/connect-src/);
    expect(pageCsp({ STORE_DRIVER: 'minio', S3_ENDPOINT: 'http://127.0.0.1:19000' })).toContain("connect-src 'self' http://127.0.0.1:19000;");
  });

  it('should serve the assets under content-hashed names, cached for good, and 304 on revalidation', async () => {
    for (const asset of Object.values(pageAssets)) {
      const response = await fetch(base + asset.path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(asset.contentType);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await response.arrayBuffer()).equals(asset.body)).toBe(true);
      const again = await fetch(base + asset.path, { headers: { 'if-none-match': asset.etag } });
      expect(again.status).toBe(304);
    }
    const stale = await fetch(`${base}/assets/app.000000000000.js`);
    expect(stale.status).toBe(404);
    expect(((await stale.json()) as { message: string }).message).toMatch(/reload/);
  });

  it('should ship a script that parses, uses only this origin, and never inserts user data as HTML', () => {
    const script = pageAssets.js.body.toString('utf8');
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(script).not.toMatch(/\beval\(|new Function|document\.write/);
    // The only innerHTML is the icon helper's, fed constant path strings.
    expect(script.match(/innerHTML/g)).toHaveLength(1);
    const css = pageAssets.css.body.toString('utf8');
    expect(css).not.toMatch(/@import|url\(/);
  });
});
