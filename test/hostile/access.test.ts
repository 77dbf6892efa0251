/**
 * The access rules on the running pipeline (embedded mode, functions in their own processes,
 * behind the activator): a stalled upload body is answered 408 after UPLOAD_IDLE_TIMEOUT and
 * leaves nothing; with the runtime's apiToken, writes need the bearer token (reads stay open),
 * the Kubernetes API view needs it too, and the real `kn` keeps working through the kubeconfig
 * the runtime writes; CORS_ORIGINS decides cross-origin access for upload and stats alike.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ensureKn } from '../../local/infra/kn.js';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { stalledUpload } from '../support/stalled-upload.js';

const TOKEN = `tok-${'0123456789abcdef'.repeat(2)}`;
const ORIGIN = 'https://dashboard.example';
let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    models: false,
    apiToken: TOKEN,
    functionEnv: { UPLOAD_IDLE_TIMEOUT: '1s', CORS_ORIGINS: ORIGIN },
  });
}, 120_000);
afterAll(async () => {
  await pipeline?.dispose();
});

/** A GET on the https API view, trusting only its own certificate. */
function kubeGet(path: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${pipeline.urls.kube}${path}`, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await makeImage())]), 'photo.jpg');
  const response = await fetch(`${pipeline.urls.upload}/files?effects=none`, { method: 'POST', body: form, headers });
  return { response, body: (await response.json()) as Record<string, string> };
}

describe('a slow client', () => {
  it('should get 408 with a JSON message after UPLOAD_IDLE_TIMEOUT of silence, and nothing is stored', async () => {
    const answer = await stalledUpload(pipeline.urls.upload, '/files', { authorization: `Bearer ${TOKEN}` });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      code: 'E_TIMEOUT',
      message: 'The upload body stopped arriving: no bytes for 1 s, so the upload was abandoned; nothing was stored',
    });
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(950);
    expect(answer.elapsedMs).toBeLessThan(15_000);
    expect((await pipeline.json(`${pipeline.urls.upload}/files`)).files).toEqual([]);
  }, 60_000);
});

describe('API_TOKEN', () => {
  it('should refuse writes without the token with 401 and WWW-Authenticate, and keep reads open', async () => {
    const refused = await post();
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(refused.body['code']).toBe('E_UNAUTHORIZED');
    expect((await pipeline.json(`${pipeline.urls.upload}/files`)).files).toEqual([]);

    const created = await post({ authorization: `Bearer ${TOKEN}` });
    expect(created.response.status).toBe(201);
    const id = created.body['id']!;
    expect((await fetch(`${pipeline.urls.upload}/files/${id}`)).status).toBe(200);
    expect((await fetch(`${pipeline.urls.upload}/stats`)).status).toBe(200);
    const deleteRefused = await fetch(`${pipeline.urls.upload}/files/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    expect(deleteRefused.status).toBe(401);
    const deleted = await fetch(`${pipeline.urls.upload}/files/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(deleted.status).toBe(200);
  });

  it('should guard the Kubernetes API view (https) with the same token and put both in the kubeconfig', async () => {
    expect(pipeline.urls.kube).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const kubeconfig = parseYaml(await readFile(pipeline.kubeconfig!, 'utf8'));
    expect(kubeconfig.users[0].user).toEqual({ token: TOKEN });
    const ca = Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
    const services = `/apis/serving.knative.dev/v1/namespaces/${pipeline.namespace}/services`;
    const anonymous = await kubeGet(services, ca);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await kubeGet('/api', ca, 'wrong-token')).status).toBe(401);
    const allowed = await kubeGet(services, ca, TOKEN);
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body).items).toHaveLength(5);
  });

  it('should let the real kn list services through the kubeconfig, and fail without the token', async () => {
    const kn = await ensureKn();
    const run = (kubeconfig: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
        execFile(kn, ['--kubeconfig', kubeconfig, 'service', 'list'], { env: { ...process.env, KUBECONFIG: '' }, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') return reject(error);
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        });
      });
    const listed = await run(pipeline.kubeconfig!);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    for (const name of ['blur', 'classify', 'grayscale', 'stats', 'upload']) expect(listed.stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    // The same kubeconfig without its token is refused by the view.
    const config = parseYaml(await readFile(pipeline.kubeconfig!, 'utf8'));
    config.users[0].user = {};
    const anonymous = `${pipeline.kubeconfig}.anonymous`;
    await writeFile(anonymous, stringifyYaml(config), { mode: 0o600 });
    const refused = await run(anonymous);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toMatch(/Unauthorized|unauthorized|401/);
  }, 120_000);
});

describe('the runtime admin API with a token', () => {
  it('should refuse dead-letter listing and replay without the token, and serve them with it', async () => {
    const anonymous = await fetch(`${pipeline.urls.ingress}/-/dead-letters/replay`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${pipeline.urls.ingress}/-/status`)).status).toBe(401);
    const authorized = await fetch(`${pipeline.urls.ingress}/-/status`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(authorized.status).toBe(200);
    expect(((await authorized.json()) as { services: unknown[] }).services).toHaveLength(5);
  });
});

describe('CORS_ORIGINS', () => {
  it('should allow the listed origin on upload and on stats (proxied and direct), and no other', async () => {
    const preflight = await fetch(`${pipeline.urls.upload}/files`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, GET, HEAD');
    for (const url of [`${pipeline.urls.upload}/stats`, `${pipeline.urls.services['stats']}/stats`, `${pipeline.urls.upload}/files`]) {
      const listed = await fetch(url, { headers: { origin: ORIGIN } });
      expect(listed.headers.get('access-control-allow-origin'), url).toBe(ORIGIN);
      expect(listed.headers.get('vary'), url).toMatch(/Origin/);
      const other = await fetch(url, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin'), url).toBeNull();
    }
  });

  it('should never write the token into a log line', () => {
    expect(pipeline.logs.length).toBeGreaterThan(0);
    expect(pipeline.logs.filter((line) => line.includes(TOKEN))).toEqual([]);
  });
});
