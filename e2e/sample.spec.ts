// Build and Boot of the sample kernel: the greeting on the serial console and the VGA screen,
// and the Memory map table equal to the map the kernel printed on serial.
import { parseRegionLines } from '../src-renderer/src/lib/memoryMap.js';
import { ROOT, expect, kernelCopy, serialText, startBootlab, test, waitForRunEnd, type Bootlab } from './bootlab.js';
import { join } from 'node:path';

const GREETING = 'Hello from the Bootlab sample kernel!';
let bootlab: Bootlab;

test('Build and Boot shows the greeting and the memory map the kernel received', async ({ page }) => {
  bootlab = await startBootlab({ projectDir: kernelCopy('sample-kernel') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/sample-kernel$/);
  await expect(page.getByRole('combobox', { name: 'Profile' })).toHaveValue('debug');

  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();

  // Serial console: xterm's rows, as the user sees them. The kernel prints its last line and
  // halts (the app's QEMU has no isa-debug-exit device): the run ends by itself, "Kernel halted".
  const serial = page.getByRole('region', { name: 'Serial console' });
  await expect(serial).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  await expect(serial).toContainText(GREETING);
  const printed = await serialText(page);

  // VGA screen: real text, 25 row elements.
  const vga = page.getByRole('region', { name: 'VGA screen' });
  await expect(vga.locator('.vga-row')).toHaveCount(25);
  await expect(vga.locator('.vga-row').first()).toContainText(GREETING);

  // Status shows each stage with its time.
  await expect(page.getByRole('status')).toContainText(/Build\s+[\d.]+ (ms|s)/);
  await expect(page.getByRole('status')).toContainText(/Boot\s+[\d.]+ (ms|s)/);

  // The Memory map table's rows are exactly the regions the kernel printed.
  const expected = parseRegionLines(printed);
  expect(expected.length).toBeGreaterThan(3);
  await page.getByRole('tab', { name: 'Memory map' }).click();
  const table = page.getByRole('table', { name: 'Memory regions' });
  await expect(table.getByRole('columnheader')).toHaveText(['Start', 'End', 'Size', 'Type', 'Contents']);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(expected.length);
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).slice(0, 4).map((td) => (td.textContent ?? '').trim())));
  const shown = cells.map(([start, end, , type]) => ({ start: Number(start), end: Number(end), type }));
  expect(shown).toEqual(expected);

  // Hovering a row highlights its segment in the picture.
  await rows.nth(1).hover();
  await expect(page.locator('.segment.highlight')).toHaveCount(1);
  await expect(page.getByRole('list', { name: 'Totals per type' })).toContainText('Usable');

  if (process.env.BOOTLAB_README_SCREENSHOT) {
    await page.getByRole('tab', { name: 'Boot console' }).click();
    await page.screenshot({ path: join(ROOT, 'resources', 'screenshot.png') });
  }

  // Halted is a neutral end (no timeout, no Stop): where it halted, with the call chain.
  const result = await waitForRunEnd(page, 60_000);
  expect(result).toMatch(/Kernel halted at sample_kernel::halt \(src\/main\.rs:\d+\)/);
  await expect(page.getByRole('list', { name: 'Call chain' })).toContainText('_start');
  await expect(page.locator('.run-result .card')).not.toHaveClass(/tone-bad/);
});
