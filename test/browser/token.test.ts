/**
 * The page with API_TOKEN set (Chromium + playwright-core, embedded mode): an upload answered
 * 401 asks for the token in an inline, labelled field (never prompt()), keeps it in
 * sessionStorage and retries once; a wrong token fails that upload with the server's message and
 * is asked for again at the next write; a delete then goes through with the stored token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../local/infra/chromium.js';
import { makeImage } from '../support/images.js';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.js';

const TOKEN = `page-token-${'a1b2c3d4'.repeat(3)}`;
const WAIT = { timeout: 30_000 };

describe('the page when writes need the API token', () => {
  let pipeline: TestPipeline;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    pipeline = await startTestPipeline({ models: false, apiToken: TOKEN });
    browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    // prompt(), alert() and confirm() are not how the page asks.
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });
  }, 900_000);
  afterAll(async () => {
    await browser?.close();
    await pipeline?.dispose();
  });

  it('should ask for the token on a 401, keep it for the tab, retry once, and delete with it', async () => {
    await page.goto(pipeline.urls.upload);
    const field = page.getByLabel('API token', { exact: true });
    expect(await field.isVisible()).toBe(false);

    await page.locator('#file-input').setInputFiles({ name: 'first.jpg', mimeType: 'image/jpeg', buffer: await makeImage() });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await field.waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('token-input');
    expect(await field.getAttribute('type')).toBe('password');

    // A wrong token: the retry is refused too, the upload fails with the server's message, and
    // the next write asks again, saying why.
    await field.fill('not-the-right-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => page.locator('#announcer').textContent(), WAIT).toBe('first.jpg: The API token in the Authorization header is not valid');
    expect(await field.isVisible()).toBe(false);
    await page.locator('#file-input').setInputFiles({ name: 'second.jpg', mimeType: 'image/jpeg', buffer: await makeImage({ width: 200 }) });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await field.waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#token-message').textContent()).toBe('That token was not accepted. Enter the API token again.');
    await field.fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    const photoCard = page.getByRole('article', { name: 'second.jpg' });
    await photoCard.waitFor(WAIT);
    expect(await field.isVisible()).toBe(false);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('file-pipeline.apiToken'))).toBe(TOKEN);

    // The stored token goes with the next write: no question this time.
    await photoCard.getByRole('button', { name: 'Delete second.jpg' }).click();
    await page.getByRole('dialog', { name: 'Delete second.jpg?' }).getByRole('button', { name: 'Delete' }).click();
    await photoCard.waitFor({ state: 'detached', ...WAIT });
    expect(await field.isVisible()).toBe(false);
    expect((await pipeline.json(`${pipeline.urls.upload}/files`)).files).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);
});
