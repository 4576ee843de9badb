// Stop during boot ends QEMU.
import { expect, kernelCopy, qemuChildren, startBootlab, test, waitForRunEnd, type Bootlab } from './bootlab.js';

let bootlab: Bootlab;

test('F5 then Shift+F5 during boot: Stop ends QEMU', async ({ page }) => {
  // The kernel greets and then spins forever, so only Stop ends the run.
  const dir = kernelCopy('spinning-kernel', (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
  bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  // F5 is Build and Boot (and must not reload the page).
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await page.keyboard.press('F5');
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });
  expect(qemuChildren(bootlab.pid)).toHaveLength(1);

  await page.keyboard.press('Shift+F5');
  const result = await waitForRunEnd(page, 60_000);
  expect(result).toContain('Stopped');
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
});
