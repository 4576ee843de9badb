// The window from 800x600 up: no sideways page scroll, the status line and every stage pill
// fully visible, the run result on screen in the Boot console, the project path showing its end
// (the crate folder), and no pane squeezed below a usable height. Screenshots of each size and
// view are kept under test-results.
import type { Page } from '@playwright/test';
import { expect, kernelCopy, startBootlab, test } from './bootlab.js';

/** The sample kernel, greeting and then spinning for ever: only Stop ends its run. */
function spinningKernel(name: string): string {
  return kernelCopy(name, (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
}

const SIZES = [
  { width: 800, height: 600 },
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
];

/** Facts about the page's layout that the assertions below judge. */
async function layoutFacts(page: Page) {
  return page.evaluate(() => {
    const root = document.scrollingElement!;
    const within = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
    };
    const status = document.querySelector('[role="status"]')!;
    const text = status.querySelector('.status-text') as HTMLElement;
    const pills = [...status.querySelectorAll('li')];
    const input = document.getElementById('project-input') as HTMLInputElement;
    return {
      pageScrollWidth: root.scrollWidth,
      pageWidth: root.clientWidth,
      statusText: text.textContent ?? '',
      statusTextShown: within(text) && text.scrollWidth <= text.clientWidth + 1,
      pills: pills.map((li) => ({ text: li.textContent?.trim() ?? '', shown: within(li) && li.scrollWidth <= li.clientWidth + 1 })),
      path: { overflows: input.scrollWidth > input.clientWidth, atEnd: input.scrollLeft + input.clientWidth >= input.scrollWidth - 2 },
    };
  });
}

async function height(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((el) => el.getBoundingClientRect().height);
}

test('the window holds at 800x600, 1024x700 and 1440x900', async ({ page }) => {
  // A long folder name, so the project field cannot show the whole path at any of the sizes.
  const dir = spinningKernel('a folder with a rather long name to show that the field keeps the crate in view/sample-kernel');
  const bootlab = await startBootlab({ projectDir: dir });
  await page.setViewportSize(SIZES[0]);
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(dir);

  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  // While it runs, the whole status is readable at the smallest size.
  const running = await layoutFacts(page);
  expect(running.statusText).toMatch(/Boot…|Running…/);
  expect(running.statusTextShown, `status "${running.statusText}" cut off`).toBe(true);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('region', { name: 'Run result' })).toContainText('Stopped', { timeout: 60_000 });

  for (const size of SIZES) {
    await page.setViewportSize(size);
    const label = `${size.width}x${size.height}`;
    for (const tab of ['Build log', 'Boot console', 'Memory map']) {
      await test.step(`${label} ${tab}`, async () => {
        await page.getByRole('tab', { name: tab }).click();
        // Let the resize observers (terminal fit, project field) settle on this size.
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        const facts = await layoutFacts(page);
        expect(facts.pageScrollWidth, `horizontal page scroll at ${label} (${tab})`).toBeLessThanOrEqual(facts.pageWidth);
        expect(facts.statusText).toContain('Stopped');
        expect(facts.statusTextShown, `status cut off at ${label}`).toBe(true);
        expect(facts.pills.map((p) => p.text.split(/\s/)[0])).toEqual(['Build', 'Assemble', 'Plan', 'Image', 'Boot']);
        for (const pill of facts.pills) expect(pill.shown, `stage pill "${pill.text}" cut off at ${label}`).toBe(true);
        expect(facts.path.overflows).toBe(true);
        expect(facts.path.atEnd, `project field shows the start of the path at ${label}`).toBe(true);

        if (tab === 'Build log') {
          expect(await height(page, '.log-area')).toBeGreaterThanOrEqual(150);
        } else if (tab === 'Boot console') {
          await expect(page.getByRole('region', { name: 'Run result' })).toBeInViewport();
          await expect(page.getByRole('region', { name: 'Run result' })).toContainText('Stopped');
          expect(await height(page, '.terminal-box')).toBeGreaterThanOrEqual(150);
          expect(await height(page, '[aria-label="Boot log"] pre')).toBeGreaterThanOrEqual(70);
          // The VGA screen's 80 columns fit without a scrollbar of their own.
          const vga = await page.locator('[aria-label="VGA screen"] .screen').evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
          expect(vga, `VGA screen needs a sideways scroll at ${label}`).toBe(true);
        } else {
          await expect(page.getByRole('listbox', { name: 'Regions in address order' })).toBeInViewport();
          expect(await height(page, '.table-wrap')).toBeGreaterThanOrEqual(150);
        }
        await page.screenshot({ path: test.info().outputPath(`layout-${label}-${tab.replace(/ /g, '-').toLowerCase()}.png`) });
      });
    }
  }
});
