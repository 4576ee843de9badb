// A missing QEMU: the Toolchain panel says so and gives the install command.
import { expect, kernelCopy, startBootlab, test, type Bootlab } from './bootlab.js';

let bootlab: Bootlab;

test('a missing QEMU shows the install command', async ({ page }) => {
  bootlab = await startBootlab({
    projectDir: kernelCopy('sample-kernel'),
    settings: { qemuPath: '/nonexistent/bootlab-e2e/qemu-system-x86_64' },
    // No QEMU on PATH either (only Rust's folder), and no looking in the usual system folders.
    env: { PATH: `${process.env.HOME}/.cargo/bin`, BOOTLAB_NO_SYSTEM_DIRS: '1' },
  });
  await page.goto(bootlab.url);
  const panel = page.getByRole('region', { name: 'Toolchain' });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('qemu');
  // The doctor's exact install command for this OS (on Debian: sudo apt-get install qemu-system-x86).
  await expect(panel.locator('code', { hasText: /qemu/i })).toHaveText(/install.*qemu/i);
});
