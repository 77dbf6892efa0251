/** Screenshots of the page under test, into test-artifacts/ (looked at by people, not asserted on). */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** A screenshot once the short transitions (a stat that just changed) have finished. */
export async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      (globalThis as any).document
        .getAnimations()
        .filter((a: any) => a.effect?.getComputedTiming().iterations !== Infinity)
        .map((a: any) => a.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage });
}
