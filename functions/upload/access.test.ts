/**
 * The upload API's access rules in process: the optional API token on writes, the explicit CORS
 * allow-list, and the idle timeout for a body that stops arriving (a raw socket on loopback).
 */
import '../lib/http/streaming-bodies.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as functions from '@google-cloud/functions-framework';
import { functionApp } from '../lib/http/function-app.js';
import { bearerToken, tokenMatches } from '../lib/http/access.js';
import { listKeys } from '../lib/store/port.js';
import { makeImage } from '../../test/support/images.js';
import { stalledUpload } from '../../test/support/stalled-upload.js';
import { serveFunction, type ServedFunction } from '../../test/support/function-server.js';
import { createTestContext, type TestContext } from '../../test/support/function-context.js';
import { uploadRoutes } from './handler.js';

const TOKEN = 'test-token-0123456789abcdef';
let ctx: TestContext;
let served: ServedFunction;

functions.http('upload-access-under-test', functionApp({ name: 'upload', context: async () => ctx, routes: uploadRoutes }));

beforeAll(async () => {
  served = await serveFunction('upload-access-under-test');
});
afterAll(() => served.close());
afterEach(() => ctx?.cleanup());

async function useEnv(env: Record<string, string>) {
  ctx = await createTestContext({ K_SERVICE: 'upload', ...env });
}

async function upload(headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await makeImage())]), 'photo.jpg');
  const response = await fetch(`${served.url}/files`, { method: 'POST', body: form, headers });
  return { response, body: (await response.json()) as Record<string, string> };
}

describe('tokens', () => {
  it('should compare tokens exactly and read only well-formed bearer headers', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer  ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`Basic ${TOKEN}`)).toBeUndefined();
    expect(bearerToken('Bearer two words')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('API_TOKEN on the upload API', () => {
  it('should refuse an upload without the token with 401, WWW-Authenticate and nothing stored', async () => {
    await useEnv({ API_TOKEN: TOKEN });
    const { response, body } = await upload();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(body).toEqual({ code: 'E_UNAUTHORIZED', message: 'This request needs the API token: send it as "Authorization: Bearer <token>"' });
    expect(await listKeys(ctx.store, '')).toEqual([]);
    expect(ctx.bus.published).toEqual([]);
  });

  it('should refuse a wrong token without echoing it', async () => {
    await useEnv({ API_TOKEN: TOKEN });
    const { response, body } = await upload({ authorization: 'Bearer not-the-token-at-all' });
    expect(response.status).toBe(401);
    expect(body).toEqual({ code: 'E_UNAUTHORIZED', message: 'The API token in the Authorization header is not valid' });
    expect(await listKeys(ctx.store, '')).toEqual([]);
  });

  it('should accept the token for uploads and deletes, and keep reads open', async () => {
    await useEnv({ API_TOKEN: TOKEN });
    const { response, body } = await upload({ authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(201);
    const id = body['id']!;
    expect((await fetch(`${served.url}/files`)).status).toBe(200);
    expect((await fetch(`${served.url}/files/${id}`)).status).toBe(200);
    expect((await fetch(`${served.url}/files/${id}/content`)).status).toBe(200);
    const refused = await fetch(`${served.url}/files/${id}`, { method: 'DELETE' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect((await fetch(`${served.url}/files/${id}`)).status).toBe(200);
    const deleted = await fetch(`${served.url}/files/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(deleted.status).toBe(200);
  });

  it('should leave writes open when no token is configured', async () => {
    await useEnv({});
    expect((await upload()).response.status).toBe(201);
  });
});

describe('CORS_ORIGINS on the upload API', () => {
  it('should send no CORS headers by default (same-origin only), and always Vary: Origin', async () => {
    await useEnv({});
    const response = await fetch(`${served.url}/files`, { headers: { origin: 'https://other.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
    const preflight = await fetch(`${served.url}/files`, { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('should answer a listed origin, preflight included, and no other', async () => {
    await useEnv({ CORS_ORIGINS: 'https://app.example,http://localhost:5173' });
    const preflight = await fetch(`${served.url}/files/0190a7d2-3c4e-7a00-8000-000000000001`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, DELETE');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('vary')).toMatch(/Origin/);
    const listed = await upload({ origin: 'http://localhost:5173' });
    expect(listed.response.status).toBe(201);
    expect(listed.response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const unlisted = await fetch(`${served.url}/files`, { headers: { origin: 'https://app.example.evil' } });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('should refuse a malformed CORS_ORIGINS at start, naming the variable', async () => {
    await expect(createTestContext({ CORS_ORIGINS: 'app.example' })).rejects.toThrow(/CORS_ORIGINS: expected origins such as https:\/\/example.com, got "app.example"/);
    await useEnv({});
  });
});

describe('UPLOAD_IDLE_TIMEOUT', () => {
  it('should answer a stalled body with 408 after the idle timeout and store nothing', async () => {
    await useEnv({ UPLOAD_IDLE_TIMEOUT: '800ms' });
    const answer = await stalledUpload(served.url, '/files');
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      code: 'E_TIMEOUT',
      message: 'The upload body stopped arriving: no bytes for 0.8 s, so the upload was abandoned; nothing was stored',
    });
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(750);
    expect(answer.elapsedMs).toBeLessThan(10_000);
    expect(await listKeys(ctx.store, '')).toEqual([]);
    expect(ctx.bus.published).toEqual([]);
  });

  it('should refuse a zero or malformed timeout at start', async () => {
    await expect(createTestContext({ UPLOAD_IDLE_TIMEOUT: '0' })).rejects.toThrow(/UPLOAD_IDLE_TIMEOUT/);
    await expect(createTestContext({ UPLOAD_IDLE_TIMEOUT: 'never' })).rejects.toThrow(/UPLOAD_IDLE_TIMEOUT/);
    await useEnv({});
  });
});
