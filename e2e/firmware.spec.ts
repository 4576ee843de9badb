// The toolbar's Firmware select: it sits beside Profile, starts at BIOS for the sample kernel,
// and UEFI makes Build and Boot start QEMU with OVMF, which boots the same hybrid image through
// its EFI system partition (the kernel's greeting on the serial console, OVMF's pflash drives in
// the QEMU command line the Boot stage shows).
import { expect, kernelCopy, startBootlab, test, waitForRunEnd } from './bootlab.js';

test('the Firmware select reaches the run: UEFI boots the sample kernel under OVMF', async ({ page }) => {
  const bootlab = await startBootlab({ projectDir: kernelCopy('sample-kernel') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(/sample-kernel$/);
  const firmware = page.getByRole('combobox', { name: 'Firmware' });
  await expect(firmware).toHaveValue('bios');
  await expect(firmware.locator('option')).toHaveText(['BIOS', 'UEFI']);
  await firmware.selectOption('uefi');

  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  // OVMF under TCG needs seconds before the loader runs; the build may compile core first.
  const serial = page.getByRole('region', { name: 'Serial console' });
  await expect(serial).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  await expect(serial).toContainText('Hello from the Bootlab sample kernel!');
  const result = await waitForRunEnd(page, 120_000);
  expect(result).toMatch(/Kernel halted at sample_kernel::halt/);

  // The Boot stage's tooltip is QEMU's command line: OVMF's code read-only, a copy of its variables.
  const bootStage = page.getByRole('status').locator('li.stage').filter({ hasText: /^\s*Boot\b/ });
  const commandLine = (await bootStage.getAttribute('title')) ?? '';
  expect(commandLine).toMatch(/if=pflash,format=raw,unit=0,readonly=on,file=\S*OVMF_CODE\S*\.fd/);
  expect(commandLine).toMatch(/if=pflash,format=raw,unit=1,file=\S*OVMF_VARS\.fd/);
  await page.getByRole('tab', { name: 'Build log' }).click();
  await expect(page.getByText(/Firmware: UEFI \(OVMF \S+OVMF_CODE\S*\.fd; from the Firmware select\)/)).toBeVisible();
});
