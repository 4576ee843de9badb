// A VM kept paused for the Inspector, with real cargo, QEMU and Chromium: the failing fixture's
// hanging test times out in the Tests tab and its machine stays paused where it spun (Inspect
// shows it in the Inspector, Stop ends it, no QEMU left); the sample kernel halts, is kept, and
// when the user resumes it the Inspector notices at once that it halted again.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, kernelCopy, qemuChildren, ROOT, startBootlab, test, waitForRunEnd } from './bootlab.js';

const made: string[] = [];
test.afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LONG = 6 * 60_000;

test('a test that times out keeps its machine paused for the Inspector until Stop', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const parent = mkdtempSync(join(tmpdir(), 'bootlab e2e kept vm ü-'));
  made.push(parent);
  const dir = join(parent, 'failing-tests');
  cpSync(join(ROOT, 'fixtures', 'crates', 'failing-tests'), dir, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src) });
  const bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(dir);
  await page.keyboard.press('F8');
  const summary = page.getByRole('status', { name: 'Test summary' });
  await expect(summary).toContainText('tests: 0 passed, 2 failed, 1 timed out', { timeout: LONG });

  // The run is over; the hanging test's machine is not: Stop can end it, Inspect shows it.
  const list = page.getByRole('list', { name: 'Test executables' });
  const hang = list.getByRole('listitem', { name: 'tests/hang.rs', exact: true });
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled();
  expect(qemuChildren(bootlab.pid)).toHaveLength(1);
  await expect(list.getByRole('button', { name: 'Inspect' })).toHaveCount(1);
  await hang.getByRole('button', { name: 'Inspect' }).click();
  await expect(page.getByRole('tab', { name: 'Inspector' })).toHaveAttribute('aria-selected', 'true');
  const status = page.getByRole('status', { name: 'Inspector status' });
  await expect(status).toHaveText('Paused where the run ended: Stop (Shift+F5) ends the machine.');
  await expect(page.getByRole('region', { name: 'Stack' })).toContainText(/hang::spin_forever/);
  await expect(page.getByRole('region', { name: 'Page tables' }).locator('.summary')).toHaveText(/^elf segments: (\d+)\/\1 mapped with the ELF's permissions$/);
  // It spins (interrupts do not matter): a step runs one instruction of the loop.
  const step = page.getByRole('button', { name: 'Step', exact: true });
  await expect(step).toBeEnabled();

  await page.keyboard.press('Shift+F5');
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
  await expect(status).toHaveText(/No virtual machine is running/);
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeDisabled();
  await page.getByRole('tab', { name: 'Tests' }).click();
  await expect(list.getByRole('button', { name: 'Inspect' })).toHaveCount(0);
});

test('a kept machine that is resumed is watched: its halt is noticed and it is paused there again', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const bootlab = await startBootlab({ projectDir: kernelCopy('kept-sample') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await page.keyboard.press('F5');
  expect(await waitForRunEnd(page, LONG)).toContain('Kernel halted');
  await page.getByRole('tab', { name: 'Inspector' }).click();
  const status = page.getByRole('status', { name: 'Inspector status' });
  await expect(status).toHaveText('Paused where the run ended: Stop (Shift+F5) ends the machine.');

  // Resumed, the CPU is still in HLT with interrupts off: the watch pauses it there again.
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(status).toHaveText('Stopped again: the kernel halted (HLT with interrupts disabled). Stop (Shift+F5) ends the machine.');
  await expect(page.getByRole('region', { name: 'CPU' })).toContainText('in HLT');
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeDisabled();

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
  await expect(status).toHaveText(/No virtual machine is running/);
});
