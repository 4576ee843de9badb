// Keyboard only, from page load: Build and Boot the sample, enter the serial console and stop
// the run from inside it (Shift+F5), leave it with Escape, then select a memory-map segment
// with the arrow keys and Enter. No mouse; every focused element shows a focus ring.
import type { Page } from '@playwright/test';
import { expect, kernelCopy, startBootlab, test } from './bootlab.js';

/** The sample kernel, greeting and then spinning for ever: only Stop ends its run. */
function spinningKernel(name: string): string {
  return kernelCopy(name, (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
}

/** Describes the focused element and whether it shows a focus ring (the console's box for xterm). */
async function focusState(page: Page): Promise<{ what: string; inTerminal: boolean; ring: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { what: 'nothing', inTerminal: false, ring: false };
    const hasRing = (node: HTMLElement) => {
      const style = getComputedStyle(node);
      const box = node.getBoundingClientRect();
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && box.width > 0 && box.height > 0;
    };
    // xterm's textarea is invisible by design: the box around the terminal carries the ring.
    const terminal = el.closest<HTMLElement>('.xterm');
    let ring = hasRing(el);
    for (let node = terminal?.parentElement; !ring && node && node.tagName !== 'SECTION'; node = node.parentElement) ring = hasRing(node);
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '';
    return { what: `${el.tagName.toLowerCase()}${el.getAttribute('role') ? `[role=${el.getAttribute('role')}]` : ''} "${name}"`, inTerminal: terminal !== null, ring };
  });
}

async function expectRing(page: Page): Promise<string> {
  const state = await focusState(page);
  expect(state.ring, `focus ring on ${state.what}`).toBe(true);
  return state.what;
}

/** Presses Tab until the focused element matches, checking the focus ring at every stop. */
async function tabUntil(page: Page, matches: (what: string, inTerminal: boolean) => boolean, limit = 40): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const state = await focusState(page);
    seen.push(state.what);
    if (state.what !== 'nothing') expect(state.ring, `focus ring on ${state.what}`).toBe(true);
    if (matches(state.what, state.inTerminal)) return;
  }
  throw new Error(`Tab never reached the element; visited: ${seen.join(' → ')}`);
}

test('keyboard only: build and boot, enter and leave the console, stop, select a memory-map segment', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: spinningKernel('sample-kernel') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/sample-kernel$/);
  // Nothing built yet: Boot is off and says why.
  const boot = page.getByRole('button', { name: 'Boot', exact: true });
  await expect(boot).toBeDisabled();
  await expect(boot).toHaveAttribute('title', /build this project first/);

  // Build and Boot from the keyboard.
  await tabUntil(page, (what) => what === 'button "Build and Boot"');
  await page.keyboard.press('Enter');
  const serial = page.getByRole('region', { name: 'Serial console' });
  await expect(serial).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  await expect(page.getByRole('tab', { name: 'Boot console' })).toHaveAttribute('aria-selected', 'true');

  // Into the serial console (xterm), with its ring; Shift+F5 there stops the run.
  await tabUntil(page, (_what, inTerminal) => inTerminal);
  await page.keyboard.press('Shift+F5');
  const result = page.getByRole('region', { name: 'Run result' });
  await expect(result).toContainText('Stopped', { timeout: 60_000 });
  expect((await focusState(page)).inTerminal).toBe(true);

  // Escape leaves the console: focus lands on its tab, with a ring.
  await page.keyboard.press('Escape');
  const left = await focusState(page);
  expect(left.inTerminal).toBe(false);
  expect(left.what).toBe('button[role=tab] "Boot console"');
  await expectRing(page);
  // Now built: Boot is on.
  await expect(boot).toBeEnabled();

  // The arrow keys go to the Memory map tab; Tab reaches the picture's segments.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Memory map' })).toHaveAttribute('aria-selected', 'true');
  await expectRing(page);
  await tabUntil(page, (what) => what.startsWith('div[role=option]'));
  const picture = page.getByRole('listbox', { name: 'Regions in address order' });
  const options = picture.getByRole('option');
  const count = await options.count();
  expect(count).toBeGreaterThan(3);
  // Move to the last segment that is a region (gaps are "not in the map"), then select it.
  await page.keyboard.press('End');
  let name = (await focusState(page)).what;
  while (name.includes('not in the map')) {
    await page.keyboard.press('ArrowLeft');
    name = (await focusState(page)).what;
  }
  await expectRing(page);
  await page.keyboard.press('Enter');
  const focused = picture.locator('[role="option"]:focus');
  await expect(focused).toHaveAttribute('aria-selected', 'true');
  const label = (await focused.getAttribute('aria-label'))!;
  const [, type, start] = /^(\w+) (0x[0-9a-f]+)\.\./.exec(label)!;
  // The table's row for it is selected and scrolled into view.
  const row = page.getByRole('table', { name: 'Memory regions' }).locator('tbody tr.selected');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').first()).toHaveText(start);
  await expect(row.locator('td').nth(3)).toHaveText(type);
  await expect(row).toBeInViewport();
  await expect(page.getByText(`Selected: ${type} ${start}..`)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('keyboard-memory-map.png') });
});
