// The Inspector tab with real cargo, QEMU and Chromium: a sample kernel that spins after its
// greeting is paused with F6 (CPU, page tables checked against the ELF, stack), stepped ten
// instructions with F7 (RIP moves, the changed registers are marked), read at an unmapped virtual
// address (the level where the walk stopped) and at the VGA buffer, resumed, and stopped with
// no QEMU left.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, kernelCopy, qemuChildren, startBootlab, test, waitForRunEnd } from './bootlab.js';

test('F6 pauses, F7 steps, the panels show CPU, page tables, memory and stack; Stop leaves no QEMU', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const dir = kernelCopy('inspected-kernel', (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
  // A package name of its own: copies of one crate share a cargo fingerprint in the shared target
  // folder, and this patched build must not pass for the sample kernel in other tests.
  const manifest = join(dir, 'Cargo.toml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^name = "sample-kernel"$/gm, 'name = "inspected-kernel"'));
  const bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await page.keyboard.press('F5');
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });

  // F6: the Inspector tab, paused.
  await page.keyboard.press('F6');
  await expect(page.getByRole('tab', { name: 'Inspector' })).toHaveAttribute('aria-selected', 'true');
  const status = page.getByRole('status', { name: 'Inspector status' });
  await expect(status).toHaveText('Paused.', { timeout: 30_000 });
  const cpu = page.getByRole('region', { name: 'CPU' });
  await expect(cpu).toContainText('mode long, CPL 0');
  await expect(cpu).toContainText(/CR0=0x[0-9a-f]+ PG .*PE/);
  // The spin loop's code (_start, or core's spin_loop hint in a debug build), with its source line.
  await expect(cpu).toContainText(/at [\w:]+ \(.+\.rs:\d+\)/);
  const tables = page.getByRole('region', { name: 'Page tables' });
  await expect(tables).toContainText(/elf segments: (\d+)\/\1 mapped with the ELF's permissions/);
  await expect(tables.getByRole('row', { name: /physical-memory window/ })).toContainText('1T');
  await expect(tables.getByRole('row', { name: /kernel segment \d+ \(\.text/ }).first()).toContainText('R-X');
  // The to-scale picture: one mark per merged run.
  const runs = await tables.locator('table.mappings tbody tr').count();
  expect(runs).toBeGreaterThan(5);
  await expect(tables.getByRole('figure', { name: 'Address space' }).locator('.mark')).toHaveCount(runs);
  await expect(page.getByRole('region', { name: 'Stack' }).getByRole('row').first()).toContainText(/^0x1000020[0-9a-f]{4}/);

  // F7 ten times: one instruction each, RIP moves and is marked as changed.
  const rip = () => cpu.getByRole('row', { name: /^RIP/ }).textContent();
  const seen = new Set<string | null>([await rip()]);
  for (let i = 0; i < 10; i++) {
    const before = await rip();
    await page.keyboard.press('F7');
    await expect.poll(rip).not.toBe(before);
    await expect(status).toHaveText('Paused.');
    seen.add(await rip());
  }
  // A spin loop of a few instructions: RIP went round it.
  expect(seen.size).toBeGreaterThan(1);
  await expect(cpu.locator('tr.changed', { hasText: 'RIP' })).toHaveCount(1);

  // Memory: an unmapped virtual address says where the walk stopped; the VGA buffer reads.
  const memory = page.getByRole('region', { name: 'Memory' });
  await memory.getByRole('textbox', { name: 'Address' }).fill('0xdeadbeef000');
  await memory.getByRole('combobox', { name: 'Space' }).selectOption('virtual');
  await memory.getByRole('button', { name: 'Read' }).click();
  await expect(memory).toContainText('0xdeadbeef000: not mapped: level-4 entry 27 is not present');
  await memory.getByRole('textbox', { name: 'Address' }).fill('0xb8000');
  await memory.getByRole('combobox', { name: 'Space' }).selectOption('physical');
  await memory.getByRole('button', { name: 'Read' }).click();
  await expect(memory.locator('pre')).toContainText('0x000b8000');
  await expect(memory.locator('pre')).toContainText('0x000b80f0');
  // At RIP: the code bytes there, read through the page tables.
  const ripValue = (await rip())!.replace(/^RIP/, '').trim();
  await memory.getByRole('button', { name: 'At RIP' }).click();
  await expect(memory.getByRole('combobox', { name: 'Space' })).toHaveValue('virtual');
  await expect(memory.locator('pre')).toContainText(`0x${ripValue.slice(2).padStart(8, '0')}`);

  // Filled panels scroll inside the tab: the page neither scrolls nor grows.
  const page_ = await page.evaluate(() => ({ scrollHeight: document.scrollingElement!.scrollHeight, scrollWidth: document.scrollingElement!.scrollWidth, height: innerHeight, width: innerWidth }));
  expect(page_.scrollHeight).toBeLessThanOrEqual(page_.height);
  expect(page_.scrollWidth).toBeLessThanOrEqual(page_.width);

  // F6 again: running; Stop ends QEMU.
  await page.keyboard.press('F6');
  await expect(status).toHaveText('Running: Pause (F6) to inspect.');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeEnabled();
  await page.keyboard.press('Shift+F5');
  expect(await waitForRunEnd(page, 60_000)).toContain('Stopped');
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
  await page.getByRole('tab', { name: 'Inspector' }).click();
  await expect(status).toHaveText(/No virtual machine is running/);
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeDisabled();
});
