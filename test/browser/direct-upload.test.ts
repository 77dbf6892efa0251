/**
 * The page sends large files straight to storage (POST /uploads, signed part URLs, complete), in
 * Debian's Chromium driven by playwright-core. Embedded mode: the parts go to upload's own signed
 * URLs (the fs store cannot presign); real mode: to MinIO itself, on another origin, so CORS and the
 * page's CSP must both let them through. Every wait is for a condition; screenshots go to
 * test-artifacts/direct-*.png.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page, type Request, type Route } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../local/infra/chromium.js';
import sharp from 'sharp';
import { ensurePhotos } from '../support/photos.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { ARTIFACTS, recordJobStates, shoot } from '../support/screenshots.js';
import type { Mode } from '../../local/runtime.js';

const WAIT = { timeout: 60_000 };
const MiB = 1024 * 1024;
const THRESHOLD = 1 * MiB;
const PART_SIZE = 5 * MiB;
const BIG_SIZE = 12 * MiB;
const PARTS = Math.ceil(BIG_SIZE / PART_SIZE);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const byNumber = (a: number, b: number) => a - b;
/** Where the page PUTs bytes: upload's own signed URL, or a presigned S3 URL. */
const directUrl = (url: URL) => url.pathname === '/uploads/direct' || url.searchParams.has('X-Amz-Signature');

/** A PUT of a direct upload: to upload's own signed URL (embedded) or a presigned S3 URL (real). */
function isDirectPut(request: Request): boolean {
  if (request.method() !== 'PUT') return false;
  const url = new URL(request.url());
  return url.pathname === '/uploads/direct' || url.searchParams.has('X-Amz-Signature');
}

/** The part a PUT carries (0 for a single PUT): S3's partNumber, or the part key inside upload's signed grant. */
function partNumberOf(request: Request): number {
  return partNumberOfUrl(new URL(request.url()));
}

function partNumberOfUrl(url: URL): number {
  const partNumber = url.searchParams.get('partNumber');
  if (partNumber) return Number(partNumber);
  const token = url.searchParams.get('token');
  if (!token) return 0;
  const grant = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { key: string };
  return Number(/part-(\d+)$/.exec(grant.key)?.[1] ?? 0);
}

interface Session {
  pipeline: TestPipeline;
  browser: Browser;
  page: Page;
  problems: string[];
  /** Every direct-upload PUT the page sent, by part number, since the last reset. */
  puts: number[];
}

async function open(mode: Mode): Promise<Session> {
  const executablePath = await ensureChromium();
  const pipeline = await startTestPipeline({
    mode,
    models: false,
    functionEnv: { DIRECT_UPLOAD_THRESHOLD: String(THRESHOLD), DIRECT_UPLOAD_PART_SIZE: String(PART_SIZE) },
  });
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-GB' });
  const page = await context.newPage();
  const session: Session = { pipeline, browser, page, problems: [], puts: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') session.problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => session.problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (isDirectPut(request)) session.puts.push(partNumberOf(request));
  });
  return session;
}

async function fileIdOf(page: Page, name: string): Promise<string> {
  const card = page.getByRole('article', { name });
  await card.waitFor(WAIT);
  return (await card.getAttribute('id'))!.slice('file-'.length);
}

async function contentOf(pipeline: TestPipeline, id: string): Promise<Buffer> {
  const response = await fetch(`${pipeline.urls.upload}/files/${id}/content`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** Uploads a 12 MiB file through the page and checks it arrived whole, in PARTS parts. */
async function uploadBigFile(session: Session, path: string, bytes: Buffer, screenshot?: string): Promise<void> {
  const { page, pipeline } = session;
  const name = path.split('/').pop()!;
  session.puts.length = 0;
  await recordJobStates(page);
  // Slowed down (Chromium's own network throttling, not request interception, which stalls a
  // large intercepted body now and then) so that the half-way state can be put on screen.
  const cdp = screenshot ? await page.context().newCDPSession(page) : undefined;
  await cdp?.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024 });
  await page.locator('#file-input').setInputFiles(path);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const job = page.locator('.job', { hasText: name });
  if (screenshot) {
    await job.getByRole('button', { name: `Cancel upload of ${name}` }).waitFor(WAIT);
    await expect.poll(() => job.locator('progress').getAttribute('value').then(Number), WAIT).toBeGreaterThanOrEqual(60);
    await shoot(page, screenshot);
    await cdp?.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  const card = page.getByRole('article', { name });
  await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('complete');
  expect(await job.locator('progress').getAttribute('value')).toBe('100');
  expect(await job.locator('.job-state').textContent()).toBe('Done');
  const states = (await page.evaluate(() => (globalThis as any).jobStates)) as string[];
  expect(states.some((s) => /^Uploading \d+%$/.test(s))).toBe(true);
  expect(states).toContain('Processing…');
  expect(session.puts.sort(byNumber)).toEqual(Array.from({ length: PARTS }, (_, i) => i + 1));

  const id = await fileIdOf(page, name);
  expect(sha256(await contentOf(pipeline, id))).toBe(sha256(bytes));
  const view = await pipeline.json(`${pipeline.urls.upload}/files/${id}`);
  expect(view.size).toBe(bytes.length);
  expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads'))).toBe('[]');
}

let dir: string;
let big: { path: string; bytes: Buffer };

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'direct-upload-'));
  const bytes = randomBytes(BIG_SIZE);
  big = { path: join(dir, 'big.bin'), bytes };
  await writeFile(big.path, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the page sending large files straight to storage (embedded)', () => {
  let session: Session;

  beforeAll(async () => {
    session = await open('embedded');
    await session.page.goto(session.pipeline.urls.upload);
  }, 900_000);
  afterAll(async () => {
    await session?.browser.close();
    await session?.pipeline.dispose();
  });

  it('should send a 12 MiB file in parts with one progress bar, and the gallery shows it with the same bytes', async () => {
    const info = await session.pipeline.json(`${session.pipeline.urls.upload}/uploads`);
    expect(info).toMatchObject({ directThreshold: THRESHOLD, partSize: PART_SIZE, signedBy: 'upload' });
    await uploadBigFile(session, big.path, big.bytes, 'direct-01-progress');
    await shoot(session.page, 'direct-02-done', true);
  });

  it('should resume after the network failed and the page was reloaded, sending only the missing parts', async () => {
    const { page, pipeline } = session;
    const path = join(dir, 'resumable.bin');
    const bytes = randomBytes(BIG_SIZE);
    await writeFile(path, bytes);
    // Part 1 gets through; every request for another part fails, retries included. Only those
    // are intercepted: Playwright now and then stalls a large intercepted body it continues.
    const laterPart = (url: URL) => directUrl(url) && partNumberOfUrl(url) > 1;
    const cut = (route: Route) => route.abort('connectionfailed');
    await page.route(laterPart, cut);
    await page.locator('#file-input').setInputFiles(path);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const job = page.locator('.job', { hasText: 'resumable.bin' });
    await job.locator('.job-state', { hasText: 'Interrupted' }).waitFor(WAIT);
    expect(await job.locator('.job-note').textContent()).toMatch(/network error.*Resume sends only the missing parts/);
    expect(await page.locator('#form-message').textContent()).toMatch(/interrupted; resume in Activity/);
    await page.unroute(laterPart, cut);
    await shoot(page, 'direct-03-interrupted');

    const saved = JSON.parse((await page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads'))) as string);
    expect(saved).toEqual([{ id: expect.any(String), name: 'resumable.bin', size: BIG_SIZE, lastModified: expect.any(Number) }]);
    // Wait until the one part that got through is listed (its PUT may still be finishing).
    const missing = async () => ((await pipeline.json(`${pipeline.urls.upload}/uploads/${saved[0].id}`)).parts as { partNumber: number }[]).map((p) => p.partNumber);
    await expect.poll(() => missing().then((m) => m.length), WAIT).toBe(PARTS - 1);
    const expected = await missing();

    await page.reload();
    const restored = page.locator('.job', { hasText: 'resumable.bin' });
    await restored.locator('.job-state', { hasText: 'Interrupted' }).waitFor(WAIT);
    expect(await restored.locator('progress').getAttribute('value')).toBe(String(Math.floor((100 * PART_SIZE) / BIG_SIZE)));
    expect(await restored.locator('.job-note').textContent()).toMatch(/Resume asks for the same file again and sends only the missing parts/);
    const resumeButton = restored.getByRole('button', { name: 'Resume upload of resumable.bin' });
    await shoot(page, 'direct-04-resume-prompt');

    // Another file is refused, in words.
    const other = join(dir, 'other.bin');
    await writeFile(other, randomBytes(1000));
    let [chooser] = await Promise.all([page.waitForEvent('filechooser'), resumeButton.click()]);
    await chooser.setFiles(other);
    await expect.poll(() => restored.locator('.job-note').textContent(), WAIT).toMatch(/^That is not the same file\. Choose resumable\.bin \(12\.6 MB/);

    session.puts.length = 0;
    [chooser] = await Promise.all([page.waitForEvent('filechooser'), resumeButton.click()]);
    await chooser.setFiles(path);
    const card = page.getByRole('article', { name: 'resumable.bin' });
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('complete');
    expect(session.puts.sort(byNumber)).toEqual(expected);
    expect(await restored.locator('.job-state').textContent()).toBe('Done');
    expect(await restored.locator('progress').getAttribute('value')).toBe('100');
    const id = await fileIdOf(page, 'resumable.bin');
    expect(id).toBe(saved[0].id);
    expect(sha256(await contentOf(pipeline, id))).toBe(sha256(bytes));
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads'))).toBe('[]');
  });

  it('should give a large photo sent straight to storage its blur and grayscale copies', async () => {
    const { page, pipeline } = session;
    // A real photo (scikit-image's coffee) at 3000 × 2000, high-quality JPEG: about 1.4 MB.
    const photos = await ensurePhotos();
    const photo = await sharp(photos['coffee.png']).resize(3000, 2000, { fit: 'cover' }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
    expect(photo.length).toBeGreaterThan(THRESHOLD);
    expect(photo.length).toBeLessThan(PART_SIZE);
    const path = join(dir, 'large-photo.jpg');
    await writeFile(path, photo);
    session.puts.length = 0;
    await page.getByRole('group', { name: 'Effects for photos' }).getByText('Default', { exact: true }).click();
    await page.locator('#file-input').setInputFiles(path);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const card = page.getByRole('article', { name: 'large-photo.jpg' });
    await expect.poll(() => card.getAttribute('data-status'), WAIT).toBe('complete');
    expect(session.puts).toEqual([0]);
    const versions = card.getByRole('group', { name: 'Versions of large-photo.jpg' }).getByRole('button');
    expect((await versions.allTextContents()).sort()).toEqual(['Blur', 'Grayscale', 'Original']);
    const main = card.locator('img.main');
    await expect.poll(() => main.evaluate((img: any) => img.complete && img.naturalWidth), WAIT).toBe(3000);
    const id = await fileIdOf(page, 'large-photo.jpg');
    expect(sha256(await contentOf(pipeline, id))).toBe(sha256(photo));
    const view = await pipeline.json(`${pipeline.urls.upload}/files/${id}`);
    expect(view.derivatives.map((d: { chain: string }) => d.chain).sort()).toEqual(['blur', 'grayscale']);
    await card.scrollIntoViewIfNeeded();
    await shoot(page, 'direct-05-photo', true);
    expect(session.problems.filter((p) => !/net::ERR_FAILED|ERR_CONNECTION_FAILED|status of 4\d\d/.test(p))).toEqual([]);
  });

  it('should cancel a direct upload in flight and have the server discard it', async () => {
    const { page, pipeline } = session;
    const path = join(dir, 'cancelled.bin');
    await writeFile(path, randomBytes(BIG_SIZE));
    // Parts never get an answer, so the upload is surely still in flight.
    const stall = async (route: Route) => (isDirectPut(route.request()) ? undefined : route.continue());
    await page.route(directUrl, stall);
    await page.locator('#file-input').setInputFiles(path);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const job = page.locator('.job', { hasText: 'cancelled.bin' });
    await expect.poll(() => page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads')), WAIT).toMatch(/cancelled\.bin/);
    const id = JSON.parse((await page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads'))) as string)[0].id as string;
    await job.getByRole('button', { name: 'Cancel upload of cancelled.bin' }).click();
    await expect.poll(() => job.locator('.job-note').textContent(), WAIT).toBe('Cancelled; the server discarded what was sent.');
    expect(await job.locator('.job-state').textContent()).toBe('Cancelled');
    expect((await fetch(`${pipeline.urls.upload}/uploads/${id}`)).status).toBe(404);
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('file-pipeline.directUploads'))).toBe('[]');
    await page.unroute(directUrl, stall);
  });
});

describe('the page sending a large file straight to MinIO, on another origin (real)', () => {
  let session: Session;

  beforeAll(async () => {
    session = await open('real');
    const response = await session.page.goto(session.pipeline.urls.upload);
    expect(response?.headers()['content-security-policy']).toMatch(/connect-src 'self' http:\/\/127\.0\.0\.1:\d+;/);
  }, 900_000);
  afterAll(async () => {
    await session?.browser.close();
    await session?.pipeline.dispose();
  });

  it('should PUT the parts to MinIO cross-origin and complete with the same bytes', async () => {
    const info = await session.pipeline.json(`${session.pipeline.urls.upload}/uploads`);
    expect(info).toMatchObject({ signedBy: 'store' });
    await uploadBigFile(session, big.path, await readFile(big.path));
    expect(session.problems).toEqual([]);
    await shoot(session.page, 'direct-06-real', true);
  });
});
