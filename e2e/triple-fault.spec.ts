// A kernel that triple-faults: the Run result names it, with the exception chain and the symbol.
import { expect, kernelCopy, startBootlab, test, waitForRunEnd, type Bootlab } from './bootlab.js';

let bootlab: Bootlab;

test('a triple fault shows the diagnosis', async ({ page }) => {
  const dir = kernelCopy('faulting-kernel', (source) =>
    source
      .replace('    println!("Hello from the Bootlab sample kernel!");', '    println!("Hello from the Bootlab sample kernel!");\n    crash_here();')
      .concat(
        '\n/// Writes to an unmapped address with no IDT loaded: page fault, double fault, triple fault.\n#[inline(never)]\n#[no_mangle]\npub extern "C" fn crash_here() {\n    // A canonical address far above anything the bootloader maps.\n    unsafe { core::arch::asm!("mov qword ptr [{}], 1", in(reg) 0x5ead_beef_0000u64) };\n}\n',
      ),
  );
  bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await page.getByRole('button', { name: 'Build and Boot', exact: true }).click();
  const result = await waitForRunEnd(page);
  expect(result).toContain('Triple fault');
  const region = page.getByRole('region', { name: 'Run result' });
  await expect(region).toContainText(/page fault/i);
  await expect(region).toContainText('crash_here');
  await expect(page.getByRole('region', { name: 'Serial console' })).toContainText('Hello from the Bootlab sample kernel!');
  // The screen as it was when the machine died, although that was within milliseconds.
  await expect(page.getByRole('region', { name: 'VGA screen' })).toContainText('Hello from the Bootlab sample kernel!');
});
