/**
 * Hostile input against the running pipeline (embedded): every case gets an exact status and a
 * message that says what was wrong, bad images end as recorded failures (never retries, never
 * crashes), and every process still answers its health probe afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { makeImage, makePdf } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { gifWithFrames, jpegPdfPolyglot, pngClaiming, pngDeflateBomb, svgWithExternalReference } from './fixtures.js';

let pipeline: TestPipeline;
const MAX = 2 * 1024 * 1024;

beforeAll(async () => {
  pipeline = await startTestPipeline({ functionEnv: { UPLOAD_MAX_BYTES: String(MAX), IMAGE_MAX_FRAMES: '200' } });
});
afterAll(() => pipeline?.dispose());
afterEach(async () => {
  for (const [name, url] of Object.entries(pipeline.urls.services)) {
    const response = await fetch(`${url}/healthz`);
    expect(response.status, `${name} healthy`).toBe(200);
  }
  expect((await fetch(`${pipeline.urls.ingress}/healthz`)).status).toBe(200);
  expect(await pipeline.deadLetters()).toEqual([]);
});

function form(file: Buffer | undefined, name = 'file.bin', fields: Record<string, string> = {}, field = 'file'): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  if (file) body.append(field, new Blob([new Uint8Array(file)]), name);
  return body;
}

async function post(query: string, body: FormData | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${pipeline.urls.upload}/files${query}`, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

describe('uploads that are refused with a 4xx', () => {
  it.each([
    ['a zero-byte file', async () => form(Buffer.alloc(0)), '', 400, /^File is empty$/],
    ['no file at all', async () => form(undefined, '', { effects: 'blur' }), '', 400, /No file in the request/],
    ['the file in another field', async () => form(Buffer.from('x'), 'a.txt', {}, 'upload'), '', 400, /form field named "file" but received "upload"/],
    ['two files in one request', async () => { const f = form(Buffer.from('a'), 'a.txt'); f.append('file', new Blob(['b']), 'b.txt'); return f; }, '', 400, /one file per request/],
    ['a file over the limit', async () => form(Buffer.alloc(MAX + 1, 1)), '', 413, new RegExp(`larger than the limit of ${MAX} bytes`)],
    ['an unknown effect', async () => form(await makeImage()), '?effects=grayscale,sepia', 400, /Unknown effect "sepia"; known effects: blur, grayscale/],
    ['an effect name with markup', async () => form(await makeImage()), '?effects=%3Cscript%3E', 400, /Unknown effect "<script>"/],
    ['a chain of nine effects', async () => form(await makeImage()), `?effects=${Array(9).fill('blur').join(',')}`, 400, /At most 8 effects in one chain, got 9/],
    ['nine chains', async () => form(await makeImage()), `?${Array(9).fill('effects=blur').join('&')}`, 400, /At most 8 effect chains per upload, got 9/],
    ['a sigma that is not a number', async () => form(await makeImage()), '?sigma=abc', 400, /Expected a number between 0.3 and 50 for sigma but received "abc"/],
    ['a negative sigma', async () => form(await makeImage()), '?sigma=-1', 400, /for sigma but received "-1"/],
    ['a wait that is no duration', async () => form(await makeImage()), '?wait=forever', 400, /Expected a duration such as 5s or 500ms for wait/],
    ['too many form parts', async () => form(Buffer.from('x'), 'x', Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'v']))), '', 400, /Expected at most 20 form fields/],
    ['a form field of 5000 bytes', async () => form(Buffer.from('x'), 'x', { effects: 'b'.repeat(5000) }), '', 400, /Form field "effects" is longer than 4096 bytes/],
  ])('should refuse %s', async (_name, body, query, status, message) => {
    const before = (await pipeline.json(`${pipeline.urls.upload}/files`)).files.length;
    const response = await post(query, await body());
    expect(response.status).toBe(status);
    expect(response.body['message']).toMatch(message);
    expect((await pipeline.json(`${pipeline.urls.upload}/files`)).files.length).toBe(before);
  });

  it('should refuse a body that is not multipart, and a declared length far over the limit before reading it', async () => {
    expect(await post('', '{"file":"x"}', { 'content-type': 'application/json' })).toMatchObject({ status: 400, body: { code: 'E_INVALID_INPUT' } });
    const big = await fetch(`${pipeline.urls.upload}/files`, { method: 'POST', body: new Uint8Array(MAX * 2), headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    expect(big.status).toBe(413);
  });

  it('should refuse a multipart body with a broken boundary', async () => {
    const response = await post('', '--nope\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc', { 'content-type': 'multipart/form-data' });
    expect(response.status).toBe(400);
    expect(response.body['message']).toMatch(/multipart/i);
  });
});

describe('files that are stored but whose effects fail with a readable reason', () => {
  async function failureOf(file: Buffer, name: string, query = '?effects=blur') {
    const { status, body } = await post(`${query}&wait=30s`, form(file, name));
    expect(status).toBe(201);
    expect(body['status']).toBe('complete');
    return { body, reasons: (body['failures'] as { reason: string }[]).map((f) => f.reason) };
  }

  it.each([
    ['a truncated JPEG', async () => (await makeImage()).subarray(0, 2000), /truncated or corrupt/],
    ['a truncated PNG', async () => (await makeImage({ format: 'png' })).subarray(0, 3000), /truncated or corrupt|could not be decoded/],
    ['a PNG declaring 100000×100000 pixels', () => pngClaiming(100_000, 100_000), /pixel limit of 50000000/],
    ['a PNG deflate bomb (20000×10000)', async () => pngDeflateBomb(), /pixel limit of 50000000|truncated or corrupt/],
    ['a GIF with 1000 frames', () => gifWithFrames(1000), /Image has 1000 frames, more than the limit of 200/],
    ['JPEG magic bytes followed by garbage', async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(5000, 0x41)]), /truncated or corrupt|could not be decoded|Not a supported image format/],
  ])('should record %s as a failed effect', async (_name, file, reason) => {
    const { reasons, body } = await failureOf(await file(), 'hostile.img');
    expect(body['kind']).toBe('image');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(reason);
  });

  it('should classify a GIF with 150 frames (within the limit) and blur every frame', async () => {
    const { body } = await post('?effects=blur&wait=30s', form(await gifWithFrames(150), 'anim.gif'));
    expect(body['failures']).toEqual([]);
    expect(body['classification']).toMatchObject({ format: 'gif', frames: 150 });
  });
});

describe('files that lie about what they are', () => {
  it('should sniff a PDF named .jpg as a document and request no effects', async () => {
    const { body } = await post('?wait=30s', form(makePdf(1), 'holiday.jpg'));
    expect(body).toMatchObject({ kind: 'document', contentType: 'application/pdf', effects: [] });
  });

  it('should treat text named .png as other', async () => {
    const { body } = await post('?wait=30s', form(Buffer.from('not an image at all\n'), 'icon.png'));
    expect(body).toMatchObject({ kind: 'other', effects: [] });
  });

  it('should process a JPEG+PDF polyglot as the JPEG its magic bytes say', async () => {
    const { body } = await post('?effects=grayscale&wait=30s', form(await jpegPdfPolyglot(), 'poly.pdf'));
    expect(body).toMatchObject({ kind: 'image', contentType: 'image/jpeg', applied_effects: ['grayscale'] });
  });

  it('should never serve an SVG inline: it is stored as text, sent as an attachment with nosniff', async () => {
    const { body } = await post('?wait=30s', form(svgWithExternalReference, 'logo.svg'));
    expect(body['kind']).toBe('other');
    const response = await fetch(`${pipeline.urls.upload}/files/${body['id']}/content`);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-type')).not.toMatch(/svg|html/);
  });

  it('should keep a hostile file name as metadata only: no path, bounded length', async () => {
    const { body } = await post('', form(Buffer.from('x'), `..\\..\\etc/passwd${'n'.repeat(600)}`));
    expect(body['name']).toBe(`passwd${'n'.repeat(249)}`);
    expect(body['links'].self).toBe(`/files/${body['id']}`);
  });

  it('should refuse a file name with a NUL byte as a malformed part', async () => {
    const response = await post('', form(Buffer.from('x'), 'a\u0000b.jpg'));
    expect(response).toMatchObject({ status: 400, body: { message: 'Malformed multipart body: Malformed part header' } });
  });
});

describe('requests for files that are not there or not allowed', () => {
  it.each([
    ['GET', '/files/..%2F..%2Fetc%2Fpasswd', 400],
    ['GET', '/files/not-a-uuid/content', 400],
    ['GET', '/files/0190a7d2-3c4e-7a00-8000-00000000dead', 404],
    ['DELETE', '/files/0190a7d2-3c4e-7a00-8000-00000000dead', 404],
    ['GET', '/files/0190a7d2-3c4e-7a00-8000-00000000dead/derived/..%2F..%2Foriginals%2Fx', 404],
    ['GET', '/files?limit=0', 400],
    ['GET', '/files?limit=many', 400],
    ['PUT', '/files', 405],
  ])('should answer %s %s with %i', async (method, path, status) => {
    const response = await fetch(`${pipeline.urls.upload}${path}`, { method });
    expect(response.status).toBe(status);
  });
});

describe('events that are malformed, oversized or unknown', () => {
  const send = (url: string, headers: Record<string, string>, body: string) => fetch(url, { method: 'POST', headers, body });
  const binary = (event: CloudEvent<unknown>) => HTTP.binary(event) as { headers: Record<string, string>; body: string };

  it.each([
    ['no ce-id', { 'ce-specversion': '1.0', 'ce-type': 't', 'ce-source': '/s', 'content-type': 'application/json' }, '{}'],
    ['no ce-source', { 'ce-specversion': '1.0', 'ce-type': 't', 'ce-id': '1', 'content-type': 'application/json' }, '{}'],
    ['a wrong specversion', { 'ce-specversion': '0.1', 'ce-type': 't', 'ce-id': '1', 'ce-source': '/s' }, '{}'],
    ['a batch', { 'content-type': 'application/cloudevents-batch+json' }, '[{"specversion":"1.0","id":"1","type":"t","source":"/s"}]'],
    ['structured JSON that does not parse', { 'content-type': 'application/cloudevents+json' }, '{"specversion":'],
  ])('should answer 400 at the broker ingress for %s', async (_name, headers, body) => {
    expect((await send(pipeline.urls.broker, headers, body)).status).toBe(400);
  });

  it('should answer 413 at the ingress for an event over 1 MiB', async () => {
    const message = binary(new CloudEvent({ type: 't', source: '/s', id: 'big', data: 'x'.repeat(1024 * 1024) }));
    expect((await send(pipeline.urls.broker, message.headers, message.body)).status).toBe(413);
  });

  it.each([
    ['an unknown type', new CloudEvent({ type: 'pipeline.nonsense', source: '/s', id: '1', data: {} }), /Expected one of pipeline.effect.requested for type but received "pipeline.nonsense"/],
    ['an unknown effect in the chain', new CloudEvent({ type: 'pipeline.effect.requested', source: '/s', id: '2', effect: 'blur', data: { id: '0190a7d2-3c4e-7a00-8000-000000000001', sourceKey: 'originals/x', chain: ['sepia'], step: 0 } }), /chain\.0: Invalid option/],
    ['a step outside its chain', new CloudEvent({ type: 'pipeline.effect.requested', source: '/s', id: '3', effect: 'blur', data: { id: '0190a7d2-3c4e-7a00-8000-000000000001', sourceKey: 'originals/x', chain: ['blur'], step: 4 } }), /step must index into chain/],
    ['data that is not JSON', new CloudEvent({ type: 'pipeline.effect.requested', source: '/s', id: '4', datacontenttype: 'application/octet-stream', data: Buffer.from([1, 2, 3]) }), /Expected JSON data/],
  ])('should answer 400 from blur for %s', async (_name, event, message) => {
    const sent = binary(event as CloudEvent<unknown>);
    const response = await send(pipeline.urls.services['blur']!, sent.headers, sent.body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  it('should give the same answer to a duplicate event id, with one result', async () => {
    const { body } = await post('?effects=none&wait=30s', form(await makeImage(), 'dup.jpg'));
    const event = new CloudEvent({ type: 'pipeline.effect.requested', source: '/upload', id: `${body['id']}:blur:0`, effect: 'blur', data: { id: body['id'], sourceKey: `originals/${body['id']}`, chain: ['blur'], step: 0 } });
    const sent = binary(event);
    const [a, b] = await Promise.all([send(pipeline.urls.services['blur']!, sent.headers, sent.body), send(pipeline.urls.services['blur']!, sent.headers, sent.body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers.get('ce-id')).toBe(b.headers.get('ce-id'));
    const view = await pipeline.json(`${pipeline.urls.upload}/files/${body['id']}`);
    expect(view.derivatives).toHaveLength(1);
  });
});
