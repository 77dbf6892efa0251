/** Helpers for the page under test: screenshots into test-artifacts/ (looked at by people, not asserted on), and a recorder of the states an upload row shows. */
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

/** Records, in `window.jobStates`, every state an upload's row shows, as it is rendered. */
export async function recordJobStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as any;
    w.jobStates = [];
    new w.MutationObserver(() => {
      for (const el of w.document.querySelectorAll('.job-state')) {
        if (w.jobStates.at(-1) !== el.textContent) w.jobStates.push(el.textContent);
      }
    }).observe(w.document.getElementById('activity'), { subtree: true, childList: true, characterData: true });
  });
}
