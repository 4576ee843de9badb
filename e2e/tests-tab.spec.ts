// The Tests tab with real cargo, QEMU and Chromium: the blog-style crate (plus one failing
// integration test) run by F8, every executable and test with its outcome, the failure's place
// and serial output, "Run failed" running only that one again; the failing fixture's triple fault
// with its backtrace and its hang as a timeout; Watch rerunning the tests after a saved change.
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, ROOT, startBootlab, test } from './bootlab.js';

const CRATES = join(ROOT, 'fixtures', 'crates');
const made: string[] = [];
test.afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture crate in a folder whose name has a space and a non-ASCII letter. */
function crateCopy(fixture: string): string {
  const parent = mkdtempSync(join(tmpdir(), 'bootlab e2e tests ü-'));
  made.push(parent);
  const dir = join(parent, fixture);
  cpSync(join(CRATES, fixture), dir, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(CRATES.length)) });
  return dir;
}

const FAILS_RS = `#![no_std]
#![no_main]
#![feature(custom_test_frameworks)]
#![test_runner(blog_os::test_runner)]
#![reexport_test_harness_main = "test_main"]

#[no_mangle]
pub extern "C" fn _start(_boot_info: *const u8) -> ! {
    test_main();
    blog_os::hlt_loop();
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    blog_os::test_panic_handler(info)
}

#[test_case]
fn breaks() {
    assert_eq!(6 * 7, 43, "the answer changed");
}
`;

const LONG = 6 * 60_000;

test('F8 runs every test executable; a failure shows its place and output; Run failed runs only it', async ({ page }) => {
  const dir = crateCopy('blog-tests');
  writeFileSync(join(dir, 'tests', 'fails.rs'), FAILS_RS);
  // A stand-in editor that records its arguments.
  const editorDir = mkdtempSync(join(tmpdir(), 'bootlab-editor-'));
  made.push(editorDir);
  const editor = join(editorDir, 'editor');
  const recorded = join(editorDir, 'args');
  writeFileSync(editor, `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}'\n`);
  chmodSync(editor, 0o755);
  const bootlab = await startBootlab({ projectDir: dir, settings: { editorCommand: [editor, '--goto', '{file}:{line}:{column}'] } });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(dir);
  await expect(page.getByRole('button', { name: 'Test', exact: true })).toBeEnabled();

  await page.keyboard.press('F8');
  await expect(page.getByRole('tab', { name: 'Tests' })).toHaveAttribute('aria-selected', 'true');
  const summary = page.getByRole('status', { name: 'Test summary' });
  await expect(summary).toContainText('tests: 7 passed, 1 failed', { timeout: LONG });

  const list = page.getByRole('list', { name: 'Test executables' });
  const outcomes: Record<string, string> = {
    'unittests src/lib.rs': 'passed',
    'unittests src/main.rs': 'passed',
    'tests/basic_boot.rs': 'passed',
    'tests/fails.rs': 'failed',
    'tests/no_harness.rs': 'passed',
    'tests/should_panic.rs': 'passed',
    'tests/stack_overflow.rs': 'passed',
  };
  await expect(list.locator(':scope > li')).toHaveCount(Object.keys(outcomes).length);
  for (const [label, outcome] of Object.entries(outcomes)) {
    await expect(list.getByRole('listitem', { name: label, exact: true }).locator('.row .outcome')).toHaveText(outcome);
  }
  const cases = (label: string) => list.getByRole('list', { name: `Tests in ${label}` });
  await expect(cases('tests/basic_boot.rs')).toContainText('basic_boot::test_println passed');
  await expect(cases('tests/basic_boot.rs')).toContainText('basic_boot::test_arithmetic passed');
  await expect(cases('tests/stack_overflow.rs')).toContainText('stack_overflow::stack_overflow passed');
  await expect(cases('tests/fails.rs')).toContainText('fails::breaks failed');

  // The failure opened by itself: its panic, its place (a click opens it in the editor, Copy copies
  // the full path), its output.
  const fails = list.getByRole('listitem', { name: 'tests/fails.rs', exact: true });
  await expect(fails.getByRole('button', { name: 'tests/fails.rs', exact: true })).toHaveAttribute('aria-expanded', 'true');
  await expect(fails.locator('.message')).toContainText('the answer changed');
  await fails.getByRole('button', { name: 'tests/fails.rs:20:5', exact: true }).click();
  await expect.poll(() => existsSync(recorded), { timeout: 30_000 }).toBe(true);
  expect(readFileSync(recorded, 'utf8').trim().split('\n')).toEqual(['--goto', `${dir}/tests/fails.rs:20:5`]);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await fails.getByRole('button', { name: `Copy location ${dir}/tests/fails.rs:20:5` }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${dir}/tests/fails.rs:20:5`);
  await expect(page.getByRole('region', { name: 'Serial output of tests/fails.rs' })).toContainText('Error: panicked at tests/fails.rs:20:5');

  // Only the failed executable runs again; the others keep their results.
  await page.getByRole('button', { name: 'Run failed' }).click();
  await expect(summary).toContainText('tests: 0 passed, 1 failed', { timeout: LONG });
  await expect(summary).toContainText('ran 1 of 7 executables');
  await expect(list.getByRole('listitem', { name: 'tests/basic_boot.rs', exact: true }).locator('.row .outcome')).toHaveText('passed');

  // The failed filter.
  await page.getByRole('radio', { name: /Failed/ }).check();
  await expect(list.locator(':scope > li')).toHaveCount(1);
  await expect(list.getByRole('listitem', { name: 'tests/fails.rs', exact: true })).toBeVisible();
});

test('a triple fault shows its backtrace, a hang its timeout; one executable runs alone', async ({ page }) => {
  const dir = crateCopy('failing-tests');
  const bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(dir);
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'Tests' })).toHaveAttribute('aria-selected', 'false');
  await page.getByRole('tab', { name: 'Tests' }).click();
  const summary = page.getByRole('status', { name: 'Test summary' });
  await expect(summary).toContainText('tests: 0 passed, 2 failed, 1 timed out', { timeout: LONG });

  const list = page.getByRole('list', { name: 'Test executables' });
  const triple = list.getByRole('listitem', { name: 'tests/triple_fault.rs', exact: true });
  await expect(triple.locator('.message')).toContainText('Triple fault in triple_fault::write_to_unmapped_memory');
  await expect(triple.getByRole('list', { name: 'Backtrace' })).toContainText('triple_fault::write_to_unmapped_memory (tests/triple_fault.rs:17)');
  const hang = list.getByRole('listitem', { name: 'tests/hang.rs', exact: true });
  await expect(hang.locator('.row .outcome')).toHaveText('timed out');
  await expect(hang.locator('.message')).toContainText(/Timed out after 4 s: the kernel did not exit\. RIP was 0x[0-9a-f]+ in \S+/);
  await expect(list.getByRole('list', { name: 'Tests in tests/hang.rs' })).toContainText('hang::spins_forever timed out');

  await list.getByRole('button', { name: 'Run tests/panics.rs' }).click();
  await expect(summary).toContainText('tests: 0 passed, 1 failed', { timeout: LONG });
  await expect(summary).toContainText('ran 1 of 3 executables');
  await expect(hang.locator('.row .outcome')).toHaveText('timed out');
});

test('Watch: a saved change runs the tests again and the status says which change', async ({ page }) => {
  const dir = crateCopy('blog-tests');
  const bootlab = await startBootlab({ projectDir: dir });
  await page.goto(bootlab.url);
  await expect(page.getByRole('textbox', { name: 'Kernel project' })).toHaveValue(dir);
  await page.keyboard.press('F8');
  const summary = page.getByRole('status', { name: 'Test summary' });
  await expect(summary).toContainText('tests: 7 passed, 0 failed', { timeout: LONG });

  const watch = page.getByRole('button', { name: 'Watch' });
  await watch.click();
  await expect(watch).toHaveAttribute('aria-pressed', 'true');
  appendFileSync(join(dir, 'tests', 'basic_boot.rs'), '\n#[test_case]\nfn test_broken() {\n    assert_eq!(1, 2, "broken on purpose");\n}\n');
  await expect(page.getByText('Test again after a change to tests/basic_boot.rs')).toBeVisible({ timeout: LONG });
  await expect(summary).toContainText(/tests: \d+ passed, 1 failed/, { timeout: LONG });
  await expect(page.getByRole('list', { name: 'Tests in tests/basic_boot.rs' })).toContainText('basic_boot::test_broken failed');

  await watch.click();
  await expect(watch).toHaveAttribute('aria-pressed', 'false');
});
