/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core, against the whole
 * local runtime (embedded mode). Every wait is for a condition (locator auto-waiting, expect.poll),
 * never a fixed time. Screenshots of each stage go to test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../local/infra/chromium.js';
import sharp from 'sharp';
import { ensureModels } from '../../local/infra/models.js';
import { makeImage, makePdf } from '../support/images.js';
import { ensurePhotos } from '../support/photos.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';
import { ARTIFACTS, recordJobStates, shoot as shootPage } from '../support/screenshots.js';

const WAIT = { timeout: 30_000 };

describe('the web page in Chromium', () => {
  let pipeline: TestPipeline;
  let browser: Browser;
  let page: Page;
  /** A real photo (scikit-image's cat, from Debian's python3-skimage) as a JPEG, 451 × 300. */
  let photo: Buffer;
  const problems: string[] = [];

  const stat = (name: string) => page.locator(`[data-stat="${name}"]`);
  const statText = (name: string) => () => stat(name).textContent();
  const card = (name: string) => page.getByRole('article', { name });
  const shoot = (name: string, fullPage = true) => shootPage(page, name, fullPage);

  beforeAll(async () => {
    const [executablePath, photos, modelDir] = await Promise.all([ensureChromium(), ensurePhotos(), ensureModels()]);
    photo = await sharp(photos['chelsea.png']).jpeg({ quality: 88 }).toBuffer();
    await mkdir(ARTIFACTS, { recursive: true });
    // classify with its image model, so that the page shows real labels.
    pipeline = await startTestPipeline({ functionEnv: { MODEL_DIR: modelDir } });
    browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-GB' });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.dispose();
  });

  it('should serve the page with a strict CSP, its assets cacheable, and stats live through the proxy', async () => {
    const response = await page.goto(pipeline.urls.upload);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const script = await page.locator('script[src]').getAttribute('src');
    const asset = await fetch(`${pipeline.urls.upload}${script}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    await expect.poll(() => page.locator('#live-text').textContent(), WAIT).toBe('Live');
    for (const name of ['image', 'document', 'other', 'total', 'derivatives', 'failures']) {
      await expect.poll(statText(name), WAIT).toBe('0');
    }
    await expect.poll(statText('bytes'), WAIT).toBe('0 B');
    await page.getByText('No files yet. Drop a photo above to start.').waitFor(WAIT);
    await shoot('01-empty');
  });

  it('should upload a photo with grayscale then blur chosen by clicking, show its progress, derivative and stats', async () => {
    await page.locator('#file-input').setInputFiles({ name: 'chelsea.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: 'Add grayscale' }).click();
    await page.getByRole('button', { name: 'Add blur' }).click();
    const chain = page.getByRole('list', { name: 'Effects, applied in this order' });
    expect(await chain.getByRole('listitem').allTextContents()).toEqual(['1Grayscale✕', '2Blur✕']);
    expect(await page.getByLabel('In order…').isChecked()).toBe(true);
    await page.getByRole('list', { name: 'Files ready to upload' }).getByText('chelsea.jpg').waitFor();
    await shoot('02-staged', false);

    // Every state the upload's row goes through, recorded as it is rendered.
    await recordJobStates(page);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    const photoCard = card('chelsea.jpg');
    await photoCard.waitFor(WAIT);
    await expect.poll(() => photoCard.getAttribute('data-status'), WAIT).toBe('complete');
    const steps = photoCard.getByRole('list', { name: 'Pipeline status' }).getByRole('listitem');
    expect(await steps.evaluateAll((items: any[]) => items.map((li) => `${li.children[1].textContent}=${li.dataset.state}`))).toEqual([
      'Uploaded=done',
      'Grayscale=done',
      'Blur=done',
      'Classified=done',
    ]);
    const states = (await page.evaluate(() => (globalThis as any).jobStates)) as string[];
    expect(states[0]).toMatch(/^(Waiting…|Uploading \d+%)$/);
    expect(states).toContain('Processing…');
    expect(states.at(-1)).toBe('Done');
    expect(await page.locator('.job progress').getAttribute('value')).toBe('100');

    // The derivative is the card's picture, and the versions strip has the original and both steps.
    const main = photoCard.locator('img.main');
    expect(await main.getAttribute('src')).toMatch(/\/derived\/grayscale\+blur\/1-blur\.jpg$/);
    await expect.poll(() => main.evaluate((img: any) => img.complete && img.naturalWidth), WAIT).toBe(451);
    const versions = photoCard.getByRole('group', { name: 'Versions of chelsea.jpg' }).getByRole('button');
    expect(await versions.allTextContents()).toEqual(['Original', 'Grayscale', 'Grayscale + Blur']);
    // The model's labels with their scores, the likeliest first.
    const labels = photoCard.getByRole('list', { name: 'Labels' }).getByRole('listitem');
    expect(await labels.count()).toBeGreaterThan(0);
    expect(await labels.first().textContent()).toMatch(/^[\w ,'-]+\d+%$/);
    expect(await photoCard.locator('.card-meta').textContent()).toMatch(/^451 × 300 · \d+(\.\d)? KB · /);

    await expect.poll(statText('image'), WAIT).toBe('1');
    await expect.poll(statText('total'), WAIT).toBe('1');
    await expect.poll(statText('derivatives'), WAIT).toBe('1');
    expect(Number(await stat('bytes').getAttribute('data-value'))).toBe(photo.length);
    await shoot('03-processed');

    // Choosing a version swaps the picture.
    await versions.filter({ hasText: 'Original' }).click();
    expect(await main.getAttribute('src')).toMatch(/\/files\/[0-9a-f-]+\/content$/);
    await versions.filter({ hasText: 'Grayscale + Blur' }).click();
    expect(await main.getAttribute('src')).toMatch(/1-blur\.jpg$/);
  });

  it('should open the timeline with every step, who did it, how long it took and the trace id', async () => {
    const photoCard = card('chelsea.jpg');
    await photoCard.getByRole('button', { name: 'Timeline of chelsea.jpg' }).click();
    const dialog = page.getByRole('dialog', { name: 'Timeline of chelsea.jpg' });
    await dialog.waitFor();
    const items = dialog.locator('.tl-item');
    await expect.poll(() => items.count(), WAIT).toBe(4);
    const titles = await items.locator('.tl-title').allTextContents();
    expect(titles[0]).toBe('Uploaded');
    expect(titles).toEqual(expect.arrayContaining(['Grayscale — step 1 of 2 in Grayscale → Blur', 'Blur — step 2 of 2 in Grayscale → Blur', 'Classified']));
    const facts: Record<string, string>[] = await items.evaluateAll((lis: any[]) =>
      lis.map((li) => Object.fromEntries([...li.querySelectorAll('dt')].map((dt: any) => [dt.textContent, dt.nextElementSibling.textContent]))),
    );
    const id = (await photoCard.getAttribute('id'))!.slice('file-'.length);
    const view = await pipeline.json(`${pipeline.urls.upload}/files/${id}`);
    const byFunction = Object.fromEntries(facts.map((f) => [f['Function'], f]));
    expect(Object.keys(byFunction).sort()).toEqual(['blur', 'classify', 'grayscale', 'upload']);
    for (const [fn, f] of Object.entries(byFunction)) {
      expect(f['Revision']).toMatch(new RegExp(`^${fn}-\\d{5}$`));
      expect(f['Instance']).toBeTruthy();
      expect(f['Trace id']).toBe(view.traceId);
      if (fn !== 'upload') expect(f['Duration']).toMatch(/^\d+(\.\d+)? m?s after/);
    }
    expect(byFunction['classify']!['Instance']).toBe(view.classifiedBy.processedBy.instance);
    await shoot('04-timeline', false);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // Focus goes back to the button that opened the dialog.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('Timeline of chelsea.jpg');
  });

  it('should say in words why an upload was refused', async () => {
    await page.locator('#file-input').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const job = page.locator('.job', { hasText: 'empty.txt' });
    await job.locator('.job-error').waitFor(WAIT);
    expect(await job.locator('.job-error').textContent()).toMatch(/File is empty/);
    expect(await job.locator('.job-state').textContent()).toBe('Failed');
  });

  it('should upload several files at once and list a PDF as a document and the rest as others', async () => {
    const pdf = makePdf(3);
    const notes = Buffer.from('Harbour trip\n- ferry at 9\n- lunch by the lighthouse\n');
    await page.locator('#file-input').setInputFiles([
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: notes },
    ]);
    await page.getByRole('button', { name: 'Upload 2 files', exact: true }).click();
    const pdfCard = card('report.pdf');
    await pdfCard.waitFor(WAIT);
    await expect.poll(() => pdfCard.getAttribute('data-status'), WAIT).toBe('complete');
    expect(await pdfCard.locator('.badge').first().textContent()).toBe('Document · PDF');
    expect(await pdfCard.locator('.card-meta').textContent()).toMatch(new RegExp(`^Document · 3 pages · ${pdf.length} B · `));
    expect(await pdfCard.getByRole('link', { name: 'Download report.pdf' }).getAttribute('download')).toBe('report.pdf');
    const notesCard = card('notes.txt');
    await expect.poll(() => notesCard.getAttribute('data-status'), WAIT).toBe('complete');
    expect(await notesCard.locator('.badge').first().textContent()).toMatch(/^Other · /);
    expect(await notesCard.locator('.card-meta').textContent()).toMatch(new RegExp(`^Other · ${notes.length} B · `));
    await expect.poll(statText('document'), WAIT).toBe('1');
    await expect.poll(statText('other'), WAIT).toBe('1');
    await expect.poll(statText('total'), WAIT).toBe('3');
    await shoot('05-documents');

    await page.getByRole('button', { name: 'Documents', exact: true }).click();
    await expect.poll(() => page.locator('#gallery article').allTextContents()).toEqual([expect.stringContaining('report.pdf')]);
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await expect.poll(() => page.locator('#gallery article').count()).toBe(3);
  });

  it('should show a photo whose effects failed in red, with the reason and who recorded it', async () => {
    const jpeg = await makeImage();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    await page.getByRole('group', { name: 'Effects for photos' }).getByText('Default', { exact: true }).click();
    expect(await page.getByLabel('Default', { exact: true }).isChecked()).toBe(true);
    await page.locator('#file-input').setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: truncated });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const brokenCard = card('broken.jpg');
    await expect.poll(() => brokenCard.getAttribute('data-status'), WAIT).toBe('complete');
    const steps = brokenCard.getByRole('list', { name: 'Pipeline status' }).getByRole('listitem');
    expect(await steps.evaluateAll((items: any[]) => items.map((li) => `${li.children[1].textContent}=${li.dataset.state}`))).toEqual([
      'Uploaded=done',
      'Blur=failed',
      'Grayscale=failed',
      'Classified=done',
    ]);
    const reasons = await brokenCard.locator('.failure-reason').allTextContents();
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) expect(reason).toMatch(/^(Blur|Grayscale) failed: .*truncated or corrupt/);
    expect(await brokenCard.locator('.status-badge').textContent()).toBe('2 failures');
    await expect.poll(statText('failures'), WAIT).toBe('2');
    expect(await stat('failures').getAttribute('data-nonzero')).toBe('true');
    await shoot('06-failure');

    await brokenCard.getByRole('button', { name: 'Timeline of broken.jpg' }).click();
    const dialog = page.getByRole('dialog', { name: 'Timeline of broken.jpg' });
    const failed = dialog.locator('.tl-item.is-failed');
    await expect.poll(() => failed.count(), WAIT).toBe(2);
    const facts: Record<string, string>[] = await failed.evaluateAll((lis: any[]) =>
      lis.map((li) => Object.fromEntries([...li.querySelectorAll('dt')].map((dt: any) => [dt.textContent, dt.nextElementSibling.textContent]))),
    );
    expect(facts.map((f) => f['Function']).sort()).toEqual(['blur', 'grayscale']);
    expect(await failed.locator('.tl-reason').first().textContent()).toMatch(/truncated or corrupt/);
    await shoot('07-failure-timeline', false);
    await dialog.getByRole('button', { name: 'Close timeline' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('should delete the photo only after confirming, and the stats follow', async () => {
    const photoCard = card('chelsea.jpg');
    const deleteButton: Locator = photoCard.getByRole('button', { name: 'Delete chelsea.jpg' });
    await deleteButton.click();
    const dialog = page.getByRole('dialog', { name: 'Delete chelsea.jpg?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/its 2 derived images and its metadata will be removed/);
    await shoot('08-confirm-delete', false);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await photoCard.count()).toBe(1);

    await deleteButton.click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await photoCard.waitFor({ state: 'detached', ...WAIT });
    await expect.poll(statText('image'), WAIT).toBe('1');
    await expect.poll(statText('derivatives'), WAIT).toBe('0');
    await expect.poll(statText('total'), WAIT).toBe('3');
    await expect.poll(statText('document'), WAIT).toBe('1');
    // The live region is cleared and then written 50 ms later, so screen readers announce it again.
    await expect.poll(() => page.locator('#announcer').textContent(), WAIT).toBe('Deleted chelsea.jpg.');
    await shoot('09-after-delete');
  });

  it('should fit a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBe(0);
    await shoot('10-phone');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1280, height: 900 });
    await shoot('11-dark');
    // Nothing went wrong in the page: no script errors, no CSP violations, no failed loads.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });
});
