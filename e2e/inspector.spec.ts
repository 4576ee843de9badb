// The Inspector tab with real cargo, QEMU and Chromium: a sample kernel that spins after its
// greeting is paused with F6 (CPU, page tables checked against the ELF, stack), stepped ten
// instructions with F7 and the toolbar's Step (RIP moves, the changed registers are marked), read
// at an unmapped virtual address (the level where the walk stopped), at the VGA buffer, at a
// .rodata string and at a symbol typed by name (more read as the bytes scroll, copied as hex),
// resumed from the toolbar, and stopped with no QEMU left. The remap-rodata fixture halts: its VM
// stays paused where the run ended, the page-table panel names the page it made writable, and
// Stop ends it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readElf } from '../src-main/elf/index.js';
import { expect, kernelCopy, qemuChildren, ROOT, startBootlab, TARGET_DIR, test, waitForRunEnd } from './bootlab.js';

test('F6 pauses, F7 steps, the panels show CPU, page tables, memory and stack; Stop leaves no QEMU', async ({ page, context }) => {
  test.setTimeout(8 * 60_000);
  const dir = kernelCopy('inspected-kernel', (source) =>
    source.replace('    exit_qemu(QemuExitCode::Success);\n', '    #[allow(clippy::empty_loop)]\n    loop {\n        core::hint::spin_loop();\n    }\n'),
  );
  // kernelCopy gave the patched copy a package name of its own: its binary's name.
  const binary = /^name = "(.+)"$/m.exec(readFileSync(join(dir, 'Cargo.toml'), 'utf8'))![1]!;
  const bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await page.keyboard.press('F5');
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('The sample kernel is done.', { timeout: 6 * 60_000 });

  // The toolbar's controls: only Pause and Step can act on a running machine.
  const toolbar = (name: string) => page.getByRole('button', { name, exact: true });
  await expect(toolbar('Pause')).toBeEnabled();
  await expect(toolbar('Resume')).toBeDisabled();
  await expect(toolbar('Step')).toBeEnabled();

  // F6: the Inspector tab, paused.
  await page.keyboard.press('F6');
  await expect(page.getByRole('tab', { name: 'Inspector' })).toHaveAttribute('aria-selected', 'true');
  const status = page.getByRole('status', { name: 'Inspector status' });
  await expect(status).toHaveText('Paused.', { timeout: 30_000 });
  const cpu = page.getByRole('region', { name: 'CPU' });
  await expect(cpu).toContainText('mode long, CPL 0');
  await expect(cpu).toContainText(/CR0=0x[0-9a-f]+ PG .*PE/);
  // Segment registers with their cached descriptors, the GDT's entries decoded.
  await expect(cpu.locator('.segments')).toContainText('CS=0008 code 64-bit, readable, accessed, DPL 0; base 0x0 limit 0xffffffff');
  await expect(cpu.locator('.gdt')).toContainText('08 code 64-bit, readable, accessed, base 0x0, limit 0xffffffff, DPL 0');
  // RFLAGS and EFER decoded bit by bit.
  await expect(cpu.locator('.control')).toContainText(/EFER=0x[0-9a-f]+ NXE LMA LME/);
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

  await expect(toolbar('Pause')).toBeDisabled();
  await expect(toolbar('Resume')).toBeEnabled();

  // Ten steps (F7, and the toolbar's Step): one instruction each, RIP moves and is marked as changed.
  const rip = () => cpu.getByRole('row', { name: /^RIP/ }).textContent();
  const seen = new Set<string | null>([await rip()]);
  for (let i = 0; i < 10; i++) {
    const before = await rip();
    if (i % 2) await toolbar('Step').click();
    else await page.keyboard.press('F7');
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
  const bytes = memory.getByRole('region', { name: 'Bytes' });
  await expect(bytes).toContainText('0x000b8000');
  await expect(bytes).toContainText('0x000b80f0');
  // The greeting on the screen's first row: characters with their attribute bytes between them.
  await expect(bytes).toContainText('0x000b8000  48 0f 65 0f 6c 0f 6c 0f 6f 0f 20 0f 66 0f 72 0f  H.e.l.l.o. .f.r.');
  // Scrolling to the end of what was read reads the next 4 KiB.
  await expect(memory).toContainText('physical 0xb8000, 4096 bytes read');
  await bytes.evaluate((e) => e.scrollTo(0, e.scrollHeight));
  await expect(memory).toContainText('physical 0xb8000, 8192 bytes read');
  // Copy as hex: the bytes read, 16 a line.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await memory.getByRole('button', { name: 'Copy as hex' }).click();
  await expect(memory.getByRole('button', { name: 'Copied' })).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.split('\n')).toHaveLength(8192 / 16);
  expect(copied.split('\n')[0]).toMatch(/^48 [0-9a-f]{2} 65 [0-9a-f]{2} 6c /);

  // Virtual: the greeting's text in .rodata, read through the guest's page tables.
  const elf = readElf(readFileSync(join(TARGET_DIR, 'x86_64-unknown-none', 'debug', binary)));
  const rodata = elf.sections.find((sec) => sec.name === '.rodata')!;
  const at = Buffer.from(elf.bytes.subarray(rodata.offset, rodata.offset + rodata.size)).indexOf('Hello from the Bootlab');
  expect(at).toBeGreaterThanOrEqual(0);
  await memory.getByRole('textbox', { name: 'Address' }).fill(`0x${(rodata.addr + BigInt(at)).toString(16)}`);
  await memory.getByRole('combobox', { name: 'Space' }).selectOption('virtual');
  await memory.getByRole('button', { name: 'Read' }).click();
  await expect(bytes).toContainText('Hello from the B');
  // A symbol typed by name: virtual, at its address.
  await memory.getByRole('textbox', { name: 'Address' }).fill('_start');
  await memory.getByRole('button', { name: 'Read' }).click();
  const start = elf.symbols.find((sym) => sym.name === '_start')!;
  await expect(memory).toContainText(`virtual 0x${start.value.toString(16)} (_start)`);
  await expect(memory.getByRole('combobox', { name: 'Space' })).toHaveValue('virtual');
  // At RIP: the code bytes there, read through the page tables.
  const ripValue = (await rip())!.replace(/^RIP/, '').trim();
  await memory.getByRole('button', { name: 'At RIP' }).click();
  await expect(memory.getByRole('combobox', { name: 'Space' })).toHaveValue('virtual');
  await expect(bytes).toContainText(`0x${ripValue.slice(2).padStart(8, '0')}`);

  // Filled panels scroll inside the tab: the page neither scrolls nor grows.
  const page_ = await page.evaluate(() => ({ scrollHeight: document.scrollingElement!.scrollHeight, scrollWidth: document.scrollingElement!.scrollWidth, height: innerHeight, width: innerWidth }));
  expect(page_.scrollHeight).toBeLessThanOrEqual(page_.height);
  expect(page_.scrollWidth).toBeLessThanOrEqual(page_.width);

  // The toolbar's Resume: running; Pause and F6 again: RIP still in the spin loop's code.
  await toolbar('Resume').click();
  await expect(status).toHaveText('Running: Pause (F6) to inspect.');
  await expect(toolbar('Pause')).toBeEnabled();
  await toolbar('Pause').click();
  await expect(status).toHaveText('Paused.');
  await expect(cpu).toContainText(/at [\w:]+ \(.+\.rs:\d+\)/);
  await page.keyboard.press('F6');
  await expect(status).toHaveText('Running: Pause (F6) to inspect.');
  await page.keyboard.press('Shift+F5');
  expect(await waitForRunEnd(page, 60_000)).toContain('Stopped');
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
  await page.getByRole('tab', { name: 'Inspector' }).click();
  await expect(status).toHaveText(/No virtual machine is running/);
  await expect(toolbar('Pause')).toBeDisabled();
  await expect(toolbar('Step')).toBeDisabled();
});

test('a kernel that halts stays paused where it ended: the page tables show the writable .rodata page, Stop ends it', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const bootlab = await startBootlab({ projectDir: join(ROOT, 'fixtures', 'crates', 'remap-rodata') });
  await page.goto(bootlab.url);
  await expect(page.getByRole('button', { name: 'Build and Boot', exact: true })).toBeEnabled();
  await page.keyboard.press('F5');
  expect(await waitForRunEnd(page, 6 * 60_000)).toContain('Kernel halted');
  // The run is over; its machine is not: Stop can end it, Step cannot run a CPU halted with IF clear.
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled();
  expect(qemuChildren(bootlab.pid)).toHaveLength(1);
  await page.getByRole('tab', { name: 'Inspector' }).click();
  const status = page.getByRole('status', { name: 'Inspector status' });
  await expect(status).toHaveText('Paused where the run ended: Stop (Shift+F5) ends the machine.');
  await expect(page.getByRole('region', { name: 'CPU' })).toContainText('in HLT');
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  const tables = page.getByRole('region', { name: 'Page tables' });
  const summary = tables.locator('.summary');
  await expect(summary).toHaveText(/^elf segments: \d+\/\d+ mapped with the ELF's permissions$/);
  const [, ok, all] = /(\d+)\/(\d+)/.exec((await summary.textContent())!)!;
  expect(Number(ok)).toBe(Number(all) - 1);
  await expect(tables.locator('.checks li.bad')).toHaveCount(1);
  await expect(tables.locator('.checks li.bad')).toContainText(/\.rodata.*: 0x[0-9a-f]+\.\.0x[0-9a-f]+ is RW-, the ELF says R--/);

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect.poll(() => qemuChildren(bootlab.pid), { timeout: 15_000 }).toEqual([]);
  await expect(status).toHaveText(/No virtual machine is running/);
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeDisabled();
});
