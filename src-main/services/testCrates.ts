// Copies of the test fixture crates for tests that edit them (watch mode, an added failing test).
// cargo leaves a path package's location out of its artifacts' hash, so a plain copy would share
// (and rebuild, under a test running them) the fixture's executables in the shared target folder:
// each copy gets a package name of its own, keeping its lib and bin target names.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './testkit.js';

const SOURCES = {
  'blog-tests': join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests'),
  'failing-tests': join(REPO_ROOT, 'fixtures', 'crates', 'failing-tests'),
  'sample-kernel': join(REPO_ROOT, 'resources', 'sample-kernel'),
};

/**
 * A fresh copy of fixtures/crates/`fixture` at .cache/test-crates/`fixture`-`name` (a fixed place: cargo's
 * artifacts of earlier runs stay usable), its package renamed after `name`.
 */
export function fixtureCopy(fixture: keyof typeof SOURCES, name: string): string {
  const source = SOURCES[fixture];
  const dir = join(REPO_ROOT, '.cache', 'test-crates', `${fixture}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(source, dir, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(source.length)) });
  rmSync(join(dir, 'Cargo.lock'), { force: true });
  const manifest = join(dir, 'Cargo.toml');
  let text = readFileSync(manifest, 'utf8');
  const packageName = `${fixture}-${name}`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (fixture === 'blog-tests') {
    text = text.replace(/^name = "blog_os"$/m, `name = "${packageName}"`);
    text += '\n[lib]\nname = "blog_os"\n\n[[bin]]\nname = "blog_os"\npath = "src/main.rs"\n';
  } else if (fixture === 'sample-kernel') {
    // The bin too: cargo copies it to target/<triple>/debug/<bin name>, where the sample's own is.
    text = text
      .replace(/^(\[package\]\r?\n)name = "sample-kernel"$/m, `$1name = "${packageName}"`)
      .replace(/^(\[\[bin\]\]\r?\n)name = "sample-kernel"$/m, `$1name = "${packageName}"\npath = "src/main.rs"`);
  } else {
    text = text.replace(/^name = "failing-tests"$/m, `name = "${packageName}"`).replace(/^\[lib\]$/m, '[lib]\nname = "failing_tests"');
  }
  writeFileSync(manifest, text);
  return dir;
}

/** tests/fails.rs for a blog-tests copy: one test that fails at line 20, column 5. */
export const FAILING_INTEGRATION_TEST = [
  '#![no_std]',
  '#![no_main]',
  '#![feature(custom_test_frameworks)]',
  '#![test_runner(blog_os::test_runner)]',
  '#![reexport_test_harness_main = "test_main"]',
  '',
  '#[no_mangle]',
  'pub extern "C" fn _start(_boot_info: *const u8) -> ! {',
  '    test_main();',
  '    blog_os::hlt_loop();',
  '}',
  '',
  '#[panic_handler]',
  'fn panic(info: &core::panic::PanicInfo) -> ! {',
  '    blog_os::test_panic_handler(info)',
  '}',
  '',
  '#[test_case]',
  'fn breaks() {',
  '    assert_eq!(6 * 7, 43, "the answer changed");',
  '}',
  '',
].join('\n');
