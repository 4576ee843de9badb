// The Screen: a kernel with a framebuffer (here the `vga_320x200` feature: VGA mode 0x13) gets
// a live picture of the VM's display in the Boot console instead of the VGA text rows. The
// fixture kernel (fixtures/crates/screen-rects) fills known rectangles with pure colours and then
// cycles one square's colour until it is stopped; this reads the canvas's pixels at known spots.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, kernelCopy, ROOT, startBootlab, test, waitForRunEnd } from './bootlab.js';

/** One pixel of the Screen's canvas, in the screen's own coordinates: [r, g, b, a]. */
async function pixel(page: Page, x: number, y: number): Promise<number[]> {
  const canvas = page.getByRole('region', { name: 'Screen', exact: true }).locator('canvas');
  return canvas.evaluate((element, [px, py]) => {
    const c = element as HTMLCanvasElement;
    if (c.width < 320) return [];
    return Array.from(c.getContext('2d')!.getImageData(px!, py!, 1, 1).data);
  }, [x, y]);
}

const RED = [255, 0, 0, 255];
const GREEN = [0, 255, 0, 255];
const BLUE = [0, 0, 255, 255];
const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 255];

async function expectRectangles(page: Page): Promise<void> {
  // The centres of the fixture's rectangles (RECTANGLES in its main.rs) and background spots, read
  // from one picture at a time until they all hold: a picture taken while the kernel was still
  // drawing has the first rectangle and not yet the others.
  const spots: [number, number][] = [[60, 50], [160, 50], [260, 50], [160, 130], [5, 5], [60, 85]];
  const canvas = page.getByRole('region', { name: 'Screen', exact: true }).locator('canvas');
  const read = (): Promise<number[][]> =>
    canvas.evaluate((element, at) => {
      const c = element as HTMLCanvasElement;
      if (c.width < 320) return [];
      const context = c.getContext('2d')!;
      return at.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data));
    }, spots);
  await expect.poll(read, { timeout: 6 * 60_000 }).toEqual([RED, GREEN, BLUE, WHITE, BLACK, BLACK]);
}

test('the Screen shows what a mode 0x13 kernel draws, follows it while it changes and keeps the picture after Stop', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: join(ROOT, 'fixtures', 'crates', 'screen-rects') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/screen-rects$/);
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();

  const screen = page.getByRole('region', { name: 'Screen', exact: true });
  await expect(screen).toBeVisible({ timeout: 6 * 60_000 });
  // The Screen replaces the VGA text rows.
  await expect(page.getByRole('region', { name: 'VGA screen' })).toHaveCount(0);
  await expectRectangles(page);
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('screen-rects: drawn');
  await expect(screen.getByRole('img', { name: "The VM's display, 320x200 pixels" })).toBeVisible();

  // The animated square changes colour while the kernel runs: the Screen shows more than one of them.
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        const colour = await pixel(page, 160, 175);
        if ([RED, GREEN, BLUE].some((c) => c.join() === colour.join())) seen.add(colour.join());
        return seen.size;
      },
      { timeout: 60_000, intervals: [50] },
    )
    .toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('button', { name: 'Stop' })).toBeEnabled();

  // A reload during the run gets the whole picture back from the service's session.
  await page.reload();
  await page.getByRole('tab', { name: 'Boot console' }).click();
  await expectRectangles(page);

  await page.getByRole('button', { name: 'Stop' }).click();
  await waitForRunEnd(page, 60_000);
  // A still image when the run has ended.
  await expect(screen).toContainText('as the run left it');
  await expectRectangles(page);

  // The memory map marks the framebuffer (device memory: no region of the map covers it).
  await page.getByRole('tab', { name: 'Memory map' }).click();
  await expect(page.getByRole('list', { name: 'Marked ranges outside the map' })).toContainText(/framebuffer \(VGA mode 0x13, 320x200\)\s*0xa0000\.\.0xafa00/);
  await expect(page.getByRole('option', { name: /^framebuffer \(VGA mode 0x13, 320x200\) \(not in the map\) 0xa0000\.\.0xafa00/ })).toBeVisible();
});

test('a text-mode kernel under UEFI: the Boot console says plainly that there is no VGA text screen', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: kernelCopy('sample-kernel') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/sample-kernel$/);
  await page.getByRole('combobox', { name: 'Firmware' }).selectOption('uefi');
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  const vga = page.getByRole('region', { name: 'VGA screen' });
  await expect(vga).toContainText('UEFI has no VGA text mode: the text this kernel writes to the VGA text buffer (0xB8000) is not shown.');
  await expect(vga.locator('.vga-row')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Screen', exact: true })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Boot log' })).toContainText('firmware uefi');
  await waitForRunEnd(page, 120_000);
  // A reload shows the same (the session keeps the display).
  await page.reload();
  await page.getByRole('tab', { name: 'Boot console' }).click();
  await expect(page.getByRole('region', { name: 'VGA screen' })).toContainText('UEFI has no VGA text mode');
});

for (const firmware of ['bios', 'uefi'] as const) {
  test(`a bootloader_api 0.11 kernel's framebuffer (${firmware === 'bios' ? 'VBE under SeaBIOS' : 'GOP under OVMF'}) on the Screen`, async ({ page }) => {
    const bootlab = await startBootlab({ projectDir: join(ROOT, 'fixtures', 'crates', 'screen-rects-011') });
    await page.goto(bootlab.url);
    await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/screen-rects-011$/);
    await page.getByRole('combobox', { name: 'Firmware' }).selectOption(firmware);
    await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('screen-rects-011: drawn', { timeout: 6 * 60_000 });
    const screen = page.getByRole('region', { name: 'Screen', exact: true });
    await expect(screen).toBeVisible();
    await expect(page.getByRole('region', { name: 'VGA screen' })).toHaveCount(0);
    await expectRectangles(page);
    // The mode the loader set, at its own size (no scaling on the way).
    await expect(screen.getByRole('img', { name: /^The VM's display, \d{3,4}x\d{3,4} pixels$/ })).toBeVisible();
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitForRunEnd(page, 60_000);
    await expectRectangles(page);

    await page.getByRole('tab', { name: 'Memory map' }).click();
    const types = await page.getByRole('table', { name: 'Memory regions' }).locator('tbody tr td:nth-child(4)').allInnerTexts();
    // 0.11's kinds only: Usable, Bootloader, and the firmware's own types by number.
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) expect(type.trim()).toMatch(firmware === 'bios' ? /^(Usable|Bootloader|UnknownBios\(\d+\))$/ : /^(Usable|Bootloader|UnknownUefi\(\d+\))$/);
    // On BIOS stage2 reports the VBE framebuffer's place: marked in the map.
    if (firmware === 'bios') await expect(page.getByRole('list', { name: 'Marked ranges outside the map' })).toContainText(/framebuffer \(\d+x\d+, VBE mode 0x[0-9a-f]+\)\s*0x[0-9a-f]+\.\.0x[0-9a-f]+/);
    if (firmware === 'uefi') {
      // Under OVMF stage3 reports GOP's framebuffer and the UEFI map the loader kept.
      await expect(page.getByRole('list', { name: 'Marked ranges outside the map' })).toContainText(/framebuffer \(\d+x\d+\)\s*0x[0-9a-f]+\.\.0x[0-9a-f]+/);
      await page.getByText(/The firmware's UEFI memory map, as Bootlab's UEFI loader kept it \(\d+ runs\)/).click();
      const uefiTypes = await page.getByRole('table', { name: 'UEFI memory map' }).locator('tbody tr').allInnerTexts();
      expect(uefiTypes.length).toBeGreaterThan(2);
      expect(uefiTypes.some((row) => /\(7\)/.test(row))).toBe(true); // EfiConventionalMemory
    }
  });
}
